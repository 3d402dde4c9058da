"""The Redis-backed cache and rate limiter under a burst: more commands at once than the pool
has connections wait their turn instead of failing."""

from __future__ import annotations

import asyncio
import uuid

from gateway.lifespan import build_breakers
from gateway.settings import Settings
from kit.cache import RedisCache
from kit.ratelimit import RedisRateLimiter
from kit.redis_pool import MAX_CONNECTIONS
from tests.support.real_services import require_real_services


async def test_a_burst_beyond_the_pool_waits_instead_of_failing() -> None:
    url = require_real_services()["CITIZEN_REDIS_URL"]
    prefix = f"cs-test-{uuid.uuid4().hex[:8]}:"
    cache = RedisCache(url, prefix=prefix)
    limiter = RedisRateLimiter(url, prefix=prefix + "rl:")
    try:
        await cache.set("k", b"v", 30)
        burst = 5 * MAX_CONNECTIONS
        values = await asyncio.gather(*(cache.get("k") for _ in range(burst)))
        verdicts = await asyncio.gather(*(limiter.hit(f"caller-{i % 7}", 10_000, 60) for i in range(burst)))
        assert values == [b"v"] * burst
        assert all(v.allowed for v in verdicts)
    finally:
        await cache.aclose()
        await limiter.aclose()


async def test_circuit_breakers_share_the_waiting_pool() -> None:
    """Every department call asks its breaker in Redis: a burst of them must not fail either."""
    url = require_real_services()["CITIZEN_REDIS_URL"]
    breakers = await build_breakers(Settings(redis_url=url, redis_prefix=f"cs-test-{uuid.uuid4().hex[:8]}:"))
    found = await asyncio.gather(*(breakers.get_breaker(f"system-{i % 7}") for i in range(5 * MAX_CONNECTIONS)))
    assert len(found) == 5 * MAX_CONNECTIONS
