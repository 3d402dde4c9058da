"""A per-request memo of awaited work: the first reader does it, later and concurrent readers
share the same result (or the same exception).

Sibling GraphQL fields resolve concurrently, so a plain "is it cached yet?" check lets each of
them start the same read; sharing the outcome makes the read happen once.

The first reader runs the work itself rather than in a task of its own: a home screen makes a
dozen such reads and some thirty lookups of them, and a task per read plus a shield per lookup
were about a twentieth of an uncached answer's CPU (py-spy on a bench worker). Readers that come later take the stored
result without awaiting anything. Only readers that arrive while the work is in flight wait,
shielded, so one of them giving up never cancels it for the others; if the first reader is
cancelled, the work is abandoned and a waiting reader starts it again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class _Abandoned(Exception):
    """Given to readers waiting on work whose first reader was cancelled before it finished."""


class TaskMemo:
    def __init__(self) -> None:
        self._outcomes: dict[Hashable, asyncio.Future[Any]] = {}

    async def get(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        while True:
            outcome = self._outcomes.get(key)
            if outcome is None:
                return await self._first(key, make)
            if outcome.done():
                result: T = outcome.result()  # or the shared exception
                return result
            try:
                result = await asyncio.shield(outcome)
            except _Abandoned:
                continue  # its first reader gave up: read for ourselves
            return result

    async def _first(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        outcome: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._outcomes[key] = outcome
        try:
            result = await make()
        except asyncio.CancelledError:
            del self._outcomes[key]
            outcome.set_exception(_Abandoned())
            outcome.exception()  # retrieved: nobody may be waiting
            raise
        except BaseException as exc:
            outcome.set_exception(exc)
            outcome.exception()
            raise
        outcome.set_result(result)
        return result
