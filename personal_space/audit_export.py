"""The operators' view of the audit log: export a period, and prove the chain is intact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from personal_space import repository
from personal_space.audit import purpose_label
from personal_space.caller import Caller
from personal_space.errors import NotAllowed
from personal_space.models import AuditEntry
from personal_space.owned import InvalidInput

MAX_EXPORT_DAYS = 31
# Entries are kept at least this long (the platform's rule is 180 days); nothing here deletes them.
RETENTION_DAYS = 180


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    at: datetime
    actor_subject: str
    actor_role: str
    data_subject_id: str | None
    sections: list[str]
    purpose: str
    outcome: str
    request_id: str | None
    entry_hash: str
    prev_hash: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    intact: bool
    entries: int
    first_broken_seq: int | None


def _require_operator(caller: Caller) -> None:
    if caller.role != "operator":
        raise NotAllowed("只有平台运维人员可以导出审计日志")


async def export(
    session: AsyncSession, caller: Caller, since: datetime, until: datetime, data_subject_id: str | None = None
) -> list[AuditRecord]:
    _require_operator(caller)
    if until <= since:
        raise InvalidInput("until", "until must be after since")
    if until - since > timedelta(days=MAX_EXPORT_DAYS):
        raise InvalidInput("until", f"export at most {MAX_EXPORT_DAYS} days at a time")
    entries = await repository.audit_entries_between(session, since, until, data_subject_id=data_subject_id)
    return [
        AuditRecord(
            seq=e.seq,
            at=e.at,
            actor_subject=e.actor_subject,
            actor_role=e.actor_role,
            data_subject_id=e.data_subject_id,
            sections=list(e.sections),
            purpose=purpose_label(e.purpose),
            outcome=e.outcome,
            request_id=e.request_id,
            entry_hash=e.entry_hash,
            prev_hash=e.prev_hash,
        )
        for e in entries
    ]


async def verify_chain(session: AsyncSession, caller: Caller) -> ChainReport:
    _require_operator(caller)
    broken = await repository.verify_audit_chain(session)
    count = await session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    return ChainReport(intact=broken is None, entries=int(count), first_broken_seq=broken)
