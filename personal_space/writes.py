"""The shape every write takes: validate, replay a known idempotency key, or perform once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from personal_space import idempotency
from personal_space.repository import hold_write_lock_on_sqlite

Result = dict[str, Any]


async def idempotent(
    session: AsyncSession,
    *,
    account_id: str,
    key: str,
    operation: str,
    payload: dict[str, Any],
    perform: Callable[[], Awaitable[Result]],
) -> Result:
    """Run `perform` at most once per (account, key). Its result must be JSON-serialisable: it is
    stored and handed back verbatim to every resubmission with the same key and input."""
    # The replay check and the write form one transaction holding the write lock from the start.
    await hold_write_lock_on_sqlite(session)
    stored = await idempotency.replay(session, account_id, key, operation, payload)
    if stored is not None:
        return stored
    savepoint = await session.begin_nested()
    try:
        result = await perform()
        await idempotency.remember(session, account_id, key, operation, payload, result)
    except IntegrityError:
        # A concurrent twin with the same key committed first: undo ours and answer with theirs.
        await savepoint.rollback()
        stored = await idempotency.replay(session, account_id, key, operation, payload)
        if stored is None:
            raise
        return stored
    await savepoint.commit()
    return result
