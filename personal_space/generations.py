"""A person's generation: a token drawn anew whenever anything of theirs changes.

What we keep about a person (whole answers, the rows we own of theirs) is stored under their
current generation. Any committed change to what we own of theirs, or a department telling us
their data moved, draws a new one (`personal_space.changes`), which orphans everything kept
before, everywhere at once, without the writer knowing what was kept. A reader that started
before a change stores under the old generation, which no one asks for again.

Every process that can change a person's data must draw from the same place: Redis at scale,
this process's memory for a single worker, and the database for several workers without Redis
(one indexed read per request, against the five it saves).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from kit.cache import Cache
from personal_space.models import PersonGeneration, utcnow

# Outlives everything stored under a generation: a forgotten-then-recreated generation must not
# revive what was stored under the old one.
GENERATION_SECONDS = 86_400.0


class Generations(Protocol):
    async def current(self, account_id: str) -> str: ...

    async def advance(self, account_ids: Iterable[str]) -> None:
        """Orphan everything kept about these people."""
        ...


class CachedGenerations:
    """Generations in the cache: Redis (shared by every instance) or this process's memory."""

    def __init__(self, store: Cache) -> None:
        self._store = store

    async def current(self, account_id: str) -> str:
        key = _key(account_id)
        current = await self._store.get(key)
        if current is None:
            # None is never a generation of its own: if the entry was evicted, what was stored
            # under the old one must not come back, so a missing one is drawn anew.
            await self._store.add(key, _new().encode(), GENERATION_SECONDS)
            current = await self._store.get(key)
        return current.decode() if current else _new()

    async def advance(self, account_ids: Iterable[str]) -> None:
        for account_id in account_ids:
            await self._store.set(_key(account_id), _new().encode(), GENERATION_SECONDS)


class DatabaseGenerations:
    """Generations in our database, for several workers without Redis.

    Core statements on a connection of their own, never the ORM: an ORM write would be noted as a
    change of the person and draw yet another generation.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        dialect = engine.dialect.name
        self._insert = postgresql.insert if dialect == "postgresql" else sqlite.insert

    async def current(self, account_id: str) -> str:
        read = select(PersonGeneration.generation).where(PersonGeneration.account_id == account_id)
        async with self._engine.connect() as connection:
            current = await connection.scalar(read)
        if current is not None:
            return current
        first = self._insert(PersonGeneration).values(account_id=account_id, generation=_new(), changed_at=utcnow())
        async with self._engine.begin() as connection:
            await connection.execute(first.on_conflict_do_nothing(index_elements=["account_id"]))
            current = await connection.scalar(read)
        return current if current is not None else _new()

    async def advance(self, account_ids: Iterable[str]) -> None:
        rows = [{"account_id": a, "generation": _new(), "changed_at": utcnow()} for a in sorted(set(account_ids))]
        if not rows:
            return
        upsert = self._insert(PersonGeneration)
        upsert = upsert.on_conflict_do_update(
            index_elements=["account_id"],
            set_={"generation": upsert.excluded.generation, "changed_at": upsert.excluded.changed_at},
        )
        async with self._engine.begin() as connection:
            await connection.execute(upsert, rows)


def _new() -> str:
    return uuid.uuid4().hex


def _key(account_id: str) -> str:
    return f"gen:{account_id}"
