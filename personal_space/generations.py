"""A person's generation: a token drawn anew whenever anything of theirs changes.

What we keep about a person (whole answers, the rows we own of theirs) is stored under their
current generation. Any committed change to what we own of theirs, or a department telling us
their data moved, draws a new one (`personal_space.changes`), which orphans everything kept
before, everywhere at once, without the writer knowing what was kept. A reader that started
before a change stores under the old generation, which no one asks for again.

The generations are only worth trusting where every process that can change a person's data
draws from the same store: Redis, or a single worker. `shared` says so; without it nothing may
be kept under them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from kit.cache import Cache

# Outlives everything stored under a generation: a forgotten-then-recreated generation must not
# revive what was stored under the old one.
GENERATION_SECONDS = 86_400.0


class Generations:
    def __init__(self, store: Cache, *, shared: bool) -> None:
        self._store = store
        self.shared = shared

    async def current(self, account_id: str) -> str:
        key = _key(account_id)
        current = await self._store.get(key)
        if current is None:
            # None is never a generation of its own: if the entry was evicted, what was stored
            # under the old one must not come back, so a missing one is drawn anew.
            await self._store.add(key, uuid.uuid4().hex.encode(), GENERATION_SECONDS)
            current = await self._store.get(key)
        return current.decode() if current else uuid.uuid4().hex

    async def advance(self, account_ids: Iterable[str]) -> None:
        """Orphan everything kept about these people."""
        for account_id in account_ids:
            await self._store.set(_key(account_id), uuid.uuid4().hex.encode(), GENERATION_SECONDS)


def _key(account_id: str) -> str:
    return f"gen:{account_id}"
