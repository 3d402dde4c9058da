"""The GraphQL endpoint: strawberry's router with our context and orjson encoding."""

from __future__ import annotations

import functools
import logging
import uuid

import orjson
from fastapi import Request, WebSocket
from strawberry import Schema
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from gateway.auth import AuthenticationError, bearer_token
from gateway.state import AppState
from personal_space.identity import NewAccount
from resolvers.context import ClientMode, Context

log = logging.getLogger("citizen.auth")


class CitizenGraphQLRouter(GraphQLRouter[Context, None]):
    def encode_json(self, data: object) -> bytes:  # type: ignore[override]
        return orjson.dumps(data)


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
    async with context.db() as session:
        resolved = await state.services.identity.resolve(
            session, subject=claims.subject, role=claims.role, claimed=claimed
        )
        # End the read transaction now: a first login's account must outlive a failed operation,
        # and on SQLite a transaction held across department calls blocks the outbox worker.
        await session.commit()
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
