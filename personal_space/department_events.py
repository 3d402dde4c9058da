"""Events pushed by departments (signed webhooks): who they concern, what they are told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from kit.cache import Cache
from kit.events import EventBus
from personal_space.links import SubjectLinker
from personal_space.models import Account, Notification
from personal_space.polling import first_to_announce
from personal_space.service import PersonalSpaceService


class DepartmentEvent(BaseModel):
    system: str = Field(max_length=32)
    event: str = Field(max_length=64)
    object_id: str = Field(max_length=128)
    status: str = Field(max_length=32)
    at: datetime
    subject_id_hash: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class EventKind:
    update_type: str
    section: str
    title: str
    body: str  # formatted with {status}


EVENT_KINDS: dict[str, EventKind] = {
    "case.status_changed": EventKind("CASE_STATUS_CHANGED", "cases", "办件进度更新", "您的办件有新进展：{status}"),
    "workorder.status_changed": EventKind(
        "WORK_ORDER_UPDATED", "workOrders", "12345工单进度更新", "您的工单有新进展：{status}"
    ),
    "rating.status_changed": EventKind("RATING_UPDATED", "ratings", "好差评处理进度", "您的评价有新进展：{status}"),
    "appointment.status_changed": EventKind(
        "APPOINTMENT_UPDATED", "appointments", "预约状态更新", "您的预约状态：{status}"
    ),
}


async def handle(
    session: AsyncSession,
    event: DepartmentEvent,
    *,
    linker: SubjectLinker,
    bus: EventBus,
    space: PersonalSpaceService,
    cache: Cache,
) -> int:
    """Tell everyone the event concerns; returns how many accounts were told."""
    kind = EVENT_KINDS.get(event.event)
    if kind is None or event.subject_id_hash is None:
        return 0
    if not await first_to_announce(cache, event.system, event.object_id, event.status):
        return 0  # the poller (or a retried webhook) already told them
    links = await linker.accounts_for(session, event.system, event.subject_id_hash)
    for link in links:
        body = kind.body.format(status=event.status)
        session.add(
            Notification(
                account_id=link.account_id,
                kind=kind.update_type.lower(),
                title=kind.title,
                body=body,
                object_ref=f"{event.system}:{event.object_id}",
            )
        )
        account = await session.get(Account, link.account_id)
        if account is not None:
            await space.invalidate_subject(account.subject, kind.section, account_id=account.id)
    await session.commit()
    for link in links:
        await bus.publish(
            f"user:{link.account_id}",
            {
                "type": kind.update_type,
                "objectId": event.object_id,
                "kind": event.system,
                "status": event.status,
                "title": kind.title,
                "body": kind.body.format(status=event.status),
                "at": event.at.isoformat(),
            },
        )
    return len(links)
