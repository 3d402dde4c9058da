"""The peer: GraphQL Hive Gateway serving a Mesh Compose supergraph built from the simulators'
OpenAPI documents, asked the equivalent of our home-screen query against the same simulators.

"Equivalent" is decided from what our gateway really did: the bench counts the department calls
one `me` query makes (the simulators' request counters) and asks the peer for the same GET
operations with the same person's identifiers. Calls the peer cannot make in one query (a read
that needs ids from an earlier answer, or a POST lookup) are left out and reported.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from graphql import (
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_client_schema,
    get_introspection_query,
)

from bench.processes import children_of, free_port, require_loopback, running, wait_until_ready
from bench.queries import named_type, selection

PEER_DIR = Path(__file__).resolve().parent / "peer"
BIN = PEER_DIR / "node_modules" / ".bin"

# How the bench fills an operation's parameters, by name (the person's or company's identifiers).
PERSON_PARAMS = ("holder_id", "subject_id", "legal_representative_id", "staff_id")
TYPE_PARAMS = ("holder_id_type", "subject_id_type")


def install() -> None:
    """`npm ci` from the committed lock file, once per lock file."""
    marker = PEER_DIR / "node_modules" / ".installed"
    lock = PEER_DIR / "package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    subprocess.run(["npm", "ci", "--silent", "--no-audit", "--no-fund"], cwd=PEER_DIR, check=True, timeout=900)
    marker.touch()


def _api_reads_only(document: dict[str, Any]) -> dict[str, Any]:
    """The department API's GET operations (no admin or write endpoints in the peer's schema)."""
    paths = {}
    for path, operations in document["paths"].items():
        if path.startswith("/api/") and "get" in operations:
            paths[path] = {"get": operations["get"]}
    return {**document, "paths": paths}


def compose(workdir: Path, urls: dict[str, str], systems: list[str]) -> Path:
    """Write each system's OpenAPI document and a Mesh Compose config; compose the supergraph."""
    work = workdir / "peer"
    work.mkdir(parents=True, exist_ok=True)
    link = work / "node_modules"
    if not link.exists():
        link.symlink_to(PEER_DIR / "node_modules")  # the config imports the compose packages
    subgraphs = []
    for name in systems:
        base = require_loopback(urls[name])
        document = httpx.get(f"{base}/openapi.json", timeout=10).raise_for_status().json()
        (work / f"{name}.json").write_text(json.dumps(_api_reads_only(document), ensure_ascii=False), "utf-8")
        options = {
            "source": f"./{name}.json",
            "endpoint": base,
            "operationHeaders": {"X-Api-Key": f"dev-secret-{name}"},
        }
        # Every FastAPI document has its own ValidationError & co.: prefix types and root fields per system.
        subgraphs.append(
            f"    {{ sourceHandler: loadOpenAPISubgraph({json.dumps(name)}, {json.dumps(options)}),\n"
            f"      transforms: [createPrefixTransform({{ value: {json.dumps(name + '_')}, "
            "includeRootOperations: true })] }"
        )
    config = (
        "import { defineConfig, createPrefixTransform } from '@graphql-mesh/compose-cli';\n"
        "import { loadOpenAPISubgraph } from '@omnigraph/openapi';\n\n"
        "export const composeConfig = defineConfig({\n  subgraphs: [\n" + ",\n".join(subgraphs) + "\n  ],\n});\n"
    )
    (work / "mesh.config.ts").write_text(config, encoding="utf-8")
    supergraph = work / "supergraph.graphql"
    with (workdir / "peer-compose.log").open("w", encoding="utf-8") as log:
        subprocess.run(
            [str(BIN / "mesh-compose"), "-o", str(supergraph)],
            cwd=work,
            check=True,
            stdout=log,
            stderr=log,
            timeout=300,
        )
    return supergraph


@dataclass(frozen=True)
class PeerGateway:
    url: str
    pid: int
    workers: int
    schema: GraphQLSchema

    def worker_pids(self) -> list[int]:
        return children_of(self.pid) or [self.pid]


@contextmanager
def peer_gateway(workdir: Path, supergraph: Path, *, workers: int) -> Iterator[PeerGateway]:
    """hive-gateway in production mode on the composed supergraph; `--fork` workers."""
    port = free_port()
    # A directory of its own: the gateway would otherwise read mesh.config.ts as its config.
    run_dir = workdir / f"peer-run-{workers}"
    run_dir.mkdir(exist_ok=True)
    shutil.copy(supergraph, run_dir / "supergraph.graphql")
    env = {**os.environ, "NODE_ENV": "production"}
    args = [
        str(BIN / "hive-gateway"),
        "supergraph",
        "supergraph.graphql",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--fork",
        str(workers),
    ]
    with running(args, cwd=run_dir, env=env, log=workdir / f"peer-{workers}.log") as process:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(f"{url}/healthcheck", process, timeout=120, what="hive-gateway")
        introspection = httpx.post(
            f"{url}/graphql", json={"query": get_introspection_query()}, timeout=30
        ).raise_for_status()
        schema = build_client_schema(introspection.json()["data"])
        yield PeerGateway(url=url, pid=process.pid, workers=workers, schema=schema)


# -- the equivalent query ------------------------------------------------------------------------


@dataclass
class PeerQuery:
    query: str
    # variable name → "person" (the client's ID number) or a fixed value
    variables: dict[str, str] = field(default_factory=dict)
    fields: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    def variables_for(self, id_number: str) -> dict[str, str]:
        return {name: id_number if value == "person" else value for name, value in self.variables.items()}


def _template_regex(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


def _operation_ids(document: dict[str, Any]) -> list[tuple[re.Pattern[str], str, bool]]:
    found = []
    for path, operations in document["paths"].items():
        get = operations.get("get")
        if get and "operationId" in get:
            found.append((_template_regex(path), get["operationId"], "{" in path))
    return found


def _result_selection(type_: GraphQLNamedType) -> str:
    """A REST answer: the success member of the status-code union, all scalars to a small depth."""
    if isinstance(type_, GraphQLUnionType):
        members = [m for m in type_.types if not m.name.endswith("HTTPValidationError")]
        return " ".join(f"... on {m.name} {{ {selection(m, 2)} }}" for m in members) or "__typename"
    return selection(type_, 2)


def equivalent_query(peer: GraphQLSchema, workdir: Path, routes: dict[str, dict[str, int]]) -> PeerQuery:
    """One peer field per department GET our `me` made, with the same identifiers."""
    query_type = peer.query_type
    assert isinstance(query_type, GraphQLObjectType)
    result = PeerQuery(query="")
    definitions: list[str] = []
    parts: list[str] = []
    for system, hits in sorted(routes.items()):
        document = json.loads((workdir / "peer" / f"{system}.json").read_text("utf-8"))
        operations = _operation_ids(document)
        for route in sorted(hits):
            method, path = route.split(" ", 1)
            match = next(((op, templated) for rx, op, templated in operations if rx.match(path)), None)
            if method != "GET" or match is None:
                result.left_out.append(f"{system}: {route}")
                continue
            operation_id, templated = match
            if templated:
                result.left_out.append(f"{system}: {route} (needs an id from an earlier answer)")
                continue
            name = f"{system}_{operation_id}"
            peer_field = query_type.fields.get(name)
            if peer_field is None:
                result.left_out.append(f"{system}: {route} (no peer field {name})")
                continue
            args = []
            for arg_name, arg in peer_field.args.items():
                variable = f"v{len(parts)}_{arg_name}".replace("-", "_")
                if arg_name in PERSON_PARAMS:
                    result.variables[variable] = "person"
                elif arg_name in TYPE_PARAMS:
                    result.variables[variable] = "111"
                else:
                    continue
                definitions.append(f"${variable}: {arg.type}")
                args.append(f"{arg_name}: ${variable}")
            arguments = f"({', '.join(args)})" if args else ""
            alias = f"{system}_{len(parts)}"
            parts.append(f"{alias}: {name}{arguments} {{ {_result_selection(named_type(peer_field.type))} }}")
            result.fields.append(f"{system}: {route}")
    variables = f"({', '.join(definitions)})" if definitions else ""
    result.query = f"query HomeScreen{variables} {{ {' '.join(parts)} }}"
    return result
