"""Idempotency keys: same key and same input → the first result; same key, other input → conflict."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from personal_space.errors import DomainError
from personal_space.models import IdempotencyRecord

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")


class InvalidIdempotencyKey(DomainError):
    code = "BAD_IDEMPOTENCY_KEY"


class IdempotencyConflict(DomainError):
    code = "IDEMPOTENCY_CONFLICT"

    def __init__(self, key: str, operation: str) -> None:
        super().__init__(f"idempotency key {key!r} was already used for a different {operation} request")
        self.key = key
        self.operation = operation


def request_hash(operation: str, payload: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps([operation, payload], option=orjson.OPT_SORT_KEYS)).hexdigest()


def check_key(key: str) -> None:
    if not KEY_PATTERN.match(key):
        raise InvalidIdempotencyKey("idempotencyKey must be 8–128 characters of A–Z a–z 0–9 _ . : -")


async def replay(
    session: AsyncSession, account_id: str, key: str, operation: str, payload: dict[str, Any]
) -> dict[str, Any] | None:
    """The stored result for this key, None when the key is new; raises on a conflicting reuse."""
    check_key(key)
    record = await session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.account_id == account_id, IdempotencyRecord.key == key)
    )
    if record is None:
        return None
    if record.operation != operation or record.request_hash != request_hash(operation, payload):
        raise IdempotencyConflict(key, operation)
    return record.result


async def remember(
    session: AsyncSession, account_id: str, key: str, operation: str, payload: dict[str, Any], result: dict[str, Any]
) -> None:
    session.add(
        IdempotencyRecord(
            account_id=account_id,
            key=key,
            operation=operation,
            request_hash=request_hash(operation, payload),
            result=result,
        )
    )
    # Flush now: a concurrent twin hits the unique index here, inside its own transaction.
    await session.flush()
