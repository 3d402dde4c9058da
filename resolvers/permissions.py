"""Who may reach a field. Failures are GraphQL errors with a stable extensions.code."""

from __future__ import annotations

from graphql import GraphQLError

from personal_space.caller import Caller
from personal_space.identity import PersonRecord
from resolvers.context import Info


def unauthenticated(reason: str | None) -> GraphQLError:
    return GraphQLError(
        "请先登录（未提供有效的身份令牌）",
        extensions={"code": "UNAUTHENTICATED", "reason": reason or "missing bearer token"},
    )


def require_caller(info: Info) -> Caller:
    caller = info.context.caller
    if caller is None:
        raise unauthenticated(info.context.auth_error)
    return caller


def require_person(info: Info) -> tuple[Caller, PersonRecord]:
    caller = require_caller(info)
    person = info.context.person
    if person is None:
        raise unauthenticated("no account for this identity")
    return caller, person
