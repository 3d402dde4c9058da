"""Look into the gateway's own database from a test: row counts, and the invariants that say a
write was never left half-done."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from personal_space.idempotency import KEY_PATTERN
from personal_space.owned import CLIENT_MODES, DIGESTS, ITEM_CODE

# The tables a citizen's write touches (not notifications: the outbox worker adds those later).
WRITE_TABLES = (
    "submissions",
    "outbox",
    "idempotency_keys",
    "favourites",
    "preferences",
    "licence_shows",
    "prefill_drafts",
    "agent_consents",
)


async def _rows(database_url: str, statements: dict[str, str]) -> dict[str, list[Any]]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return {name: list((await connection.execute(text(sql))).all()) for name, sql in statements.items()}
    finally:
        await engine.dispose()


def table_counts(database_url: str) -> dict[str, int]:
    rows = asyncio.run(_rows(database_url, {table: f"SELECT count(*) FROM {table}" for table in WRITE_TABLES}))  # noqa: S608
    return {table: int(result[0][0]) for table, result in rows.items()}


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def half_written(database_url: str) -> list[str]:
    """Every violation of what a finished write leaves behind, described for the assertion."""
    rows = asyncio.run(
        _rows(
            database_url,
            {
                "submissions_without_outbox": "SELECT s.id FROM submissions s"
                " LEFT JOIN outbox o ON o.submission_id = s.id WHERE o.id IS NULL",
                "outbox_without_submission": "SELECT o.id FROM outbox o"
                " LEFT JOIN submissions s ON s.id = o.submission_id WHERE s.id IS NULL",
                "submission_status": "SELECT id, status FROM submissions"
                " WHERE status NOT IN ('PENDING', 'DELIVERED', 'REJECTED')",
                "outbox_status": "SELECT id, status FROM outbox"
                " WHERE status NOT IN ('pending', 'delivering', 'done', 'dead')",
                "idempotency": "SELECT key, operation, result FROM idempotency_keys",
                "submission_ids": "SELECT id FROM submissions",
                "favourites": "SELECT account_id, item_code FROM favourites",
                "preferences": "SELECT account_id, client_mode, notification_digest FROM preferences",
                "shows": "SELECT id, fields, purpose FROM licence_shows",
            },
        )
    )
    found = [f"submission {r[0]} has no outbox row" for r in rows["submissions_without_outbox"]]
    found += [f"outbox row {r[0]} has no submission" for r in rows["outbox_without_submission"]]
    found += [f"submission {r[0]} in unknown status {r[1]!r}" for r in rows["submission_status"]]
    found += [f"outbox row {r[0]} in unknown status {r[1]!r}" for r in rows["outbox_status"]]
    submission_ids = {r[0] for r in rows["submission_ids"]}
    for key, operation, raw in rows["idempotency"]:
        result = _json(raw)
        if not KEY_PATTERN.match(key):
            found.append(f"idempotency record with a malformed key {key[:40]!r} ({operation})")
        if not isinstance(result, dict) or not result:
            found.append(f"idempotency record {key!r} ({operation}) without a result")
        else:
            # A write's result names its submission: it must exist (written in the same transaction).
            named = result.get("submissionId") or (result.get("id") if "system" in result else None)
            if named is not None and named not in submission_ids:
                found.append(f"idempotency record {key!r} names a missing submission {named}")
    for account_id, item_code in rows["favourites"]:
        if not ITEM_CODE.match(item_code):
            found.append(f"favourite of {account_id} with a malformed item code {item_code!r}")
    for account_id, client_mode, digest in rows["preferences"]:
        if client_mode not in CLIENT_MODES or digest not in DIGESTS:
            found.append(f"preferences of {account_id} hold {client_mode!r}/{digest!r}")
    for show_id, fields, purpose in rows["shows"]:
        if not _json(fields) or not (purpose or "").strip():
            found.append(f"licence show {show_id} without fields or purpose")
    return found
