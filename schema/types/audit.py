"""The operators' audit log types."""

from __future__ import annotations

from datetime import datetime

import strawberry

from personal_space.audit_export import AuditRecord, ChainReport


@strawberry.type(description="一条审计记录（对个人数据的一次读取）")
class AuditLogEntry:
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

    @classmethod
    def of(cls, record: AuditRecord) -> AuditLogEntry:
        return cls(**{name: getattr(record, name) for name in record.__dataclass_fields__})


@strawberry.type(description="审计链完整性校验结果")
class AuditChainReport:
    intact: bool
    entries: int
    first_broken_seq: int | None

    @classmethod
    def of(cls, report: ChainReport) -> AuditChainReport:
        return cls(intact=report.intact, entries=report.entries, first_broken_seq=report.first_broken_seq)
