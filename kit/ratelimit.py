"""Sliding-window rate limits: in-process by default, shared through Redis across instances."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Protocol

from kit.redis_pool import redis_client


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    remaining: int
    retry_after_seconds: float


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: float) -> Verdict: ...
    async def aclose(self) -> None: ...


class InProcessRateLimiter:
    def __init__(self, max_keys: int = 100_000) -> None:
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._max_keys = max_keys

    async def hit(self, key: str, limit: int, window_seconds: float) -> Verdict:
        now = time.monotonic()
        hits = self._hits[key]
        while hits and hits[0] <= now - window_seconds:
            hits.popleft()
        if len(hits) >= limit:
            return Verdict(False, 0, max(0.0, hits[0] + window_seconds - now))
        hits.append(now)
        if len(self._hits) > self._max_keys:
            self._forget_idle(now, window_seconds)
        return Verdict(True, limit - len(hits), 0.0)

    def _forget_idle(self, now: float, window_seconds: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - window_seconds]:
            del self._hits[key]

    async def aclose(self) -> None:
        self._hits.clear()


# Trim, count and (when under the limit) record in one atomic step, so instances agree.
_SLIDING_WINDOW = """
local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return {0, 0, tostring(tonumber(oldest[2]) + window - now)}
end
redis.call('ZADD', key, now, member)
redis.call('PEXPIRE', key, math.ceil(window * 1000))
return {1, limit - count - 1, '0'}
"""


class RedisRateLimiter:
    def __init__(self, url: str, prefix: str = "cs:rl:") -> None:
        self._redis = redis_client(url)
        self._script = self._redis.register_script(_SLIDING_WINDOW)
        self._prefix = prefix

    async def hit(self, key: str, limit: int, window_seconds: float) -> Verdict:
        allowed, remaining, retry = await self._script(
            keys=[self._prefix + key], args=[time.time(), window_seconds, limit, uuid.uuid4().hex]
        )
        return Verdict(bool(int(allowed)), int(remaining), float(retry))

    async def aclose(self) -> None:
        await self._redis.aclose()


def build_rate_limiter(redis_url: str | None, prefix: str = "cs:") -> RateLimiter:
    return RedisRateLimiter(redis_url, prefix=prefix + "rl:") if redis_url else InProcessRateLimiter()
