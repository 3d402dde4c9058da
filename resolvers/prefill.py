"""Resolvers of form prefill: read the arguments, call the prefill service, map to types."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from personal_space.errors import DomainError
from personal_space.owned import InvalidInput
from personal_space.prefill import DraftUnusable, PrefillService, PrefillUnavailable, UnknownItem
from personal_space.writes import idempotent
from resolvers.context import Info
from resolvers.federation import federated
from resolvers.mutations import as_error
from resolvers.permissions import require_person
from schema.types.prefill import (
    ApplicationStarted,
    PrefillFieldEdit,
    PrefillForm,
    PrefillResult,
    StartApplicationResult,
)
from schema.types.results import ValidationError

MAX_EDITS = 30


def _service(info: Info) -> PrefillService:
    service = info.context.services.prefill
    if service is None:
        raise GraphQLError("表单预填暂不可用", extensions={"code": "SERVICE_UNAVAILABLE", "retryable": True})
    return service


def _error(exc: DomainError) -> ValidationError | object:
    if isinstance(exc, PrefillUnavailable | UnknownItem):
        return ValidationError(message=str(exc), field="itemCode", code=exc.code)
    if isinstance(exc, DraftUnusable):
        return ValidationError(message=str(exc), field="draftId", code=exc.code)
    return as_error(exc)


async def prefill(info: Info, item_code: str, uscc: str | None = None) -> PrefillResult | None:
    caller, person = require_person(info)
    service = _service(info)
    try:
        async with info.context.db() as session:
            view = await federated(
                "prefill",
                service.prefill(session, caller, person, info.context.audit, item_code=item_code, uscc=uscc),
            )
    except DomainError as exc:
        return _error(exc)  # type: ignore[return-value]
    return PrefillForm.of(view)


async def start_application(
    info: Info,
    item_code: str,
    draft_id: strawberry.ID,
    idempotency_key: str,
    edits: list[PrefillFieldEdit] | None = None,
) -> StartApplicationResult:
    caller, person = require_person(info)
    service = _service(info)
    changes = {e.key.strip(): e.value.strip() for e in edits or []}
    if len(changes) > MAX_EDITS:
        return as_error(InvalidInput("edits", f"一次最多修改{MAX_EDITS}个字段"))  # type: ignore[return-value]

    payload = {"itemCode": item_code, "draftId": str(draft_id), "edits": changes}
    try:
        async with info.context.db() as session:
            result = await idempotent(
                session,
                account_id=person.account_id,
                key=idempotency_key,
                operation="startApplication",
                payload=payload,
                perform=lambda: service.start_application(
                    session,
                    caller,
                    person,
                    item_code=item_code,
                    draft_id=str(draft_id),
                    edits=changes,
                    idempotency_key=idempotency_key,
                ),
            )
    except DomainError as exc:
        return _error(exc)  # type: ignore[return-value]
    info.context.services.outbox.wake()
    return ApplicationStarted(
        submission_id=strawberry.ID(result["submissionId"]),
        status=result["status"],
        item_code=result["itemCode"],
        item_name=result["itemName"],
        draft_id=strawberry.ID(result["draftId"]),
        exempt_materials=result["exemptMaterials"],
    )
