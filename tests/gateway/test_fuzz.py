"""Fuzz the served schema: generated queries and mutations (hypothesis-graphql) and schemathesis'
GraphQL cases get a clear answer — never a 5xx, a masked bug or an uncoded execution error — and
the writes among them leave nothing half-written in the database.

Examples are bounded and derandomised, so a CI run replays the same cases."""

from __future__ import annotations

import itertools
import uuid

import httpx
import pytest
import schemathesis
from hypothesis import given
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.graphql.checks import GraphQLServerError

from gateway.settings import Settings
from tests.support.database import half_written, table_counts
from tests.support.fuzzing import bounded, mutation_documents, problems, query_documents, scalar_strategies
from tests.support.gateway import GatewayClient, newcomer_token
from tests.support.outbox_kill import SUBMIT

# Beyond the query-level limits: a generated document may be huge, so the client bounds the call.
TIMEOUT = httpx.Timeout(30.0)


def _post(gateway: GatewayClient, token: str, document: str) -> httpx.Response:
    return gateway.http.post(
        f"{gateway.url}/graphql",
        json={"query": document},
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )


def test_generated_queries_get_clear_answers(gateway: GatewayClient) -> None:
    token = gateway.token("citizen")
    seen = itertools.count()

    @bounded(150)
    @given(document=query_documents())
    def run(document: str) -> None:
        next(seen)
        response = _post(gateway, token, document)
        assert not problems(response), (document, problems(response), response.text[:500])

    run()
    assert next(seen) >= 150


def test_queries_breaking_the_schema_are_refused_clearly(gateway: GatewayClient) -> None:
    """Wrong argument types, unknown enum values, missing required arguments (one violation each)."""
    token = gateway.token("citizen")

    @bounded(60)
    @given(document=query_documents(negative=True))
    def run(document: str) -> None:
        response = _post(gateway, token, document)
        assert not problems(response), (document, problems(response), response.text[:500])
        body = response.json()
        assert body.get("errors"), (document, body)

    run()


def test_generated_mutations_leave_nothing_half_written(gateway: GatewayClient, gateway_settings: Settings) -> None:
    # A newcomer of its own: generated writes must not crowd the demo people other tests count on.
    token = newcomer_token(gateway.idp, 7)
    assert gateway.graphql("{ me { profile { name } } }", token=token)["data"]["me"]["profile"]["name"]
    seen = itertools.count()

    @bounded(100)
    @given(document=mutation_documents())
    def run(document: str) -> None:
        next(seen)
        response = _post(gateway, token, document)
        assert not problems(response), (document, problems(response), response.text[:500])

    before = table_counts(gateway_settings.database_url)
    run()
    assert next(seen) >= 100
    # How many generated writes get through depends on the examples drawn (the seed follows the
    # test's code and place), so well-formed writes of our own interleave with them: the check
    # below never runs on a store where nothing was written.
    for n in range(3):
        title = f"模糊测试后的正常建议{n}"
        body = gateway.graphql(SUBMIT, {"key": f"fuzz-{uuid.uuid4().hex}", "title": title}, token=token)
        assert body["data"]["submitWorkOrder"]["__typename"] == "SubmissionAccepted", body
    assert table_counts(gateway_settings.database_url)["idempotency_keys"] >= before["idempotency_keys"] + 3
    # … and every write, generated or not, left all of its rows, or none.
    assert half_written(gateway_settings.database_url) == []


def test_schemathesis_finds_no_server_error(gateway: GatewayClient) -> None:
    """schemathesis' own GraphQL generation over the schema the live gateway serves (introspection
    is on outside production)."""
    for name, strategy in scalar_strategies().items():
        schemathesis.graphql.scalar(name, strategy)
    base_url = f"{gateway.url}/graphql"
    schema = schemathesis.graphql.from_url(base_url, timeout=30)
    token = gateway.token("citizen")
    labels: set[str] = set()

    @bounded(80)
    @given(case=schema.as_strategy())
    def run(case: schemathesis.Case) -> None:
        labels.add(case.operation.label)
        response = case.call(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        found = problems(httpx.Response(response.status_code, content=response.content))
        assert not found, (case.body, found, response.text[:500])
        failures: list[Failure] = []
        try:
            case.validate_response(response, checks=[not_a_server_error])
        except FailureGroup as group:
            failures = list(group.exceptions)
        except Failure as failure:
            failures = [failure]
        # schemathesis takes every execution error it cannot label as a client error for a server
        # error; ours are labelled (NOT_ALLOWED, NOT_FOUND, …) and `problems` found no bug among
        # them above. Anything else it reports (a 5xx above all) stands.
        assert [f for f in failures if not isinstance(f, GraphQLServerError)] == [], (case.body, failures)

    run()
    assert len(labels) >= 10  # many root fields were reached, not one over and over


@pytest.mark.parametrize("first", [0, -1, 2**31 - 1])
def test_page_sizes_at_the_edges(gateway: GatewayClient, first: int) -> None:
    body = gateway.http.post(
        f"{gateway.url}/graphql",
        json={"query": "query($n: Int) { me { notifications(first: $n) { totalCount } } }", "variables": {"n": first}},
        headers={"Authorization": f"Bearer {gateway.token('citizen')}"},
    )
    assert not problems(body), body.text
