"""The committed SDL is current, and it composes as an Apollo Federation 2 subgraph."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from schema.root import build_schema

REPO = Path(__file__).resolve().parents[2]
SDL = REPO / "schema.graphql"
COMPOSE = REPO / "tools" / "federation" / "compose.mjs"


def test_committed_sdl_is_current() -> None:
    current = build_schema(production=False).as_str() + "\n"
    assert SDL.read_text(encoding="utf-8") == current, "schema.graphql is stale: run `citizen-space export-schema`"


def test_subgraph_composes_into_a_supergraph() -> None:
    node = shutil.which("node")
    if node is None or not (COMPOSE.parent / "node_modules" / "@apollo" / "composition").exists():
        pytest.fail("node and tools/federation/node_modules are required (make install provides them)")
    result = subprocess.run([node, str(COMPOSE), str(SDL)], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    supergraph = result.stdout
    assert 'join__type(graph: CITIZEN_SPACE, key: "id")' in supergraph
    assert "nationalVerificationUrl" in supergraph
    assert "me: PersonalSpace!" in supergraph


def test_entities_resolve_with_the_same_authorisation(gateway) -> None:  # type: ignore[no-untyped-def]
    licences = gateway.graphql("{ me { licences { edges { node { id licenceId } } } } }", as_user="citizen")
    node_id = licences["data"]["me"]["licences"]["edges"][0]["node"]["id"]
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Licence { licenceId typeName } } }"
    representations = {"r": [{"__typename": "Licence", "id": node_id}]}
    own = gateway.graphql(query, representations, as_user="citizen")
    assert (
        own["data"]["_entities"][0]["licenceId"] == licences["data"]["me"]["licences"]["edges"][0]["node"]["licenceId"]
    )
    other = gateway.graphql(query, representations, as_user="citizen2")
    assert other["data"]["_entities"] == [None]
    assert other["errors"][0]["extensions"]["code"] == "NOT_FOUND"
