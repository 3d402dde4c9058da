"""The real parts (PostgreSQL, Redis, Elasticsearch) started by `make services-up`.

With CI=true they are required: a missing part fails the run. Elsewhere a missing part skips
the real-backend tests with one loud line saying why.
"""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

ENV_FILE = Path(os.environ.get("CITIZEN_SERVICES_DIR", "/tmp/citizen-services")) / "env"
REQUIRED = ("CITIZEN_DATABASE_URL", "CITIZEN_REDIS_URL", "CITIZEN_ELASTICSEARCH_URL")


def read_env() -> dict[str, str]:
    values: dict[str, str] = {}
    if ENV_FILE.exists():
        for line in ENV_FILE.read_text().splitlines():
            name, sep, value = line.partition("=")
            if sep and name.strip() in REQUIRED:
                values[name.strip()] = value.strip()
    return values


def _reachable(url: str) -> bool:
    parts = urlsplit(url.replace("+asyncpg", ""))
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=2):
            return True
    except OSError:
        return False


def require_real_services() -> dict[str, str]:
    values = read_env()
    missing = [name for name in REQUIRED if name not in values or not _reachable(values[name])]
    if missing:
        reason = f"REAL SERVICES MISSING: {', '.join(missing)} not running (run `make services-up`)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        print(f"\n*** {reason}: skipping the real-backend tests ***")
        pytest.skip(reason)
    return values


def fresh_postgres_database(url: str, name: str) -> str:
    """A database of this run's own, so concurrent runs on one server never meet."""

    async def create() -> None:
        engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        await engine.dispose()

    asyncio.run(create())
    return url.rsplit("/", 1)[0] + "/" + name


def drop_postgres_database(url: str, name: str) -> None:
    async def drop() -> None:
        engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await engine.dispose()

    asyncio.run(drop())


def reset_postgres(url: str) -> None:
    async def reset() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await engine.dispose()

    asyncio.run(reset())


def reset_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
