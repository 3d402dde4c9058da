"""Operator resolvers for the audit log."""

from __future__ import annotations

from datetime import datetime

from graphql import GraphQLError

from personal_space import audit_export
from personal_space.errors import NotAllowed
from personal_space.owned import InvalidInput
from resolvers.context import Info
from resolvers.permissions import require_caller
from schema.types.audit import AuditChainReport, AuditLogEntry


def _refuse(exc: Exception) -> GraphQLError:
    if isinstance(exc, InvalidInput):
        return GraphQLError(exc.message, extensions={"code": "BAD_USER_INPUT", "field": exc.field})
    return GraphQLError(str(exc), extensions={"code": "NOT_ALLOWED"})


async def audit_log(
    info: Info, since: datetime, until: datetime, data_subject_id: str | None = None
) -> list[AuditLogEntry]:
    caller = require_caller(info)
    try:
        async with info.context.db() as session:
            records = await audit_export.export(session, caller, since, until, data_subject_id)
    except (NotAllowed, InvalidInput) as exc:
        raise _refuse(exc) from None
    return [AuditLogEntry.of(r) for r in records]


async def audit_chain(info: Info) -> AuditChainReport:
    caller = require_caller(info)
    try:
        async with info.context.db() as session:
            return AuditChainReport.of(await audit_export.verify_chain(session, caller))
    except NotAllowed as exc:
        raise _refuse(exc) from None
