"""A gateway in production mode holds against abusive GraphQL, oversized bodies and floods."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from graphql.language.lexer import Lexer
from graphql.language.source import Source
from graphql.language.token_kind import TokenKind
from hypothesis import given, settings

from gateway.app import create_app
from gateway.cli import migrate_database, seed_database
from gateway.dev_identity import DevIdentityProvider
from gateway.persisted import token_count
from gateway.settings import Settings
from simulators.registry import dev_secret
from tests.support.fuzzing import query_documents
from tests.support.gateway import GatewayClient
from tests.support.servers import ThreadedServer

OFFICIAL_QUERY = "query HomeProfile { me { profile { name maskedIdNumber } } }"


@pytest.fixture(scope="module")
def production(
    gateway_settings: Settings,
    identity_provider: DevIdentityProvider,
    simulator_urls: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[GatewayClient]:
    workdir = tmp_path_factory.mktemp("production")
    # Production refuses development secrets; these stand in for the real ones a deployment sets.
    settings = Settings(
        **{
            **gateway_settings.model_dump(),
            "env": "production",
            "database_url": f"sqlite+aiosqlite:///{workdir / 'prod.db'}",
            "redis_url": None,
            "data_key": "prod-test-data-key",
            "pseudonym_key": "prod-test-pseudonym-key",
            "show_token_key": "prod-test-show-key",
            "rate_limit_per_caller": 25,
            "rate_limit_per_ip": 1_000_000,
            "max_body_bytes": 20_000,
            "outbox_worker": False,
        }
    )
    with pytest.MonkeyPatch.context() as env:
        for name in simulator_urls:
            env.setenv(f"CITIZEN_SECRET_{name.upper()}", dev_secret(name))
        migrate_database(settings)
        asyncio.run(seed_database(settings))
        with ThreadedServer(create_app(settings)) as server:
            client = GatewayClient(url=server.url, idp=identity_provider, simulators=simulator_urls)
            yield client
            client.http.close()


def _post(gateway: GatewayClient, payload: object, **headers: str) -> httpx.Response:
    return gateway.http.post(
        f"{gateway.url}/graphql", content=json.dumps(payload), headers={"Content-Type": "application/json", **headers}
    )


def _code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


def test_introspection_and_ide_are_off(production: GatewayClient) -> None:
    body = _post(production, {"query": "{ __schema { types { name } } }"}).json()
    assert "introspection has been disabled" in body["errors"][0]["message"]
    assert production.http.get(f"{production.url}/graphql", headers={"Accept": "text/html"}).status_code != 200
    assert production.http.get(f"{production.url}/docs").status_code == 404


def test_no_field_suggestions(production: GatewayClient) -> None:
    message = _post(production, {"query": "{ me { profil { name } } }"}).json()["errors"][0]["message"]
    assert "Did you mean" not in message


def test_get_queries_are_refused(production: GatewayClient) -> None:
    response = production.http.get(f"{production.url}/graphql", params={"query": "{ __typename }"})
    assert response.status_code in (400, 405)


def test_batching_is_refused(production: GatewayClient) -> None:
    response = _post(production, [{"query": "{ __typename }"}, {"query": "{ __typename }"}])
    assert response.status_code == 400
    assert _code(response) == "BATCHING_DISABLED"


def test_oversized_body_is_refused(production: GatewayClient) -> None:
    response = _post(production, {"query": "{ __typename }", "variables": {"x": "字" * 20_000}})
    assert response.status_code == 413


def test_deep_wide_and_costly_queries_are_refused(production: GatewayClient) -> None:
    deep = "{ me " + "{ licences { edges { node { source " * 4 + "{ system }" + " } } } }" * 4 + " }"
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(40)) + " }"
    costly = (
        "{ me { "
        + " ".join(
            f"l{i}: licences(first: 100) {{ edges {{ node {{ id typeName source {{ system department }} }} }} }}"
            for i in range(8)
        )
        + " } }"
    )
    roots = "{ " + " ".join(f'n{i}: node(id: "x") {{ id }}' for i in range(12)) + " }"
    directives = "{ __typename " + " ".join("@skip(if: false)" for _ in range(25)) + " }"
    for query, expected in (
        (deep, "depth"),
        (aliases, "aliases"),
        (costly, "QUERY_TOO_COMPLEX"),
        (roots, "TOO_MANY_ROOT_FIELDS"),
        (directives, "TOO_MANY_DIRECTIVES"),
    ):
        body = _post(production, {"query": query}, Authorization=f"Bearer {production.token('citizen')}").json()
        assert body.get("data") is None, expected
        text = json.dumps(body, ensure_ascii=False)
        assert expected in text, (expected, text[:300])


def test_validation_errors_keep_their_message_and_bugs_are_masked(production: GatewayClient) -> None:
    body = _post(production, {"query": "{ me { nope } }"}).json()
    assert "Cannot query field 'nope'" in body["errors"][0]["message"]


def test_automatic_persisted_queries(production: GatewayClient) -> None:
    query = "query APQ { __typename }"
    digest = hashlib.sha256(query.encode()).hexdigest()
    ext = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    miss = _post(production, {"extensions": ext})
    assert _code(miss) == "PERSISTED_QUERY_NOT_FOUND"
    assert _post(production, {"query": query, "extensions": ext}).json()["data"] == {"__typename": "Query"}
    hit = _post(production, {"extensions": ext})
    assert hit.json()["data"] == {"__typename": "Query"}
    wrong = _post(production, {"query": "{ __typename }", "extensions": ext})
    assert _code(wrong) == "PERSISTED_QUERY_HASH_MISMATCH"


def test_allow_list_mode_runs_only_registered_operations(
    gateway_settings: Settings,
    identity_provider: DevIdentityProvider,
    simulator_urls: dict[str, str],
    tmp_path: Path,
) -> None:
    digest = hashlib.sha256(OFFICIAL_QUERY.encode()).hexdigest()
    allow_list = tmp_path / "persisted.json"
    allow_list.write_text(json.dumps({digest: OFFICIAL_QUERY}), encoding="utf-8")
    settings = Settings(
        **{
            **gateway_settings.model_dump(),
            "persisted_queries_file": allow_list,
            "persisted_queries_only": True,
            "outbox_worker": False,
        }
    )
    with ThreadedServer(create_app(settings)) as server:
        client = GatewayClient(url=server.url, idp=identity_provider, simulators=simulator_urls)
        raw = _post(client, {"query": OFFICIAL_QUERY})
        assert _code(raw) == "PERSISTED_QUERY_REQUIRED"
        unknown = _post(client, {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}})
        assert _code(unknown) == "PERSISTED_QUERY_NOT_REGISTERED"
        ok = _post(
            client,
            {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}},
            Authorization=f"Bearer {client.token('citizen')}",
        )
        assert ok.json()["data"]["me"]["profile"]["name"] == "李**"
        client.http.close()


def test_rate_limit_per_caller(production: GatewayClient) -> None:
    token = production.token("citizen2")
    statuses = [
        _post(production, {"query": "{ __typename }"}, Authorization=f"Bearer {token}").status_code for _ in range(30)
    ]
    assert statuses[:25] == [200] * 25
    assert statuses[25:] == [429] * 5
    limited = _post(production, {"query": "{ __typename }"}, Authorization=f"Bearer {token}")
    assert _code(limited) == "RATE_LIMITED"
    assert int(limited.headers["Retry-After"]) >= 1
    # Another caller is not affected.
    other = _post(production, {"query": "{ __typename }"}, Authorization=f"Bearer {production.token('elder')}")
    assert other.status_code == 200


def test_bad_json_and_wrong_types_are_clear_errors(production: GatewayClient) -> None:
    response = production.http.post(
        f"{production.url}/graphql", content=b"\xff\xfe{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert _code(response) == "BAD_REQUEST"
    wrong = _post(
        production,
        {"query": "query($n: Int) { me { licences(first: $n) { totalCount } } }", "variables": {"n": "many"}},
        Authorization=f"Bearer {production.token('citizen')}",
    )
    assert wrong.status_code == 200
    assert "Int cannot represent" in wrong.json()["errors"][0]["message"]


def test_a_document_over_the_token_limit_is_refused_before_parsing(production: GatewayClient) -> None:
    query = "{ me { profile { " + "name " * 2_500 + "} } }"
    response = _post(production, {"query": query}, Authorization=f"Bearer {production.token('citizen')}")
    assert response.status_code == 400
    assert _code(response) == "TOO_MANY_TOKENS"


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(document=query_documents())
def test_the_gates_token_count_is_the_parsers(document: str) -> None:
    """The gate refuses by its own count; it must never count more than graphql-core does."""
    lexer = Lexer(Source(document + ' # a comment { } "x"\n, "with # and { }" """block "" { """'))
    parsed = 0
    while lexer.advance().kind is not TokenKind.EOF:
        parsed += 1
    assert token_count(document + ' # a comment { } "x"\n, "with # and { }" """block "" { """') == parsed
