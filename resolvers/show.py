"""Scan-to-show resolvers: the holder issues, the clerk verifies."""

from __future__ import annotations

from personal_space import licence_show
from personal_space.errors import DomainError
from personal_space.errors import NotAllowed as NotAllowedError
from resolvers.context import Info
from resolvers.federation import federated
from resolvers.mutations import as_error
from resolvers.permissions import require_caller, require_person
from schema.types.results import NotAllowed
from schema.types.show import (
    IssueShowResult,
    LicenceField,
    LicenceShowToken,
    LicenceShowVerification,
    ShowTokenRejected,
    VerifyShowResult,
)


async def issue_licence_show_token(
    info: Info, licence_id: str, fields: list[LicenceField], purpose: str, ttl_seconds: int = 120
) -> IssueShowResult:
    caller, person = require_person(info)
    service = info.context.services.licence_show
    try:
        async with info.context.db() as session:
            issued = await federated(
                "licences",
                service.issue(
                    session,
                    caller,
                    person,
                    info.context.audit,
                    licence_id=licence_id,
                    fields=[f.value for f in fields],
                    purpose=purpose,
                    ttl_seconds=ttl_seconds,
                ),
            )
    except NotAllowedError:
        return NotAllowed(message="证照不存在或不属于您")
    except DomainError as exc:
        return as_error(exc)  # type: ignore[return-value]
    return LicenceShowToken.of(issued)


async def verify_licence_show_token(info: Info, token: str) -> VerifyShowResult:
    caller = require_caller(info)
    person = info.context.person
    masking = info.context.services.space.masking
    label = f"{masking.name(person.name) if person else '工作人员'}（{caller.subject[-6:]}）"
    service = info.context.services.licence_show
    try:
        async with info.context.db() as session:
            verified = await federated("licences", service.verify(session, caller, label, token, info.context.audit))
    except licence_show.ShowTokenRejected as exc:
        return ShowTokenRejected(code=exc.code, message=exc.reason)
    except NotAllowedError as exc:
        return NotAllowed(message=str(exc))
    return LicenceShowVerification.of(verified)
