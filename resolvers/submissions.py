"""Mutations that go to departments through the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from personal_space import submissions
from personal_space.errors import DomainError
from personal_space.errors import NotAllowed as NotAllowedError
from personal_space.sections import china_today
from personal_space.writes import Result
from resolvers.context import Info
from resolvers.federation import federated
from resolvers.mutations import as_error, run_write
from resolvers.permissions import require_person
from schema.types.common import Connection
from schema.types.results import NotAllowed
from schema.types.submissions import (
    DataErrorTarget,
    RatingLevel,
    RatingTarget,
    Submission,
    SubmissionAccepted,
    SubmissionResult,
    WorkOrderKind,
)

Enqueue = Callable[[AsyncSession, str, dict[str, Any], str], Any]


async def _submit(
    info: Info, operation: str, key: str, build: Callable[[], dict[str, Any]], enqueue: Enqueue
) -> SubmissionResult:
    try:
        payload = build()
    except DomainError as exc:
        return as_error(exc)  # type: ignore[return-value]

    async def perform(session: AsyncSession, account_id: str) -> Result:
        result: Result = await enqueue(session, account_id, payload, key)
        return result

    result = await run_write(info, operation=operation, key=key, payload=payload, perform=perform)
    if not isinstance(result, dict):
        return result  # type: ignore[return-value]
    # Deliver as soon as the request's transaction has committed, not at the next poll.
    info.context.after_commit.append(info.context.services.outbox.wake)
    return SubmissionAccepted(submission=Submission.from_result(result))


async def submit_work_order(
    info: Info,
    kind: WorkOrderKind,
    title: str,
    content: str,
    idempotency_key: str,
    category: str | None = None,
    location: str | None = None,
    contact_phone: str | None = None,
    related_case_id: str | None = None,
) -> SubmissionResult:
    return await _submit(
        info,
        "submitWorkOrder",
        idempotency_key,
        lambda: submissions.work_order_payload(
            kind=kind.value,
            title=title,
            content=content,
            category=category,
            location=location,
            contact_phone=contact_phone,
            related_case_id=related_case_id,
        ),
        submissions.submit_work_order,
    )


async def rate_service(
    info: Info,
    target_type: RatingTarget,
    item_code: str,
    level: RatingLevel,
    idempotency_key: str,
    case_id: str | None = None,
    service_id: str | None = None,
    comment: str | None = None,
    reasons: list[str] | None = None,
) -> SubmissionResult:
    return await _submit(
        info,
        "rateService",
        idempotency_key,
        lambda: submissions.rating_payload(
            target_type=target_type.value,
            case_id=case_id,
            service_id=service_id,
            item_code=item_code,
            level=level.value,
            comment=comment,
            reasons=reasons or [],
        ),
        submissions.rate_service,
    )


async def book_appointment(
    info: Info, hall_id: str, item_code: str, date: dt.date, start: str, idempotency_key: str
) -> SubmissionResult:
    return await _submit(
        info,
        "bookAppointment",
        idempotency_key,
        lambda: submissions.booking_payload(
            hall_id=hall_id,
            item_code=item_code,
            day=date,
            start=start,
            today=china_today(),
        ),
        submissions.book_appointment,
    )


async def cancel_appointment(info: Info, appointment_id: str, idempotency_key: str) -> SubmissionResult:
    async def enqueue(session: AsyncSession, account_id: str, payload: dict[str, Any], key: str) -> Result:
        return await submissions.cancel_appointment(session, account_id, payload["appointment_id"], key)

    return await _submit(
        info, "cancelAppointment", idempotency_key, lambda: {"appointment_id": appointment_id.strip()}, enqueue
    )


async def report_data_error(
    info: Info, target: DataErrorTarget, target_id: str, field: str, description: str, idempotency_key: str
) -> SubmissionResult:
    """A licence's owner is its issuer; reporting needs the licence to be the caller's own."""
    caller, person = require_person(info)
    owner: str | None = None
    if target is DataErrorTarget.LICENCE:
        try:
            # The licence store down is a coded, retryable error, like a section of the space.
            view, _ = await federated(
                "licences",
                info.context.services.space.licence_by_id(caller, person, target_id.strip(), info.context.audit),
            )
        except NotAllowedError:
            return NotAllowed(message="证照不存在或不属于您")
        except DomainError as exc:
            return as_error(exc)  # type: ignore[return-value]
        owner = view.issuer
    else:
        owner = info.context.services.space.connectors.records.base.config.department
    return await _submit(
        info,
        "reportDataError",
        idempotency_key,
        lambda: submissions.data_error_payload(
            target=target.value,
            target_id=target_id,
            field=field,
            description=description,
            owning_department=owner,
        ),
        submissions.report_data_error,
    )


async def my_submissions(info: Info, first: int | None = 20, after: str | None = None) -> Connection[Submission]:
    _, person = require_person(info)
    rows = await info.context.submissions_of(person.account_id)
    return Connection.page_of(rows, first, after, lambda r: Submission.of(r))
