"""Resolvers of the 12345 agent workspace and of the caller's answers to consent requests."""

from __future__ import annotations

import asyncio

import strawberry
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession

from personal_space.agent import (
    AgentService,
    ConsentCodeRejected,
    TicketAccess,
    check_consent_request,
    parse_work_order_request,
)
from personal_space.errors import DomainError
from personal_space.errors import NotAllowed as NotAllowedError
from personal_space.writes import Result
from resolvers.context import Info
from resolvers.federation import federated
from resolvers.mutations import as_error, run_write
from resolvers.permissions import require_caller, require_person
from schema.types.agent import (
    AgentAnswerSuggestions,
    AgentBill,
    AgentCallerProfile,
    AgentCase,
    AgentConsentDecisionResult,
    AgentConsentMethod,
    AgentConsentRequest,
    AgentLicence,
    AgentSection,
    AgentSuggestedAnswer,
    AgentWorkOrder,
    AgentWorkOrderInput,
    ConfirmAgentConsentCodeResult,
    CreateWorkOrderForCallerResult,
    RequestAgentConsentResult,
    SimilarWorkOrder,
    WorkOrderFiledForCaller,
)
from schema.types.agent import ConsentCodeRejected as CodeRejectedType
from schema.types.common import Connection, bad_input
from schema.types.results import NotAllowed, ValidationError
from search.engine import Filters
from search.ranking import DocKind
from search.service import SearchInputError


def _service(info: Info) -> AgentService:
    service = info.context.services.agent
    if service is None:
        raise GraphQLError("坐席工作台暂不可用", extensions={"code": "SERVICE_UNAVAILABLE", "retryable": True})
    return service


def _refused(section: str, exc: NotAllowedError) -> GraphQLError:
    # Nothing of the section is returned: the field is null and errors[] says why.
    return GraphQLError(str(exc), extensions={"code": "NOT_ALLOWED", "section": section})


def agent_denial(info: Info) -> NotAllowed | None:
    caller = require_caller(info)
    if caller.role != "agent":
        return NotAllowed(message="仅12345坐席可以使用坐席工作台")
    return None


# -- the workspace -------------------------------------------------------------------------------


async def open_ticket(info: Info, ticket_id: str) -> TicketAccess | NotAllowed | ValidationError:
    caller = require_caller(info)
    service = _service(info)
    try:
        async with info.context.db() as session:
            return await federated("ticket", service.open_ticket(session, caller, info.context.audit, ticket_id))
    except DomainError as exc:
        return as_error(exc)  # type: ignore[return-value]


async def caller_profile(info: Info, access: TicketAccess) -> AgentCallerProfile:
    try:
        async with info.context.db() as session:
            view = await _service(info).profile(session, access, info.context.audit)
    except NotAllowedError as exc:
        raise _refused("profile", exc) from None
    return AgentCallerProfile.of(view)


async def caller_cases(
    info: Info, access: TicketAccess, first: int | None = 20, after: str | None = None
) -> Connection[AgentCase]:
    caller = require_caller(info)
    try:
        section = await federated("cases", _service(info).cases(caller, access, info.context.audit))
    except NotAllowedError as exc:
        raise _refused("cases", exc) from None
    return Connection.page_of(section.items, first, after, lambda v: AgentCase.of(v, section.source))


async def caller_work_orders(
    info: Info, access: TicketAccess, first: int | None = 20, after: str | None = None
) -> Connection[AgentWorkOrder]:
    caller = require_caller(info)
    try:
        section = await federated("workOrders", _service(info).work_orders(caller, access, info.context.audit))
    except NotAllowedError as exc:
        raise _refused("workOrders", exc) from None
    return Connection.page_of(section.items, first, after, lambda v: AgentWorkOrder.of(v, section.source))


async def caller_licences(
    info: Info, access: TicketAccess, first: int | None = 20, after: str | None = None
) -> Connection[AgentLicence]:
    caller = require_caller(info)
    try:
        section = await federated("licences", _service(info).licences(caller, access, info.context.audit))
    except NotAllowedError as exc:
        raise _refused("licences", exc) from None
    return Connection.page_of(section.items, first, after, lambda v: AgentLicence.of(v, section.source))


async def caller_bills(
    info: Info, access: TicketAccess, first: int | None = 20, after: str | None = None
) -> Connection[AgentBill]:
    caller = require_caller(info)
    try:
        section = await federated("bills", _service(info).bills(caller, access, info.context.audit))
    except NotAllowedError as exc:
        raise _refused("bills", exc) from None
    return Connection.page_of(section.items, first, after, lambda v: AgentBill.of(v, section.source))


async def consent_request(info: Info, id: str) -> AgentConsentRequest | None:
    caller = require_caller(info)
    try:
        async with info.context.db() as session:
            return AgentConsentRequest.of(await _service(info).consent_for_agent(session, caller, id))
    except NotAllowedError:
        return None


async def suggest_answers(info: Info, text: str, first: int = 5) -> AgentAnswerSuggestions:
    """The FAQ answer search is sure of first, then the other close FAQ entries."""
    if not 1 <= first <= 10:
        raise bad_input("first must be between 1 and 10")
    search = info.context.services.search
    if search is None:
        raise GraphQLError("搜索服务暂不可用", extensions={"code": "SEARCH_UNAVAILABLE", "retryable": True})
    try:
        answer, page = await asyncio.gather(
            search.ask(text), search.search(text, Filters(kinds=(DocKind.FAQ,)), size=first)
        )
    except SearchInputError as exc:
        raise bad_input(str(exc)) from None
    ranked = ([answer.faq] if answer.faq else []) + list(answer.alternatives) + [h.faq for h in page.hits if h.faq]
    seen: set[str] = set()
    suggestions = []
    for faq in ranked:
        if faq.id in seen:
            continue
        seen.add(faq.id)
        suggestions.append(
            AgentSuggestedAnswer(
                faq_id=faq.id, question=faq.question, answer=faq.answer, item_codes=list(faq.item_codes)
            )
        )
    return AgentAnswerSuggestions(
        confident=answer.answered,
        confidence=answer.confidence,
        handoff_reason=answer.handoff.reason if answer.handoff else None,
        suggestions=suggestions[:first],
    )


async def similar_work_orders(
    info: Info, text: str, ticket_id: str | None = None, first: int = 5
) -> list[SimilarWorkOrder]:
    caller = require_caller(info)
    service = _service(info)
    try:
        async with info.context.db() as session:
            access = (
                await federated("ticket", service.open_ticket(session, caller, info.context.audit, ticket_id))
                if ticket_id
                else None
            )
            views = await federated(
                "workOrders",
                service.similar_work_orders(session, caller, info.context.audit, text=text, access=access, limit=first),
            )
    except NotAllowedError as exc:
        raise _refused("workOrders", exc) from None
    except DomainError as exc:
        raise bad_input(str(exc)) from None
    return [SimilarWorkOrder.of(v) for v in views]


# -- the caller's side ---------------------------------------------------------------------------


async def my_consent_requests(
    info: Info, first: int | None = 20, after: str | None = None
) -> Connection[AgentConsentRequest]:
    _, person = require_person(info)
    async with info.context.db() as session:
        views = await _service(info).requests_of(session, person.account_id)
    return Connection.page_of(views, first, after, lambda v: AgentConsentRequest.of(v))


async def _decide(info: Info, id: str, action: str) -> AgentConsentDecisionResult:
    _, person = require_person(info)
    service = _service(info)
    try:
        async with info.context.db() as session:
            if action == "revoke":
                view = await service.revoke(session, person.account_id, id)
            else:
                view = await service.decide(session, person.account_id, id, approve=action == "approve")
    except NotAllowedError as exc:
        return NotAllowed(message=str(exc))
    return AgentConsentRequest.of(view)


async def approve_agent_consent(info: Info, id: strawberry.ID) -> AgentConsentDecisionResult:
    return await _decide(info, str(id), "approve")


async def deny_agent_consent(info: Info, id: strawberry.ID) -> AgentConsentDecisionResult:
    return await _decide(info, str(id), "deny")


async def revoke_agent_consent(info: Info, id: strawberry.ID) -> AgentConsentDecisionResult:
    return await _decide(info, str(id), "revoke")


# -- the agent's writes --------------------------------------------------------------------------


async def request_agent_consent(
    info: Info,
    ticket_id: str,
    sections: list[AgentSection],
    idempotency_key: str,
    method: AgentConsentMethod = AgentConsentMethod.APP,
    grant_minutes: int = 30,
) -> RequestAgentConsentResult:
    caller = require_caller(info)
    service = _service(info)
    chosen = [s.value for s in sections]
    payload = {"ticketId": ticket_id, "sections": sorted(chosen), "method": method.value, "grantMinutes": grant_minutes}
    try:
        check_consent_request(caller, chosen, method.value, grant_minutes)
        # The hotline is asked before the write's transaction begins: no lock is held meanwhile.
        async with info.context.db() as session:
            target = await federated(
                "ticket", service.consent_target(session, caller, info.context.request_id, ticket_id)
            )
    except DomainError as exc:
        return as_error(exc)  # type: ignore[return-value]

    async def perform(session: AsyncSession, _account_id: str) -> Result:
        view = await service.request_consent(
            session, caller, target, sections=chosen, method=method.value, grant_minutes=grant_minutes
        )
        return {"requestId": view.id}

    result = await run_write(
        info, operation="requestAgentConsent", key=idempotency_key, payload=payload, perform=perform
    )
    if not isinstance(result, dict):
        return result  # type: ignore[return-value]
    async with info.context.db() as session:
        return AgentConsentRequest.of(await service.consent_for_agent(session, caller, result["requestId"]))


async def confirm_agent_consent_code(info: Info, id: strawberry.ID, code: str) -> ConfirmAgentConsentCodeResult:
    caller = require_caller(info)
    try:
        async with info.context.db() as session:
            view = await _service(info).confirm_code(session, caller, str(id), code)
    except ConsentCodeRejected as exc:
        return CodeRejectedType(code=exc.reason, message=exc.message, attempts_left=exc.attempts_left)
    except DomainError as exc:
        return as_error(exc)  # type: ignore[return-value]
    return AgentConsentRequest.of(view)


async def create_work_order_for_caller(
    info: Info, ticket_id: str, input: AgentWorkOrderInput, idempotency_key: str
) -> CreateWorkOrderForCallerResult:
    caller = require_caller(info)
    service = _service(info)
    data = {
        "kind": input.kind.value,
        "title": input.title.strip(),
        "content": input.content.strip(),
        "category": input.category,
        "location": input.location.strip() if input.location else None,
    }
    try:
        request = parse_work_order_request(data)
        # Both checks and the caller's identity are read before the write's transaction begins.
        async with info.context.db() as session:
            access = await federated("ticket", service.open_ticket(session, caller, info.context.audit, ticket_id))
            party = await service.caller_party(session, access, info.context.audit)
    except DomainError as exc:
        return as_error(exc)  # type: ignore[return-value]

    async def perform(session: AsyncSession, _account_id: str) -> Result:
        submission = await service.file_work_order(session, caller, access, party, request, idempotency_key)
        return {"submissionId": submission.id, "status": submission.status, "ticketId": access.ticket.ticket_id}

    result = await run_write(
        info,
        operation="createWorkOrderForCaller",
        key=idempotency_key,
        payload={"ticketId": ticket_id, **data},
        perform=perform,
    )
    if not isinstance(result, dict):
        return result  # type: ignore[return-value]
    info.context.services.outbox.wake()
    return WorkOrderFiledForCaller(
        submission_id=result["submissionId"], status=result["status"], ticket_id=result["ticketId"]
    )
