"""Generations and what is kept under them: a new generation orphans what was kept, people never
share entries, entries expire and the cache stays bounded; workers without Redis share their
generations through the database."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from gateway.lifespan import build_engine
from gateway.settings import Settings
from kit import lru
from kit.cache import InProcessCache
from personal_space.generations import CachedGenerations, DatabaseGenerations
from personal_space.models import Base
from personal_space.owned_cache import OwnedCache
from tests.support.real_services import fresh_postgres_database, require_real_services


class Loads:
    def __init__(self) -> None:
        self.count = 0

    async def __call__(self) -> tuple[str, ...]:
        self.count += 1
        return (f"row-{self.count}",)


def test_kept_under_a_generation_until_it_advances() -> None:
    async def scenario() -> None:
        generations = CachedGenerations(InProcessCache())
        cache = OwnedCache(max_entries=100, max_seconds=300)
        load = Loads()
        first = await cache.read("a1", await generations.current("a1"), "favourites", load)
        again = await cache.read("a1", await generations.current("a1"), "favourites", load)
        assert again == first == ("row-1",)
        await generations.advance(["a1"])
        after = await cache.read("a1", await generations.current("a1"), "favourites", load)
        assert after == ("row-2",)
        assert load.count == 2

    asyncio.run(scenario())


def test_a_lost_generation_is_drawn_anew_not_recreated() -> None:
    async def scenario() -> None:
        store = InProcessCache()
        generations = CachedGenerations(store)
        before = await generations.current("a1")
        await store.delete("gen:a1")  # evicted
        assert await generations.current("a1") != before

    asyncio.run(scenario())


def test_people_and_kinds_do_not_share_entries() -> None:
    async def scenario() -> None:
        cache = OwnedCache(max_entries=100, max_seconds=300)
        load = Loads()
        mine = await cache.read("a1", "g", "favourites", load)
        theirs = await cache.read("a2", "g", "favourites", load)
        other_kind = await cache.read("a1", "g", "notifications", load)
        assert len({mine, theirs, other_kind}) == 3

    asyncio.run(scenario())


def test_entries_expire_and_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(lru.time, "monotonic", lambda: now[0])

    async def scenario() -> None:
        cache = OwnedCache(max_entries=3, max_seconds=60)
        load = Loads()
        await cache.read("a1", "g", "favourites", load)
        now[0] += 61
        assert await cache.read("a1", "g", "favourites", load) == ("row-2",)
        for n in range(10):
            await cache.read(f"p{n}", "g", "favourites", load)
        assert len(cache._entries) == 3

    asyncio.run(scenario())


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'generations.db'}"
    real = require_real_services()
    return fresh_postgres_database(real["CITIZEN_DATABASE_URL"], f"citizen_gen_{uuid.uuid4().hex[:8]}")


def test_workers_without_redis_share_generations_through_the_database(database_url: str) -> None:
    """Two workers (two engines on one database): a change drawn by one is seen by the other,
    and a person's first generation is one, however many ask for it at once."""

    async def scenario() -> None:
        one, other = (
            build_engine(Settings(database_url=database_url)),
            build_engine(Settings(database_url=database_url)),
        )
        async with one.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        a, b = DatabaseGenerations(one), DatabaseGenerations(other)
        first = await asyncio.gather(*(g.current("a1") for g in [a, b] * 10))
        assert len(set(first)) == 1
        await a.advance(["a1", "a2"])
        moved = await b.current("a1")
        assert moved != first[0]
        assert await a.current("a1") == moved
        assert await b.current("a2") == await a.current("a2")
        await a.advance([])
        await one.dispose()
        await other.dispose()

    asyncio.run(scenario())
