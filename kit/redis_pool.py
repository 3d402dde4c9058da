"""One way to reach Redis: a pool that makes a busy moment wait for a connection.

redis-py's default pool holds at most 100 connections and *raises* "Too many connections" on
the 101st concurrent command. A home screen reads about ten cache entries at once, so 50
concurrent people were enough to turn a busy second into errors (found by `bench/run_all.py
--redis`). A blocking pool queues the command until a connection is free, within a timeout.
"""

from __future__ import annotations

import redis.asyncio as aioredis

MAX_CONNECTIONS = 64
WAIT_SECONDS = 2.0


def redis_client(url: str) -> aioredis.Redis:
    """For commands (cache, rate limits); subscriptions hold a connection each, so the event bus
    keeps its own pool."""
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=MAX_CONNECTIONS, timeout=WAIT_SECONDS, socket_timeout=1.0, socket_connect_timeout=1.0
    )
    return aioredis.Redis(connection_pool=pool)
