"""Section caching with stale-if-error.

A section (a person's licences, cases, bills…) is served from the cache while fresh; past that
it is fetched again, and if the department fails, the last good copy is served marked stale.
Only masked views are cached, so the cache never holds more personal data than a client sees.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import orjson

from connectors.errors import DepartmentError, NotFound
from kit.cache import Cache

ItemT = TypeVar("ItemT")


@dataclass(frozen=True, slots=True)
class Section(Generic[ItemT]):
    items: list[ItemT]
    fetched_at: datetime
    stale: bool


class SectionCache:
    def __init__(self, cache: Cache, *, fresh_seconds: float = 30.0, keep_seconds: float = 86_400.0) -> None:
        self._cache = cache
        self._fresh = fresh_seconds
        self._keep = keep_seconds

    async def get(
        self,
        key: str,
        fetch: Callable[[], Awaitable[list[ItemT]]],
        encode: Callable[[ItemT], dict[str, Any]],
        decode: Callable[[dict[str, Any]], ItemT],
    ) -> Section[ItemT]:
        cached = await self._read(key)
        if cached is not None and time.time() - cached["at"] < self._fresh:
            return Section([decode(i) for i in cached["items"]], _instant(cached["at"]), stale=False)
        try:
            items = await fetch()
        except NotFound:
            raise
        except DepartmentError:
            if cached is None:
                raise
            return Section([decode(i) for i in cached["items"]], _instant(cached["at"]), stale=True)
        now = time.time()
        await self._cache.set(key, orjson.dumps({"at": now, "items": [encode(i) for i in items]}), self._keep)
        return Section(items, _instant(now), stale=False)

    async def invalidate(self, key: str) -> None:
        """Drop the fresh copy after a write; the shared cache makes every instance see it."""
        await self._cache.delete(key)

    async def _read(self, key: str) -> dict[str, Any] | None:
        raw = await self._cache.get(key)
        if raw is None:
            return None
        try:
            value: dict[str, Any] = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
        return value


def _instant(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
