"""A per-request memo of awaited work: the first reader starts it, later and concurrent readers
share the same result (or the same exception).

Sibling GraphQL fields resolve concurrently, so a plain "is it cached yet?" check lets each of
them start the same read; sharing the task makes the read happen once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class TaskMemo:
    def __init__(self) -> None:
        self._tasks: dict[Hashable, asyncio.Future[Any]] = {}

    async def get(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        task = self._tasks.get(key)
        if task is None:
            task = self._tasks[key] = asyncio.ensure_future(make())
        # Shielded: one reader being cancelled must not cancel the work the others wait for.
        result: T = await asyncio.shield(task)
        return result
