"""Department-bound writes of a person: validated here, stored with an outbox row, PENDING.

The payload keeps only what the department needs beyond the person's identity; the identity
is read from the account at delivery time, so no ID number sits in the outbox in clear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from personal_space import outbox
from personal_space.models import Submission
from personal_space.owned import InvalidInput, check_item_code

WORK_ORDER_KINDS = ("咨询", "求助", "投诉", "举报", "建议")
WORK_ORDER_CATEGORIES = (
    "城乡建设", "市场监管", "交通出行", "社会保障", "医疗卫生", "教育",
    "水电气", "生态环境", "公共安全", "政务服务", "其他",
)  # fmt: skip
RATING_LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
BAD_LEVELS = ("不满意", "非常不满意")
BAD_REASONS = (
    "办事效率低",
    "服务态度差",
    "办事指南不清晰",
    "材料要求繁琐",
    "多次跑动",
    "超时办理",
    "系统操作不便",
    "其他",
)
CASE_ID = re.compile(r"^\d{20}$")
PHONE = re.compile(r"^1\d{10}$")
HALL_ID = re.compile(r"^H\d{6}$")
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True, slots=True)
class SubmissionView:
    id: str
    kind: str
    system: str
    status: str
    remote_id: str | None
    remote_status: str | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, s: Submission) -> SubmissionView:
        return cls(
            s.id,
            s.kind,
            s.system,
            s.status,
            s.remote_id,
            s.remote_status,
            s.last_error,
            s.created_at,
            s.updated_at or s.created_at,
        )

    def to_result(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "system": self.system,
            "status": self.status,
            "createdAt": self.created_at.isoformat(),
        }


def _text(field: str, value: str | None, low: int, high: int) -> str:
    value = (value or "").strip()
    if not low <= len(value) <= high:
        raise InvalidInput(field, f"{field} must be {low}–{high} characters")
    return value


async def _enqueue(
    session: AsyncSession, account_id: str, kind: str, system: str, operation: str, payload: dict[str, Any], key: str
) -> dict[str, Any]:
    # The account id (not the person's identity) tells the deliverer on whose behalf to act.
    submission = await outbox.enqueue(
        session,
        account_id=account_id,
        kind=kind,
        system=system,
        operation=operation,
        payload={**payload, "account_id": account_id},
        idempotency_key=key,
    )
    return SubmissionView.of(submission).to_result()


def work_order_payload(
    *,
    kind: str,
    title: str,
    content: str,
    category: str | None,
    location: str | None,
    contact_phone: str | None,
    related_case_id: str | None,
) -> dict[str, Any]:
    if kind not in WORK_ORDER_KINDS:
        raise InvalidInput("kind", f"kind must be one of {'、'.join(WORK_ORDER_KINDS)}")
    if category is not None and category not in WORK_ORDER_CATEGORIES:
        raise InvalidInput("category", f"category must be one of {'、'.join(WORK_ORDER_CATEGORIES)}")
    if contact_phone is not None and not PHONE.match(contact_phone):
        raise InvalidInput("contactPhone", "contactPhone must be an 11-digit mobile number")
    if related_case_id is not None and not CASE_ID.match(related_case_id):
        raise InvalidInput("relatedCaseId", "relatedCaseId must be a 20-digit case number")
    return {
        "kind": kind,
        "title": _text("title", title, 2, 60),
        "content": _text("content", content, 5, 2000),
        "category": category or "其他",
        "location": (location or "").strip()[:200] or None,
        "contact_phone": contact_phone,
        "related_case_id": related_case_id,
    }


async def submit_work_order(
    session: AsyncSession, account_id: str, payload: dict[str, Any], key: str
) -> dict[str, Any]:
    return await _enqueue(session, account_id, "work_order", "workorders", "workorders.create", payload, key)


def rating_payload(
    *,
    target_type: str,
    case_id: str | None,
    service_id: str | None,
    item_code: str,
    level: str,
    comment: str | None,
    reasons: list[str],
) -> dict[str, Any]:
    if target_type not in ("case", "service"):
        raise InvalidInput("targetType", "targetType must be CASE or SERVICE")
    if target_type == "case" and (case_id is None or not CASE_ID.match(case_id)):
        raise InvalidInput("caseId", "a case rating needs the 20-digit caseId")
    if target_type == "service" and not service_id:
        raise InvalidInput("serviceId", "a service rating needs serviceId")
    if level not in RATING_LEVELS:
        raise InvalidInput("level", f"level must be one of {'、'.join(RATING_LEVELS)}")
    unknown = [r for r in reasons if r not in BAD_REASONS]
    if unknown or len(reasons) > 5:
        raise InvalidInput("reasons", f"reasons must be up to 5 of {'、'.join(BAD_REASONS)}")
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > 500:
        raise InvalidInput("comment", "comment must be at most 500 characters")
    if level in BAD_LEVELS and not reasons:
        # 差评 opens a rectification: the department must know what to put right.
        raise InvalidInput("reasons", "差评需要选择至少一个原因")
    return {
        "target_type": target_type,
        "case_id": case_id,
        "service_id": service_id,
        "item_code": check_item_code(item_code),
        "level": level,
        "comment": comment,
        "reasons": reasons,
    }


async def rate_service(session: AsyncSession, account_id: str, payload: dict[str, Any], key: str) -> dict[str, Any]:
    return await _enqueue(session, account_id, "rating", "ratings", "ratings.create", payload, key)


def booking_payload(*, hall_id: str, item_code: str, day: date, start: str, today: date) -> dict[str, Any]:
    if not HALL_ID.match(hall_id):
        raise InvalidInput("hallId", "hallId looks like H530102")
    if not CLOCK.match(start):
        raise InvalidInput("start", "start is a clock time like 09:30")
    if day < today:
        raise InvalidInput("date", "an appointment cannot be in the past")
    return {"hall_id": hall_id, "item_code": check_item_code(item_code), "date": day.isoformat(), "start": start}


async def book_appointment(session: AsyncSession, account_id: str, payload: dict[str, Any], key: str) -> dict[str, Any]:
    return await _enqueue(session, account_id, "appointment", "appointments", "appointments.book", payload, key)


async def cancel_appointment(session: AsyncSession, account_id: str, appointment_id: str, key: str) -> dict[str, Any]:
    appointment_id = _text("appointmentId", appointment_id, 4, 64)
    return await _enqueue(
        session,
        account_id,
        "appointment_cancel",
        "appointments",
        "appointments.cancel",
        {"appointment_id": appointment_id},
        key,
    )


def data_error_payload(
    *, target: str, target_id: str, field: str, description: str, owning_department: str | None
) -> dict[str, Any]:
    if target not in ("licence", "record"):
        raise InvalidInput("target", "target must be LICENCE or RECORD")
    return {
        "target": target,
        "target_id": _text("targetId", target_id, 3, 128),
        "field": _text("field", field, 1, 40),
        "description": _text("description", description, 5, 1000),
        "owning_department": owning_department,
    }


async def report_data_error(
    session: AsyncSession, account_id: str, payload: dict[str, Any], key: str
) -> dict[str, Any]:
    return await _enqueue(session, account_id, "data_error_report", "workorders", "data_errors.report", payload, key)


async def of_account(session: AsyncSession, account_id: str) -> tuple[SubmissionView, ...]:
    from personal_space import repository

    return tuple(SubmissionView.of(s) for s in await repository.submissions_of(session, account_id))
