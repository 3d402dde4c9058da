"""The audit log: every read recorded, hash-chained, exportable by operators, tampering detected."""

from __future__ import annotations

import asyncio
import itertools
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.settings import Settings
from tests.support.gateway import GatewayClient

EXPORT = """query($since: DateTime!, $until: DateTime!) {
  auditLog(since: $since, until: $until) { seq actorRole sections purpose outcome entryHash prevHash } }"""
CHAIN = "{ auditChain { intact entries firstBrokenSeq } }"


def _window() -> dict[str, str]:
    now = datetime.now(UTC)
    return {"since": (now - timedelta(hours=1)).isoformat(), "until": (now + timedelta(minutes=1)).isoformat()}


def test_operator_exports_a_chained_log(gateway: GatewayClient) -> None:
    gateway.graphql("{ me { profile { name } licences { totalCount } } }", as_user="elder")
    entries = gateway.graphql(EXPORT, _window(), as_user="operator")["data"]["auditLog"]
    assert entries
    assert any(set(e["sections"]) == {"licences", "profile"} and e["purpose"] == "本人查询" for e in entries)
    for before, after in itertools.pairwise(entries):
        if after["seq"] == before["seq"] + 1:
            assert after["prevHash"] == before["entryHash"]
    chain = gateway.graphql(CHAIN, as_user="operator")["data"]["auditChain"]
    assert chain["intact"] is True
    assert chain["entries"] >= len(entries)


def test_only_operators_export(gateway: GatewayClient) -> None:
    for user in ("citizen", "agent", "clerk", "legal-rep"):
        body = gateway.graphql(EXPORT, _window(), as_user=user)
        assert body["errors"][0]["extensions"]["code"] == "NOT_ALLOWED", user
    assert gateway.graphql(EXPORT, _window())["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_export_window_is_bounded(gateway: GatewayClient) -> None:
    now = datetime.now(UTC)
    body = gateway.graphql(
        EXPORT, {"since": (now - timedelta(days=90)).isoformat(), "until": now.isoformat()}, as_user="operator"
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_tampering_is_detected(gateway: GatewayClient, gateway_settings: Settings) -> None:
    gateway.graphql("{ me { profile { name } } }", as_user="citizen2")

    async def rewrite(purpose_from: str, purpose_to: str) -> int:
        engine = create_async_engine(gateway_settings.database_url)
        async with engine.begin() as connection:
            seq = await connection.scalar(
                text("SELECT max(seq) FROM audit_log WHERE purpose = :p"), {"p": purpose_from}
            )
            await connection.execute(
                text("UPDATE audit_log SET purpose = :to WHERE seq = :seq"), {"to": purpose_to, "seq": seq}
            )
        await engine.dispose()
        return int(seq)

    seq = asyncio.run(rewrite("self_access", "forged"))
    try:
        chain = gateway.graphql(CHAIN, as_user="operator")["data"]["auditChain"]
        assert chain["intact"] is False
        assert chain["firstBrokenSeq"] == seq
    finally:
        asyncio.run(rewrite("forged", "self_access"))
    assert gateway.graphql(CHAIN, as_user="operator")["data"]["auditChain"]["intact"] is True


def test_chain_holds_under_concurrent_reads(gateway: GatewayClient) -> None:
    """Appenders read the last hash and insert the next entry: concurrent requests must take
    turns, or two entries chain to the same predecessor and the log reads as tampered."""
    people = ["citizen", "citizen2", "elder", "legal-rep"] * 8
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda user: gateway.graphql("{ me { profile { name } } }", as_user=user), people))
    assert all(answer["data"]["me"]["profile"]["name"] for answer in answers)
    chain = gateway.graphql(CHAIN, as_user="operator")["data"]["auditChain"]
    assert chain["intact"] is True, chain
