"""Mutation resolvers: every write takes an idempotency key and answers with a result union."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from personal_space import owned
from personal_space.errors import DomainError
from personal_space.errors import NotAllowed as NotAllowedError
from personal_space.idempotency import IdempotencyConflict as ConflictError
from personal_space.idempotency import InvalidIdempotencyKey
from personal_space.owned import InvalidInput, PreferenceView
from personal_space.writes import Result, idempotent
from resolvers.context import Info
from resolvers.permissions import require_person
from schema.types.owned import ClientModeEnum, NotificationDigest, Preferences
from schema.types.results import IdempotencyConflict, NotAllowed, ValidationError

ErrorMember = ValidationError | NotAllowed | IdempotencyConflict


@strawberry.type(description="收藏已变更")
class FavouriteChanged:
    item_code: str
    favourited: bool


@strawberry.type(description="偏好已更新")
class PreferencesUpdated:
    preferences: Preferences


FavouriteResult = Annotated[
    FavouriteChanged | ValidationError | IdempotencyConflict, strawberry.union("FavouriteResult")
]
PreferencesResult = Annotated[
    PreferencesUpdated | ValidationError | IdempotencyConflict, strawberry.union("PreferencesResult")
]


def as_error(exc: DomainError) -> ErrorMember:
    """The one place domain errors become union members."""
    if isinstance(exc, ConflictError):
        return IdempotencyConflict(message="该幂等键已用于内容不同的请求", idempotency_key=exc.key)
    if isinstance(exc, InvalidInput):
        return ValidationError(message=exc.message, field=exc.field)
    if isinstance(exc, InvalidIdempotencyKey):
        return ValidationError(message=str(exc), field="idempotencyKey", code=exc.code)
    if isinstance(exc, NotAllowedError):
        return NotAllowed(message=str(exc) or "无权进行此操作")
    return ValidationError(message=str(exc), code=exc.code)


async def run_write(
    info: Info,
    *,
    operation: str,
    key: str,
    payload: dict[str, Any],
    perform: Callable[[AsyncSession, str], Awaitable[Result]],
) -> Result | ErrorMember:
    """Mutations run one after another, so holding the request's session for the write is safe."""
    _, person = require_person(info)
    try:
        async with info.context.db() as session:
            return await idempotent(
                session,
                account_id=person.account_id,
                key=key,
                operation=operation,
                payload=payload,
                perform=lambda: perform(session, person.account_id),
            )
    except DomainError as exc:
        return as_error(exc)


async def _change_favourite(info: Info, item_code: str, idempotency_key: str, *, add: bool) -> FavouriteResult:
    try:
        code = owned.check_item_code(item_code)
    except DomainError as exc:
        return as_error(exc)  # type: ignore[return-value]

    async def perform(session: AsyncSession, account_id: str) -> Result:
        if add:
            await owned.add_favourite(session, account_id, code)
        else:
            await owned.remove_favourite(session, account_id, code)
        return {"itemCode": code, "favourited": add}

    result = await run_write(
        info,
        operation="addFavourite" if add else "removeFavourite",
        key=idempotency_key,
        payload={"itemCode": code},
        perform=perform,
    )
    if not isinstance(result, dict):
        return result  # type: ignore[return-value]
    return FavouriteChanged(item_code=result["itemCode"], favourited=result["favourited"])


async def add_favourite(info: Info, item_code: str, idempotency_key: str) -> FavouriteResult:
    return await _change_favourite(info, item_code, idempotency_key, add=True)


async def remove_favourite(info: Info, item_code: str, idempotency_key: str) -> FavouriteResult:
    return await _change_favourite(info, item_code, idempotency_key, add=False)


async def update_preferences(
    info: Info,
    idempotency_key: str,
    client_mode: ClientModeEnum | None = None,
    notification_digest: NotificationDigest | None = None,
) -> PreferencesResult:
    payload = {
        "clientMode": client_mode.value if client_mode else None,
        "notificationDigest": notification_digest.value if notification_digest else None,
    }

    async def perform(session: AsyncSession, account_id: str) -> Result:
        view = await owned.update_preferences(
            session, account_id, client_mode=payload["clientMode"], notification_digest=payload["notificationDigest"]
        )
        return {
            "clientMode": view.client_mode,
            "notificationDigest": view.notification_digest,
            "updatedAt": view.updated_at.isoformat() if view.updated_at else None,
        }

    result = await run_write(info, operation="updatePreferences", key=idempotency_key, payload=payload, perform=perform)
    if not isinstance(result, dict):
        return result  # type: ignore[return-value]
    view = PreferenceView(
        result["clientMode"],
        result["notificationDigest"],
        datetime.fromisoformat(result["updatedAt"]) if result["updatedAt"] else None,
    )
    return PreferencesUpdated(preferences=Preferences.of(view))
