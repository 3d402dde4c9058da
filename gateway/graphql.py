"""The GraphQL endpoint: strawberry's router with our context and orjson encoding."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import Request, WebSocket
from strawberry import Schema
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from gateway.auth import AuthenticationError, bearer_token
from gateway.state import AppState
from personal_space.identity import NewAccount
from resolvers.context import ClientMode, Context
from schema.errors import is_unexpected, masked

log = logging.getLogger("citizen.auth")


class CitizenGraphQLRouter(GraphQLRouter[Context, None]):
    def encode_json(self, data: object) -> bytes:  # type: ignore[override]
        return orjson.dumps(data)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            # MaskErrors sees only what execution returns: an exception out of an extension's hook
            # (the unit of work's commit failing, say) passes it by and would reach the client
            # with its text (SQL and all). strawberry has logged it with its traceback already.
            result.errors = [masked(e) if is_unexpected(e) else e for e in result.errors]
        response = await super().process_result(request, result)
        # Every error a client sees carries a code it can act on, not only those we raise.
        for error in response.get("errors") or []:
            if isinstance(error, dict):
                error.setdefault("extensions", {}).setdefault("code", uncoded_error_code(error))
        return response


def uncoded_error_code(error: Mapping[str, Any]) -> str:
    """Our errors carry a code; the rest come from graphql-core before execution (a syntax error,
    a validation rule, a variable that does not fit its type) or are masked bugs (with a path)."""
    message = str(error.get("message", ""))
    if error.get("path"):
        return "INTERNAL_SERVER_ERROR"
    if message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if message.startswith("Variable '$"):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def client_mode_of(value: str | None) -> ClientMode:
    try:
        return ClientMode((value or "standard").strip().lower())
    except ValueError:
        return ClientMode.STANDARD


async def build_context(request: Request = None, websocket: WebSocket = None) -> Context:  # type: ignore[assignment]
    connection = request if request is not None else websocket
    state: AppState = connection.app.state.citizen
    request_id = getattr(connection.state, "request_id", None) or uuid.uuid4().hex
    context = Context(
        services=state.services,
        sessionmaker=state.sessionmaker,
        request_id=request_id,
        client_mode=client_mode_of(connection.headers.get("x-client-mode")),
        revalidate="no-cache" in connection.headers.get("cache-control", "").lower(),
    )
    context.authenticator = functools.partial(authenticate, state)
    await authenticate(state, context, connection.headers.get("authorization"))
    return context


async def authenticate(state: AppState, context: Context, authorization: str | None) -> None:
    """Verify the bearer token and fill the context's caller; a failure leaves a reason instead."""
    try:
        token = bearer_token(authorization)
        if token is None:
            return
        claims = await state.verifier.verify(token)
    except AuthenticationError as exc:
        context.auth_error = str(exc)
        log.info("token rejected", extra={"reason": str(exc)})
        return
    claimed = None
    if claims.id_number and claims.name:
        claimed = NewAccount(
            subject=claims.subject,
            username=str(claims.raw.get("preferred_username") or claims.subject),
            role=claims.role,
            name=claims.name,
            id_number=claims.id_number,
            phone=claims.phone,
        )
    resolved = await state.services.identity.sign_in(
        context.db, subject=claims.subject, role=claims.role, claimed=claimed
    )
    if resolved is None:
        context.auth_error = "identity not known to citizen-space"
        return
    context.caller, context.person = resolved
    context.audit.caller = context.caller


def graphql_router(schema: Schema, *, graphiql: bool) -> CitizenGraphQLRouter:
    return CitizenGraphQLRouter(
        schema,
        context_getter=build_context,
        graphql_ide="graphiql" if graphiql else None,
        allow_queries_via_get=False,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
    )
