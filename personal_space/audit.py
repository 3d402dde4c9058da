"""The audit trail of one request: sections read are collected, then written as one entry."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from personal_space import repository
from personal_space.caller import Caller
from personal_space.models import AuditEntry, utcnow

ENTERPRISE_ACCESS = "enterprise_access"
PURPOSE_LABELS = {
    "self_access": "本人查询",
    "agent_ticket": "12345工单处理",
    "licence_show": "扫码亮证核验",
    "enterprise_access": "企业事务办理",
    "prefill": "表单预填",
}


def purpose_label(purpose: str) -> str:
    code, _, detail = purpose.partition(":")
    label = PURPOSE_LABELS.get(code, code)
    return f"{label}（{detail}）" if detail else label


@dataclass
class AuditTrail:
    caller: Caller | None
    request_id: str
    # An ASCII purpose code: it travels in HTTP headers to departments; labels are for people.
    purpose: str = "self_access"
    reads: dict[tuple[str | None, str], set[str]] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    # A purpose bound to one data subject (a company's space) wins over the request's default,
    # so one request reading both a person's and a company's data logs each under its own.
    subject_purposes: dict[str, str] = field(default_factory=dict)

    def bind_purpose(self, data_subject_id: str, purpose: str) -> None:
        self.subject_purposes[data_subject_id] = purpose

    def read(self, data_subject_id: str | None, section: str) -> None:
        purpose = self.subject_purposes.get(data_subject_id or "", self.purpose)
        self.reads.setdefault((data_subject_id, purpose), set()).add(section)

    def failed_read(self, section: str) -> None:
        self.failed.add(section)

    def take_entries(self) -> list[AuditEntry]:
        """The entries for what was read so far (one per data subject and purpose), once."""
        if self.caller is None:
            return []
        now = utcnow()
        entries = [
            AuditEntry(
                at=now,
                actor_subject=self.caller.subject,
                actor_role=self.caller.role,
                data_subject_id=data_subject_id,
                sections=sorted(sections),
                purpose=purpose,
                outcome="partial" if self.failed & sections else "ok",
                request_id=self.request_id,
            )
            for (data_subject_id, purpose), sections in self.reads.items()
        ]
        self.reads.clear()
        return entries

    async def flush(self, session: AsyncSession) -> None:
        await repository.append_audit(session, self.take_entries())
