"""Resolvers of the enterprise space and of staff authorisations: read the arguments and the
context, call the service, map to types. Refusals are GraphQL errors with `extensions.code`."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable
from datetime import date
from typing import TypeVar

from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession

from personal_space.enterprise import EnterpriseAccess, EnterpriseService
from personal_space.enterprise_grants import (
    AuthorisationRequestView,
    GrantInput,
    RevokeInput,
    StaffAuthorisations,
    validated,
)
from personal_space.errors import DomainError, NotAllowed
from personal_space.owned import InvalidInput
from personal_space.writes import Result
from resolvers.context import Info
from resolvers.federation import federated
from resolvers.mutations import as_error, run_write
from resolvers.permissions import require_person
from schema.types.common import Connection
from schema.types.enterprise import (
    CompanyRegistration,
    EnterpriseBill,
    EnterpriseBillSummary,
    EnterpriseCase,
    EnterpriseRating,
    EnterpriseScope,
    GrantStaffAuthorisationResult,
    RevokeStaffAuthorisationResult,
    StaffAuthorisation,
    StaffAuthorisationRequest,
)
from schema.types.space import Licence

ResultT = TypeVar("ResultT")


def _enterprise(info: Info) -> EnterpriseService:
    service = info.context.services.enterprise
    if service is None:
        raise RuntimeError("the enterprise service is not configured")
    return service


def _staff(info: Info) -> StaffAuthorisations:
    service = info.context.services.staff_authorisations
    if service is None:
        raise RuntimeError("the staff authorisation service is not configured")
    return service


def not_allowed(exc: NotAllowed, section: str | None = None) -> GraphQLError:
    extensions = {"code": "NOT_ALLOWED"} if section is None else {"code": "NOT_ALLOWED", "section": section}
    return GraphQLError(str(exc), extensions=extensions)


def not_found() -> GraphQLError:
    # Word for word what node() says of a missing object: someone else's must look the same.
    return GraphQLError("对象不存在或无权访问", extensions={"code": "NOT_FOUND"})


async def _section(name: str, work: Awaitable[ResultT]) -> ResultT:
    """One section of the space: a department failure or a missing scope nulls it alone."""
    try:
        return await federated(name, work)
    except NotAllowed as exc:
        raise not_allowed(exc, name) from None


# -- the space ----------------------------------------------------------------------------------


async def open_space(info: Info, uscc: str) -> EnterpriseAccess:
    caller, person = require_person(info)
    service = _enterprise(info)
    try:
        return await federated("enterprise", service.open(caller, person, uscc, info.context.audit, info.context.db))
    except InvalidInput as exc:
        raise GraphQLError(exc.message, extensions={"code": "BAD_USER_INPUT", "field": exc.field}) from None
    except NotAllowed as exc:
        raise not_allowed(exc) from None


async def company(info: Info, access: EnterpriseAccess) -> CompanyRegistration:
    registration, source = _enterprise(info).company(access, info.context.audit)
    return CompanyRegistration.of(registration, source)


async def licences(info: Info, access: EnterpriseAccess, first: int | None, after: str | None) -> Connection[Licence]:
    section = await _section("licences", _enterprise(info).licences(access, info.context.audit))
    return Connection.page_of(section.items, first, after, lambda v: Licence.of(v, section.source))


async def cases(
    info: Info, access: EnterpriseAccess, first: int | None, after: str | None
) -> Connection[EnterpriseCase]:
    section = await _section("cases", _enterprise(info).cases(access, info.context.audit))
    return Connection.page_of(section.items, first, after, lambda c: EnterpriseCase.of(c, section.source))


async def ratings(
    info: Info, access: EnterpriseAccess, first: int | None, after: str | None
) -> Connection[EnterpriseRating]:
    section = await _section("ratings", _enterprise(info).ratings(access, info.context.audit))
    return Connection.page_of(section.items, first, after, lambda r: EnterpriseRating.of(r, section.source))


async def bills(
    info: Info, access: EnterpriseAccess, first: int | None, after: str | None
) -> Connection[EnterpriseBill]:
    section = await _section("bills", _enterprise(info).bills(access, info.context.audit))
    return Connection.page_of(section.items, first, after, lambda b: EnterpriseBill.of(access.uscc, b, section.source))


async def bill_summary(info: Info, access: EnterpriseAccess) -> EnterpriseBillSummary:
    section = await _section("billSummary", _enterprise(info).bill_summary(access, info.context.audit))
    return EnterpriseBillSummary.of(section.items[0], section.source)


async def staff_authorisations(
    info: Info, access: EnterpriseAccess, first: int | None, after: str | None
) -> Connection[StaffAuthorisation]:
    service = _enterprise(info)
    try:
        section = service.staff_authorisations(access, info.context.audit)
    except NotAllowed as exc:
        raise not_allowed(exc, "staffAuthorisations") from None
    return Connection.page_of(section.items, first, after, lambda g: StaffAuthorisation.of(g, section.source))


async def authorisation_requests(
    info: Info, access: EnterpriseAccess, first: int | None, after: str | None
) -> Connection[StaffAuthorisationRequest]:
    try:
        async with info.context.db() as session:
            views = await _staff(info).requests_of(session, access)
    except NotAllowed as exc:
        raise not_allowed(exc, "authorisationRequests") from None
    return Connection.page_of(views, first, after, lambda v: StaffAuthorisationRequest.of(v))


# -- single objects, for node(id) and _entities --------------------------------------------------


async def _node(work: Awaitable[ResultT]) -> ResultT:
    try:
        return await work
    except (NotAllowed, InvalidInput):
        raise not_found() from None


def _split(local_id: str) -> tuple[str, str]:
    uscc, _, rest = local_id.partition(":")
    if not rest:
        raise not_found()
    return uscc, rest


async def company_node(info: Info, uscc: str) -> CompanyRegistration:
    caller, person = require_person(info)
    service = _enterprise(info)
    access = await _node(federated("company", service.open(caller, person, uscc, info.context.audit, info.context.db)))
    return await company(info, access)


async def case_node(info: Info, case_id: str) -> EnterpriseCase:
    caller, person = require_person(info)
    work = _enterprise(info).case_by_id(caller, person, case_id, info.context.audit, info.context.db)
    case, source = await _node(federated("cases", work))
    return EnterpriseCase.of(case, source)


async def rating_node(info: Info, rating_id: str) -> EnterpriseRating:
    caller, person = require_person(info)
    work = _enterprise(info).rating_by_id(caller, person, rating_id, info.context.audit, info.context.db)
    rating, source = await _node(federated("ratings", work))
    return EnterpriseRating.of(rating, source)


async def bill_node(info: Info, local_id: str) -> EnterpriseBill:
    caller, person = require_person(info)
    uscc, bill_id = _split(local_id)
    work = _enterprise(info).bill_by_id(caller, person, uscc, bill_id, info.context.audit, info.context.db)
    bill, source = await _node(federated("bills", work))
    return EnterpriseBill.of(uscc.upper(), bill, source)


async def authorisation_node(info: Info, local_id: str) -> StaffAuthorisation:
    caller, person = require_person(info)
    uscc, grant_id = _split(local_id)
    work = _enterprise(info).authorisation_by_id(caller, person, uscc, grant_id, info.context.audit, info.context.db)
    grant, source = await _node(federated("staffAuthorisations", work))
    return StaffAuthorisation.of(grant, source)


# -- the legal representative's writes ------------------------------------------------------------


async def grant_staff_authorisation(
    info: Info,
    uscc: str,
    scopes: list[EnterpriseScope],
    expires_on: date,
    idempotency_key: str,
    staff_id_number: str | None = None,
    staff_username: str | None = None,
    staff_name: str | None = None,
) -> GrantStaffAuthorisationResult:
    caller, person = require_person(info)
    staff = _staff(info)
    try:
        request = validated(
            GrantInput,
            uscc=uscc,
            staff_id_number=staff_id_number,
            staff_username=staff_username,
            staff_name=staff_name,
            scopes=[s.value for s in scopes],
            expires_on=expires_on,
        )
    except DomainError as exc:
        return as_error(exc)

    async def perform(session: AsyncSession, _account_id: str) -> Result:
        return await staff.request_grant(session, caller, person, request, idempotency_key)

    result = await run_write(
        info,
        operation="grantStaffAuthorisation",
        key=idempotency_key,
        payload=staff.fingerprint(request),
        perform=perform,
    )
    if isinstance(result, dict):
        return StaffAuthorisationRequest.of(AuthorisationRequestView.from_result(result))
    return result


async def revoke_staff_authorisation(
    info: Info, uscc: str, authorisation_id: str, idempotency_key: str
) -> RevokeStaffAuthorisationResult:
    caller, person = require_person(info)
    staff = _staff(info)
    try:
        request = validated(RevokeInput, uscc=uscc, authorisation_id=_grant_id(authorisation_id, uscc))
    except DomainError as exc:
        return as_error(exc)

    async def perform(session: AsyncSession, _account_id: str) -> Result:
        return await staff.request_revoke(session, caller, person, request, idempotency_key)

    result = await run_write(
        info,
        operation="revokeStaffAuthorisation",
        key=idempotency_key,
        payload=request.model_dump(mode="json"),
        perform=perform,
    )
    if isinstance(result, dict):
        return StaffAuthorisationRequest.of(AuthorisationRequestView.from_result(result))
    return result


def _grant_id(authorisation_id: str, uscc: str) -> str:
    """The registry's grant number, given as such or as a StaffAuthorisation's global id."""
    try:
        decoded = base64.urlsafe_b64decode(authorisation_id.encode()).decode()
    except (binascii.Error, ValueError, UnicodeError):
        return authorisation_id
    type_name, _, local_id = decoded.partition(":")
    if type_name != "StaffAuthorisation":
        return authorisation_id
    owner, _, grant_id = local_id.partition(":")
    if owner.upper() != uscc.strip().upper():
        raise InvalidInput("authorisationId", "该授权不属于此企业")
    return grant_id
