"""Every query of the personal-space domain lives here; services never write SQL."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

import orjson
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from personal_space.models import (
    Account,
    AuditEntry,
    EnterpriseBinding,
    Favourite,
    Notification,
    Preference,
    Submission,
)

GENESIS_HASH = "0" * 64


async def account_by_subject(session: AsyncSession, subject: str) -> Account | None:
    return await session.scalar(select(Account).where(Account.subject == subject))


async def account_by_username(session: AsyncSession, username: str) -> Account | None:
    return await session.scalar(select(Account).where(Account.username == username))


async def bindings_of(session: AsyncSession, account_id: str) -> Sequence[EnterpriseBinding]:
    result = await session.scalars(select(EnterpriseBinding).where(EnterpriseBinding.account_id == account_id))
    return result.all()


def audit_hash(prev_hash: str, entry: AuditEntry) -> str:
    # SQLite hands datetimes back without a zone; hash the instant, not its spelling.
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
    body = orjson.dumps(
        [
            prev_hash,
            round(at.timestamp() * 1_000_000),
            entry.actor_subject,
            entry.actor_role,
            entry.data_subject_id,
            entry.sections,
            entry.purpose,
            entry.outcome,
            entry.request_id,
        ],
    )
    return hashlib.sha256(body).hexdigest()


async def hold_write_lock_on_sqlite(session: AsyncSession) -> None:
    """On SQLite, take the database's write lock before a read-then-write.

    The driver starts a transaction only at the first INSERT/UPDATE, so a read before it sees no
    lock: two requests may read the same state and both write on it (the audit chain forks). And a
    transaction opened by a SAVEPOINT is deferred: its first write fails at once with "database is
    locked" when another connection committed since its first read, without waiting. BEGIN
    IMMEDIATE waits (busy_timeout) for the lock and then holds it until commit. PostgreSQL needs
    none of this: row locks, unique constraints and advisory locks do the job there."""
    if session.bind is None or session.bind.dialect.name != "sqlite":
        return
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    if not raw.driver_connection.in_transaction:  # type: ignore[union-attr]
        await connection.exec_driver_sql("BEGIN IMMEDIATE")


async def append_audit(session: AsyncSession, entries: Sequence[AuditEntry]) -> None:
    """Chain the entries, in order, after the last one in the log."""
    if not entries:
        return
    # Appenders take turns, so the chain never forks under concurrent requests.
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(727001)"))
    await hold_write_lock_on_sqlite(session)
    last = (
        await session.execute(select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1))
    ).first()
    seq, prev_hash = (last.seq, last.entry_hash) if last is not None else (0, GENESIS_HASH)
    rows = []
    for entry in entries:
        # Numbered here, under the lock, and not by the database: `seq` must follow the chain,
        # and with the numbers given, one statement writes the whole batch whatever order the
        # driver inserts it in (a row at a time through the ORM was most of a batch's cost).
        seq += 1
        entry.seq, entry.prev_hash = seq, prev_hash
        entry.entry_hash = prev_hash = audit_hash(prev_hash, entry)
        rows.append({column.key: getattr(entry, column.key) for column in _AUDIT_COLUMNS})
    await session.execute(insert(_AUDIT_LOG), rows)


_AUDIT_LOG = AuditEntry.metadata.tables[AuditEntry.__tablename__]
_AUDIT_COLUMNS = tuple(_AUDIT_LOG.columns)


async def audit_entries_about(session: AsyncSession, account_id: str, limit: int = 50) -> Sequence[AuditEntry]:
    result = await session.scalars(
        select(AuditEntry).where(AuditEntry.data_subject_id == account_id).order_by(AuditEntry.seq.desc()).limit(limit)
    )
    return result.all()


async def verify_audit_chain(session: AsyncSession) -> int | None:
    """Return the seq of the first tampered entry, or None when the chain holds."""
    prev = GENESIS_HASH
    for entry in (await session.scalars(select(AuditEntry).order_by(AuditEntry.seq))).all():
        if entry.prev_hash != prev or audit_hash(prev, entry) != entry.entry_hash:
            return entry.seq
        prev = entry.entry_hash
    return None


async def preference_of(session: AsyncSession, account_id: str) -> Preference | None:
    return await session.get(Preference, account_id)


async def favourites_of(session: AsyncSession, account_id: str) -> Sequence[Favourite]:
    result = await session.scalars(
        select(Favourite).where(Favourite.account_id == account_id).order_by(Favourite.created_at.desc())
    )
    return result.all()


async def favourite(session: AsyncSession, account_id: str, item_code: str) -> Favourite | None:
    return await session.scalar(
        select(Favourite).where(Favourite.account_id == account_id, Favourite.item_code == item_code)
    )


async def notifications_of(session: AsyncSession, account_id: str, limit: int = 100) -> Sequence[Notification]:
    result = await session.scalars(
        select(Notification)
        .where(Notification.account_id == account_id)
        .order_by(Notification.created_at.desc())
        .limit(limit)
    )
    return result.all()


async def submissions_of(session: AsyncSession, account_id: str, kinds: tuple[str, ...] = ()) -> Sequence[Submission]:
    query = select(Submission).where(Submission.account_id == account_id)
    if kinds:
        query = query.where(Submission.kind.in_(kinds))
    return (await session.scalars(query.order_by(Submission.created_at.desc()))).all()


async def account_by_id_number_hash(session: AsyncSession, id_number_hash: str) -> Account | None:
    return await session.scalar(select(Account).where(Account.id_number_hash == id_number_hash))


async def accounts_by_username(session: AsyncSession, usernames: Sequence[str]) -> dict[str, Account]:
    rows = await session.scalars(select(Account).where(Account.username.in_(usernames)))
    return {a.username: a for a in rows.all()}


async def audit_entries_between(
    session: AsyncSession, since: datetime, until: datetime, *, data_subject_id: str | None = None, limit: int = 1000
) -> Sequence[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.at >= since, AuditEntry.at < until)
    if data_subject_id:
        query = query.where(AuditEntry.data_subject_id == data_subject_id)
    return (await session.scalars(query.order_by(AuditEntry.seq).limit(limit))).all()
