"""The audit group commit: every entry lands in one unbroken chain, in fewer transactions than
requests, and nobody is told "logged" before the entry is committed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from gateway.lifespan import build_engine
from gateway.settings import Settings
from personal_space import repository
from personal_space.audit_writer import AuditWriter
from personal_space.models import AuditEntry, Base, utcnow


def entry(i: int) -> AuditEntry:
    return AuditEntry(
        at=utcnow(),
        actor_subject=f"s{i}",
        actor_role="citizen",
        data_subject_id=f"a{i}",
        sections=["cases"],
        purpose="self_access",
        outcome="ok",
        request_id=f"r{i}",
    )


async def test_concurrent_requests_share_commits_and_keep_the_chain(tmp_path: Path) -> None:
    engine = build_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}"))
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    commits = 0

    @event.listens_for(engine.sync_engine, "commit")
    def _count(_connection: object) -> None:
        nonlocal commits
        commits += 1

    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    writer = AuditWriter(sessionmaker)
    seen_committed: list[int] = []

    async def request(i: int) -> None:
        await writer.append([entry(i)])
        # Told "logged": the entry must already be readable by anyone.
        async with sessionmaker() as session:
            found = await session.scalar(select(func.count()).where(AuditEntry.request_id == f"r{i}"))
        seen_committed.append(int(found or 0))

    await asyncio.gather(*(request(i) for i in range(40)))
    await writer.close()
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 40
        assert await repository.verify_audit_chain(session) is None
    assert seen_committed == [1] * 40
    assert commits < 40  # batched: whatever arrived during one commit went into the next
    await engine.dispose()


async def test_a_failed_batch_fails_its_requests_and_the_next_one_still_writes(tmp_path: Path) -> None:
    engine = build_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}"))
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    writer = AuditWriter(sessionmaker)
    failed = await asyncio.gather(writer.append([entry(1)]), return_exceptions=True)
    assert isinstance(failed[0], Exception)  # no table yet: the request learns its read went unlogged
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    await writer.append([entry(2)])
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 1
    await engine.dispose()
