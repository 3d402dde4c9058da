"""The cache behind one small interface: in-process for the embedded default, Redis at scale."""

from __future__ import annotations

from typing import Protocol

from kit.lru import ExpiringLru
from kit.redis_pool import redis_client


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...
    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None: ...
    async def delete(self, key: str) -> None: ...
    async def add(self, key: str, value: bytes, ttl_seconds: float) -> bool:
        """Set only if absent; True when this call set it (a cross-instance once-only guard)."""
        ...

    async def ping(self) -> bool: ...
    async def aclose(self) -> None: ...


class InProcessCache:
    """LRU with per-entry expiry; bounded so a busy process cannot grow without limit."""

    def __init__(self, max_entries: int = 50_000) -> None:
        self._entries: ExpiringLru[bytes] = ExpiringLru(max_entries)

    async def get(self, key: str) -> bytes | None:
        return self._entries.get(key)

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        self._entries.set(key, value, ttl_seconds)

    async def delete(self, key: str) -> None:
        self._entries.delete(key)

    async def add(self, key: str, value: bytes, ttl_seconds: float) -> bool:
        if self._entries.get(key) is not None:
            return False
        self._entries.set(key, value, ttl_seconds)
        return True

    async def ping(self) -> bool:
        return True

    async def aclose(self) -> None:
        self._entries.clear()


class RedisCache:
    def __init__(self, url: str, prefix: str = "cs:") -> None:
        self._redis = redis_client(url)
        self._prefix = prefix

    async def get(self, key: str) -> bytes | None:
        value = await self._redis.get(self._prefix + key)
        return value if isinstance(value, bytes | None) else value.encode()

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        await self._redis.set(self._prefix + key, value, px=max(1, int(ttl_seconds * 1000)))

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    async def add(self, key: str, value: bytes, ttl_seconds: float) -> bool:
        return bool(await self._redis.set(self._prefix + key, value, px=max(1, int(ttl_seconds * 1000)), nx=True))

    async def ping(self) -> bool:
        return bool(await self._redis.ping())

    async def aclose(self) -> None:
        await self._redis.aclose()


def build_cache(redis_url: str | None, prefix: str = "cs:") -> Cache:
    return RedisCache(redis_url, prefix=prefix) if redis_url else InProcessCache()
