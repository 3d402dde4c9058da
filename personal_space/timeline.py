"""One stream of what happened in a person's dealings with government, newest first: cases,
work orders, ratings, appointments and licence shows, joined from their sections."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.errors import DepartmentError
from personal_space.audit import AuditTrail
from personal_space.identity import PersonRecord
from personal_space.models import LicenceShow
from personal_space.person_sections import PersonSections
from personal_space.sections import CHINA


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    kind: str  # CASE | WORK_ORDER | RATING | APPOINTMENT | LICENCE_SHOW
    object_id: str
    title: str
    status: str


@dataclass(frozen=True, slots=True)
class Timeline:
    entries: list[TimelineEntry]
    missing: list[str]  # sections whose department could not be reached


def _aware(moment: datetime) -> datetime:
    """One clock for the whole stream: departments answer in +08:00, our store in UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(CHINA)


@dataclass(frozen=True, slots=True)
class LicenceShowRecord:
    """One scan-to-show token as the holder's stream tells it."""

    id: str
    licence_type: str
    purpose: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None


async def licence_shows_of(session: AsyncSession, account_id: str, limit: int = 50) -> tuple[LicenceShowRecord, ...]:
    shows = await session.scalars(
        select(LicenceShow)
        .where(LicenceShow.account_id == account_id)
        .order_by(LicenceShow.issued_at.desc())
        .limit(limit)
    )
    return tuple(
        LicenceShowRecord(s.id, s.licence_type, s.purpose, s.issued_at, s.expires_at, s.used_at) for s in shows.all()
    )


async def timeline(
    sections: PersonSections,
    shows: Sequence[LicenceShowRecord],
    person: PersonRecord,
    audit: AuditTrail,
) -> Timeline:
    results = await asyncio.gather(
        sections.cases(),
        sections.work_orders(),
        sections.ratings(),
        sections.appointments(),
        return_exceptions=True,
    )
    entries: list[TimelineEntry] = []
    missing: list[str] = []
    cases, orders, ratings, appointments = results
    for name, result in zip(("cases", "workOrders", "ratings", "appointments"), results, strict=True):
        if isinstance(result, DepartmentError):
            missing.append(name)
        elif isinstance(result, BaseException):
            raise result
    if not isinstance(cases, BaseException):
        entries += [
            TimelineEntry(_aware(c.case.updated_at), "CASE", c.case.case_id, c.case.item_name, c.case.status)
            for c in cases.items
        ]
    if not isinstance(orders, BaseException):
        entries += [
            TimelineEntry(_aware(o.updated_at), "WORK_ORDER", o.order_id, f"{o.kind}：{o.title}", o.status)
            for o in orders.items
        ]
    if not isinstance(ratings, BaseException):
        entries += [
            TimelineEntry(_aware(r.rated_at), "RATING", r.rating_id, f"评价「{r.item_name}」", r.level)
            for r in ratings.items
        ]
    if not isinstance(appointments, BaseException):
        entries += [
            TimelineEntry(
                _aware(a.created_at),
                "APPOINTMENT",
                a.appointment_id,
                f"预约「{a.item_name}」{a.date:%m月%d日} {a.start}",
                a.status,
            )
            for a in appointments.items
        ]
    for show in shows:
        status = "已核验" if show.used_at else ("已过期" if _aware(show.expires_at) < datetime.now(UTC) else "待核验")
        entries.append(
            TimelineEntry(
                _aware(show.used_at or show.issued_at),
                "LICENCE_SHOW",
                show.id,
                f"亮证「{show.licence_type}」：{show.purpose}",
                status,
            )
        )
    audit.read(person.account_id, "licenceShows")
    entries.sort(key=lambda e: e.at, reverse=True)
    return Timeline(entries, missing)
