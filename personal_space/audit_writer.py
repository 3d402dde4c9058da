"""Group commit for the audit log of read-only requests.

Every read of personal data is logged before its answer leaves, and the log is one hash chain,
so appenders take turns: each one locks, reads the last hash, inserts and commits. Done per
request, that was half the CPU of a home screen answered from cache. Here requests that only
read hand their entries over and wait: whatever arrived while one batch was being committed
goes into the next, in one transaction. An answer still waits for its entries to be durable;
only the cost is shared. Requests that write keep logging in their own transaction, so their
writes and their log entries commit together or not at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from personal_space import repository
from personal_space.models import AuditEntry

Waiting = tuple[Sequence[AuditEntry], asyncio.Future[None]]


class AuditWriter:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._waiting: list[Waiting] = []
        # One drain at a time, as a task of its own: a request that gives up (the client went
        # away) must not take the others' batch down with it.
        self._drain: asyncio.Task[None] | None = None

    async def append(self, entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((entries, done))
        if self._drain is None or self._drain.done():
            self._drain = asyncio.create_task(self._drain_all())
        await done

    async def close(self) -> None:
        if self._drain is not None:
            await asyncio.gather(self._drain, return_exceptions=True)

    async def _drain_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                async with self._sessionmaker() as session:
                    await repository.append_audit(session, [entry for entries, _ in batch for entry in entries])
                    await session.commit()
            except BaseException as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc if isinstance(exc, Exception) else RuntimeError("audit not written"))
                if not isinstance(exc, Exception):
                    raise
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)
