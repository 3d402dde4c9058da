"""Section caching with stale-if-error.

A section (a person's licences, cases, bills…) is served from the cache while fresh; past that
it is fetched again, and if the department fails, the last good copy is served marked stale.
Entries are sealed with AES-GCM before they reach the cache (Redis in production), so the
department data in them — names, ID numbers — is never readable there; masking happens after.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from connectors.errors import DepartmentError, NotFound
from kit import freshness
from kit.cache import Cache
from kit.crypto import FieldCipher

ItemT = TypeVar("ItemT")


@dataclass(frozen=True, slots=True)
class Section(Generic[ItemT]):
    items: list[ItemT]
    fetched_at: datetime
    stale: bool


class SectionCache:
    def __init__(
        self, cache: Cache, cipher: FieldCipher, *, fresh_seconds: float = 30.0, keep_seconds: float = 86_400.0
    ) -> None:
        self._cache = cache
        self._cipher = cipher
        self._fresh = fresh_seconds
        self._keep = keep_seconds

    @property
    def cipher(self) -> FieldCipher:
        return self._cipher

    async def get(
        self,
        key: str,
        fetch: Callable[[], Awaitable[list[ItemT]]],
        encode: Callable[[ItemT], dict[str, Any]],
        decode: Callable[[dict[str, Any]], ItemT],
    ) -> Section[ItemT]:
        cached = await self._read(key)
        if cached is not None and time.time() - cached["at"] < self._fresh:
            freshness.section_read(cached["at"], self._fresh, stale=False)
            return Section([decode(i) for i in cached["items"]], _instant(cached["at"]), stale=False)
        try:
            items = await fetch()
        except NotFound:
            # Not cached: the department is asked again next time, and so is the answer built.
            freshness.not_reusable()
            raise
        except DepartmentError:
            freshness.not_reusable()
            if cached is None:
                raise
            return Section([decode(i) for i in cached["items"]], _instant(cached["at"]), stale=True)
        now = time.time()
        sealed = self._cipher.seal_json({"at": now, "items": [encode(i) for i in items]}, context=key)
        await self._cache.set(key, sealed, self._keep)
        freshness.section_read(now, self._fresh, stale=False)
        return Section(items, _instant(now), stale=False)

    async def invalidate(self, key: str) -> None:
        """Drop the fresh copy after a write; the shared cache makes every instance see it."""
        await self._cache.delete(key)

    async def _read(self, key: str) -> dict[str, Any] | None:
        raw = await self._cache.get(key)
        value = self._cipher.open_json(raw, context=key) if raw is not None else None
        return value if isinstance(value, dict) else None


def _instant(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
