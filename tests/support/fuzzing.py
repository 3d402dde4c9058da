"""Schema fuzzing shared by the suite (tests/gateway/test_fuzz.py) and bench/security_report.py:
hypothesis-graphql strategies for the served schema with our custom scalars, and the verdict on
an answer — a clear error is fine, a server error or a masked bug is not."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import graphql
import httpx
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, nodes, queries

# What a client sees in place of an unexpected exception (schema/errors.py): always a bug.
from schema.errors import MASKED_MESSAGE

REPO = Path(__file__).resolve().parents[2]
SDL = REPO / "schema.graphql"

# Statuses a refusal may carry: bad request (gate), body too large, rate limited.
CLEAR_STATUSES = frozenset({200, 400, 413, 429})
BUG_CODES = frozenset({"INTERNAL_SERVER_ERROR", "INTERNAL_ERROR", "UNEXPECTED", "UNKNOWN"})
# Entity types of the federation union: `_entities` representations name one of them.
ENTITY_TYPES = (
    "Case",
    "CompanyRegistration",
    "EnterpriseBill",
    "EnterpriseCase",
    "EnterpriseRating",
    "Licence",
    "StaffAuthorisation",
    "WorkOrder",
)
KEY_ALPHABET = string.ascii_letters + string.digits + "_.:-"


@cache
def served_schema() -> graphql.GraphQLSchema:
    """The committed SDL, which tests/schema keeps identical to what the gateway serves. The
    federation directives (@key, @link) are not declared in it, so SDL validation is skipped."""
    return graphql.build_schema(SDL.read_text(encoding="utf-8"), assume_valid_sdl=True)


def _object(fields: dict[str, graphql.ValueNode]) -> graphql.ObjectValueNode:
    return nodes.Object([graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v) for k, v in fields.items()])


def scalar_strategies() -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Our custom scalars: ISO dates and date-times, and federation representations."""
    representation = st.fixed_dictionaries(
        {
            "__typename": st.sampled_from(ENTITY_TYPES).map(nodes.String),
            "id": st.one_of(st.text(max_size=40), st.binary(max_size=30).map(lambda b: b.hex())).map(nodes.String),
        }
    ).map(_object)
    return {
        "Date": st.dates(date(1990, 1, 1), date(2040, 12, 31)).map(nodes.String),
        "DateTime": st.datetimes(datetime(2000, 1, 1), datetime(2040, 1, 1), timezones=st.just(UTC)).map(
            lambda moment: nodes.String(moment.isoformat())
        ),
        "_Any": representation,
    }


def _with_keys(document: graphql.DocumentNode, keys: list[str]) -> graphql.DocumentNode:
    """Give the document's `idempotencyKey` arguments well-formed keys, so that generated writes
    get past the key check and reach validation, the idempotency store and the outbox."""
    remaining = iter(keys)

    class Rewrite(graphql.Visitor):
        def enter_argument(self, node: graphql.ArgumentNode, *_: Any) -> graphql.ArgumentNode | None:
            if node.name.value != "idempotencyKey":
                return None
            key = next(remaining, None)
            return None if key is None else graphql.ArgumentNode(name=node.name, value=nodes.String(key))

    result: graphql.DocumentNode = graphql.visit(document, Rewrite())
    return result


def query_documents(*, negative: bool = False) -> st.SearchStrategy[str]:
    """Query operations over every root field but the federation plumbing's `_service`."""
    schema = served_schema()
    fields = [name for name in schema.query_type.fields if name != "_service"]  # type: ignore[union-attr]
    return queries(
        schema,
        fields=fields,
        custom_scalars=scalar_strategies(),
        mode=Mode.NEGATIVE if negative else Mode.POSITIVE,
    )


def mutation_documents() -> st.SearchStrategy[str]:
    """Mutations; half of them with well-formed idempotency keys (random text almost never is one)."""
    documents = mutations(served_schema(), custom_scalars=scalar_strategies(), print_ast=lambda doc: doc)
    keys = st.lists(st.text(KEY_ALPHABET, min_size=8, max_size=40), min_size=4, max_size=4)
    return st.tuples(documents, keys, st.booleans()).map(
        lambda drawn: graphql.print_ast(_with_keys(drawn[0], drawn[1]) if drawn[2] else drawn[0])
    )


def problems(response: httpx.Response) -> list[str]:
    """Why an answer is a bug: a 5xx or other unexpected status, a body that is not JSON, a masked
    internal error, an error coded as internal, or an execution error without a code."""
    found: list[str] = []
    if response.status_code not in CLEAR_STATUSES:
        found.append(f"HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        return [*found, f"not JSON: {response.text[:200]!r}"]
    if not isinstance(body, dict):
        return [*found, f"not a GraphQL answer: {str(body)[:200]}"]
    for error in body.get("errors") or []:
        message = str(error.get("message"))
        code = (error.get("extensions") or {}).get("code")
        if message == MASKED_MESSAGE:
            found.append(f"masked internal error at {error.get('path')}")
        elif code in BUG_CODES:
            found.append(f"{code}: {message[:200]}")
        elif error.get("path") and not code:
            # Errors of execution are ours to code; parse and validation errors (no path) come from
            # graphql-core and strawberry's limiters with the rule's message.
            found.append(f"uncoded error at {error.get('path')}: {message[:200]}")
    if response.status_code == 200 and "data" not in body and not body.get("errors"):
        found.append("neither data nor errors")
    return found


def bounded(max_examples: int) -> settings:
    """Reproducible and bounded: the same examples every run, no saved database, and no
    shrinking (against a live server it costs minutes; the failing document is printed as is)."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
    )
