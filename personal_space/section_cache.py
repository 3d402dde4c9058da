"""Section caching with stale-if-error.

A section (a person's licences, cases, bills…) is served from the cache while fresh; past that
it is fetched again, and if the department fails, the last good copy is served marked stale.
Entries are sealed with AES-GCM before they reach the cache (Redis in production), so the
department data in them — names, ID numbers — is never readable there; masking happens after.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

from connectors.errors import DepartmentError, NotFound
from kit import freshness
from kit.cache import Cache
from kit.crypto import FieldCipher

ItemT = TypeVar("ItemT")


class ItemsCodec(Generic[ItemT]):
    """A section's items as the JSON of its cached copy, and back, in one call each way:
    pydantic's serializer and validator for the whole list (a dict per item through orjson
    cost more than the encryption)."""

    def __init__(self, item_type: type[ItemT]) -> None:
        self._adapter = TypeAdapter(list[item_type])  # type: ignore[valid-type]

    def dump(self, items: list[ItemT]) -> bytes:
        return self._adapter.dump_json(items, by_alias=True)

    def load(self, data: bytes) -> list[ItemT]:
        return self._adapter.validate_json(data)


@functools.cache
def items_codec(item_type: type[ItemT]) -> ItemsCodec[ItemT]:
    """One codec per item type: building a TypeAdapter compiles its schema."""
    return ItemsCodec(item_type)


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
        self, key: str, fetch: Callable[[], Awaitable[list[ItemT]]], codec: ItemsCodec[ItemT]
    ) -> Section[ItemT]:
        raw = await self._cache.get(key)
        at = _sealed_at(raw)
        if at is not None and time.time() - at < self._fresh:
            fresh = self._open(key, raw, at, codec)
            if fresh is not None:
                freshness.section_read(at, self._fresh, stale=False)
                return Section(fresh, _instant(at), stale=False)
        try:
            items = await fetch()
        except NotFound:
            # Not cached: the department is asked again next time, and so is the answer built.
            freshness.not_reusable()
            raise
        except DepartmentError:
            freshness.not_reusable()
            last_good = self._open(key, raw, at, codec)
            if last_good is None or at is None:
                raise
            return Section(last_good, _instant(at), stale=True)
        now = time.time()
        # The time is written in clear before the sealed items, so whether a copy is fresh is
        # known without opening it (past freshness, it is opened only when the department
        # fails); it is bound into the seal, so a copy cannot be made to look fresher.
        sealed = self._cipher.seal(codec.dump(items), context=_context(key, now))
        await self._cache.set(key, _stamp(now) + sealed, self._keep)
        freshness.section_read(now, self._fresh, stale=False)
        return Section(items, _instant(now), stale=False)

    async def invalidate(self, key: str) -> None:
        """Drop the fresh copy after a write; the shared cache makes every instance see it."""
        await self._cache.delete(key)

    def _open(self, key: str, raw: bytes | None, at: float | None, codec: ItemsCodec[ItemT]) -> list[ItemT] | None:
        if raw is None or at is None:
            return None
        data = self._cipher.open(raw.partition(_STAMP_END)[2], context=_context(key, at))
        if data is None:
            return None
        try:
            return codec.load(data)
        except ValidationError:
            return None  # a copy from before the items' shape changed: the department is asked


_STAMP_END = b"|"


def _stamp(at: float) -> bytes:
    return repr(at).encode() + _STAMP_END


def _sealed_at(raw: bytes | None) -> float | None:
    """When a cached copy was fetched; None for no copy or one in another format."""
    if raw is None:
        return None
    stamp, found, _ = raw.partition(_STAMP_END)
    if not found:
        return None
    try:
        at = float(stamp)
    except ValueError:
        return None
    return at if math.isfinite(at) else None


def _context(key: str, at: float) -> str:
    return f"{key}|{at!r}"


def _instant(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
