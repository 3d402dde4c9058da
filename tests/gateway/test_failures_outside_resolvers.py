"""Failures outside the resolvers: a cache that cannot be used costs the reuse, never the answer;
a failure after the resolvers (the audit entry cannot be written) withholds the answer and is
masked like any bug, with a code and without its text (SQL, table names)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.app import create_app
from gateway.cli import migrate_database, seed_database
from gateway.dev_identity import DevIdentityProvider
from gateway.settings import Settings
from schema.errors import MASKED_MESSAGE
from tests.conftest import write_systems_file
from tests.support.gateway import GatewayClient
from tests.support.servers import ThreadedServer

HOME = "{ me { profile { name } preferences { clientMode } favourites { totalCount } cases(first: 3) { totalCount } } }"


@pytest.fixture
def instance(
    tmp_path: Path, identity_provider: DevIdentityProvider, simulator_urls: dict[str, str]
) -> Iterator[tuple[GatewayClient, Path]]:
    """An instance on a database of its own, as one of two workers without Redis: it keeps its
    people's generations in that database."""
    database = tmp_path / "citizen.db"
    settings = Settings(
        env="test",
        database_url=f"sqlite+aiosqlite:///{database}",
        search_index=f"citizen-failures-{tmp_path.name}".lower(),
        oidc_issuer=identity_provider.issuer,
        oidc_jwks_url=f"{identity_provider.issuer}/jwks.json",
        systems_file=write_systems_file(tmp_path / "systems.toml", simulator_urls),
        system_urls=simulator_urls,
        demo_dir=tmp_path,
        log_level="CRITICAL",
        workers=2,
        outbox_worker=False,
    )
    migrate_database(settings)
    asyncio.run(seed_database(settings))
    with ThreadedServer(create_app(settings)) as server:
        client = GatewayClient(url=server.url, idp=identity_provider, simulators=simulator_urls)
        yield client, database
        client.http.close()


def drop(database: Path, table: str) -> None:
    with sqlite3.connect(database) as connection:
        connection.execute(f"DROP TABLE {table}")


def test_answers_go_on_when_the_generations_cannot_be_read(instance: tuple[GatewayClient, Path]) -> None:
    client, database = instance
    before = client.graphql(HOME, as_user="citizen2")
    assert "errors" not in before, before
    drop(database, "person_generations")
    for _ in range(2):
        after = client.graphql(HOME, as_user="citizen2")
        assert after == before


def test_a_failure_after_the_resolvers_is_masked_and_withholds_the_answer(
    instance: tuple[GatewayClient, Path],
) -> None:
    client, database = instance
    assert "errors" not in client.graphql(HOME, as_user="citizen2")
    drop(database, "audit_log")  # a read that cannot be logged must not be answered
    body = client.graphql(HOME, as_user="citizen2")
    assert body.get("data") is None, body
    assert [e["message"] for e in body["errors"]] == [MASKED_MESSAGE]
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "audit_log" not in str(body)
    assert "SQL" not in str(body)
