"""What we own of a person, read from the database once per generation.

A home screen reads five of our tables for the person (preferences, favourites, notifications,
submissions, licence shows). Each read is an ORM round trip: on SQLite through aiosqlite's
thread it was a quarter of the CPU of an uncached `me`. These rows change only through our own
commits, and every commit draws the person a new generation (`personal_space.generations`),
so the views built from them are kept under it:

- in this process's memory, as the immutable views the resolvers build from (never
  serialised, never shared); the generation, in Redis at scale, is what tells every process
  that a person's rows changed;
- only for read-only operations: a mutation reads what it has just written, before its commit
  has drawn the new generation;
- at most `max_seconds`, which bounds how long a change made outside the unit of work (an
  operator's SQL) can go unseen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

from prometheus_client import CollectorRegistry, Counter

from kit.lru import ExpiringLru

T = TypeVar("T")


class OwnedCache:
    def __init__(self, *, max_entries: int, max_seconds: float, registry: CollectorRegistry | None = None) -> None:
        self._entries: ExpiringLru[object] = ExpiringLru(max_entries)
        self.max_seconds = max_seconds
        self.outcomes = Counter(
            "owned_cache_total", "Reads of what we own of a person, by outcome", ["outcome"], registry=registry
        )

    @property
    def enabled(self) -> bool:
        return self.max_seconds > 0

    async def read(self, account_id: str, generation: str, kind: str, load: Callable[[], Awaitable[T]]) -> T:
        key = (account_id, generation, kind)
        kept = self._entries.get(key)
        if kept is not None:
            self.outcomes.labels("hit").inc()
            return cast(T, kept)  # stored by this method, under the same kind
        value = await load()
        self._entries.set(key, value, self.max_seconds)
        self.outcomes.labels("miss").inc()
        return value
