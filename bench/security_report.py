"""The security figures of issue 8, in one table.

    .venv/bin/python bench/security_report.py [--fuzz-examples N] [--kill-writes N] [--fault-requests N] [--keep]

Starts its own stack (bench/stack.py: simulators, the dev identity provider, the gateway in
production mode on a migrated and seeded SQLite database), then measures, each part bounded:

- abuse queries: abusive operations tried / rejected / the slowest rejection seen by the client;
- authorisation matrix: probes of someone else's objects / answers that leaked anything;
- audit: personal-data reads made here / those found in the operator's audit export;
- fuzz: hypothesis-graphql cases (queries and mutations) / server errors (5xx or masked bugs);
- faults: department fault scenarios (bench/fault_scenarios.py) / sections lost;
- kills: gateway processes SIGKILLed mid-stream / writes lost / writes duplicated.

All traffic stays on loopback; every process started is stopped by its own id.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
from hypothesis import given  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from bench.processes import require_loopback  # noqa: E402
from bench.stack import Stack, gateway, stack  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from tests.support.fuzzing import MASKED_MESSAGE, bounded, mutation_documents, problems, query_documents  # noqa: E402
from tests.support.gateway import GatewayClient, newcomer_token  # noqa: E402
from tests.support.matrix import COMPANY, probe_matrix  # noqa: E402
from tests.support.outbox_kill import kill_mid_stream  # noqa: E402

RESULTS = REPO / "bench" / "results"  # git-ignored
ABUSE_REPEATS = 5
CLIENT_TIMEOUT = httpx.Timeout(30.0)


@dataclass
class Row:
    check: str
    figures: str
    meaning: str
    verdict: str  # "ok", "FAIL" or "not run"
    note: str = ""


def log(message: str) -> None:
    print(f"[security {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- abuse queries ---------------------------------------------------------------------------------


def _abuse_cases(token: str) -> dict[str, Callable[[httpx.Client, str], httpx.Response]]:
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(query: str, **extra: Any) -> Callable[[httpx.Client, str], httpx.Response]:
        return lambda client, url: client.post(url, json={"query": query, **extra}, headers=auth)

    deep = "{ me " + "{ licences { edges { node { source " * 4 + "{ system }" + " } } } }" * 4 + " }"
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(40)) + " }"
    tokens = "{ me { profile { " + "name " * 2_500 + "} } }"
    roots = "{ " + " ".join(f'n{i}: node(id: "x") {{ id }}' for i in range(12)) + " }"
    directives = "{ __typename " + " ".join("@skip(if: false)" for _ in range(25)) + " }"
    connection = "edges { node { id typeName source { system department } } }"
    cost = "{ me { " + " ".join(f"l{i}: licences(first: 10000) {{ {connection} }}" for i in range(8)) + " } }"
    unknown_hash = {"persistedQuery": {"version": 1, "sha256Hash": uuid.uuid4().hex * 2}}
    return {
        "deep query": post(deep),
        "wide aliases": post(aliases),
        "huge token count": post(tokens),
        "many root fields": post(roots),
        "directive flood": post(directives),
        "cost bomb (first: 10000)": post(cost),
        "batching": lambda client, url: client.post(
            url, json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}], headers=auth
        ),
        "GET query": lambda client, url: client.get(url, params={"query": "{ __typename }"}, headers=auth),
        "introspection": post("{ __schema { types { name fields { name } } } }"),
        "oversized body": post("{ __typename }", variables={"x": "字" * 60_000}),
        "unknown persisted query": lambda client, url: client.post(
            url, json={"extensions": unknown_hash}, headers=auth
        ),
    }


def _rejected(response: httpx.Response) -> bool:
    if response.status_code in (400, 405, 413, 429):
        return True
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("data") is None and bool(body.get("errors"))


def abuse_row(url: str, token: str) -> Row:
    tried = rejected = 0
    slowest_ms = 0.0
    slowest = ""
    let_through: list[str] = []
    with httpx.Client(timeout=CLIENT_TIMEOUT) as client:
        # The token's first request signs the person in (token check, account read); that is
        # not the cost of rejecting anything, so it is paid before the clock runs.
        headers = {"Authorization": f"Bearer {token}"}
        client.post(f"{url}/graphql", json={"query": "{ __typename }"}, headers=headers).raise_for_status()
        for name, send in _abuse_cases(token).items():
            for _ in range(ABUSE_REPEATS):
                started = time.perf_counter()
                response = send(client, f"{url}/graphql")
                elapsed_ms = (time.perf_counter() - started) * 1000
                tried += 1
                if _rejected(response):
                    rejected += 1
                    if elapsed_ms > slowest_ms:
                        slowest_ms, slowest = elapsed_ms, name
                elif name not in let_through:
                    let_through.append(name)
    return Row(
        "abuse queries",
        f"{tried} / {rejected} / {slowest_ms:.1f}",
        "tried / rejected / max ms",
        "ok" if rejected == tried else "FAIL",
        f"{len(_abuse_cases(token))} kinds × {ABUSE_REPEATS}, the slowest rejection: {slowest or '-'}"
        + (f"; let through: {', '.join(let_through)}" if let_through else ""),
    )


# -- authorisation matrix --------------------------------------------------------------------------


def matrix_row(client: GatewayClient) -> Row:
    result = probe_matrix(client)
    note = "node(id) and _entities × 9 roles (staff also without a scope, agent also with consent) × others' ids"
    if result.unrefused:
        note += f"; {len(result.unrefused)} answered without an error"
    return Row(
        "authorisation matrix",
        f"{result.probes} / {result.leaks}",
        "probes / leaks",
        "ok" if result.leaks == 0 and not result.unrefused else "FAIL",
        note,
    )


# -- audited reads ---------------------------------------------------------------------------------

ME_READ = (
    "{ me { profile { name maskedIdNumber } licences(first: 3) { edges { node { id } } }"
    " cases(first: 3) { totalCount } workOrders(first: 3) { totalCount } bills(first: 3) { totalCount }"
    " records { source { system } } } }"
)
ENTERPRISE_READ = (
    "query($u: String!) { enterprise(uscc: $u) { company { name } cases { totalCount } bills { totalCount } } }"
)
NODE_READ = "query($id: ID!) { node(id: $id) { id ... on Licence { typeName } } }"
AUDIT_EXPORT = (
    "query($s: DateTime!, $u: DateTime!) { auditLog(since: $s, until: $u) { requestId sections dataSubjectId } }"
)


def _read(client: GatewayClient, user: str, query: str, variables: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    request_id = f"sec-{uuid.uuid4().hex}"
    response = client.http.post(
        f"{client.url}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {client.token(user)}", "X-Request-Id": request_id},
        timeout=CLIENT_TIMEOUT,
    )
    return request_id, response.json()


def audit_row(client: GatewayClient) -> Row:
    """A read is one section of personal data that came back with data; it is audited when the
    export has an entry of that request naming the section."""
    since = datetime.now(UTC) - timedelta(seconds=5)
    reads: list[tuple[str, str]] = []  # (request id, section)
    for user in ("citizen", "citizen2", "elder", "staff"):
        request_id, body = _read(client, user, ME_READ, {})
        me = (body.get("data") or {}).get("me") or {}
        reads += [(request_id, section) for section, value in me.items() if value is not None]
        edges = (me.get("licences") or {"edges": []})["edges"]
        if edges:
            request_id, body = _read(client, user, NODE_READ, {"id": edges[0]["node"]["id"]})
            if (body.get("data") or {}).get("node"):
                reads.append((request_id, "licences"))
    request_id, body = _read(client, "legal-rep", ENTERPRISE_READ, {"u": COMPANY})
    space = (body.get("data") or {}).get("enterprise") or {}
    reads += [(request_id, section) for section, value in space.items() if value is not None]
    until = datetime.now(UTC) + timedelta(seconds=5)
    export = client.graphql(AUDIT_EXPORT, {"s": since.isoformat(), "u": until.isoformat()}, as_user="operator")
    audited_sections: dict[str, set[str]] = {}
    for entry in (export.get("data") or {}).get("auditLog") or []:
        if entry["requestId"] and entry["dataSubjectId"]:
            audited_sections.setdefault(entry["requestId"], set()).update(entry["sections"])
    audited = [read for read in reads if read[1] in audited_sections.get(read[0], set())]
    missing = sorted({section for read_id, section in reads if (read_id, section) not in audited})
    return Row(
        "audited reads",
        f"{len(audited)} / {len(reads)}",
        "audited reads / reads",
        "ok" if reads and len(audited) == len(reads) else "FAIL",
        "sections of personal data read as 5 people, checked in the operator's auditLog export"
        + (f"; not audited: {', '.join(missing)}" if missing else ""),
    )


# -- fuzz ------------------------------------------------------------------------------------------


def fuzz_row(client: GatewayClient, examples: int) -> Row:
    query_token = client.token("citizen")
    write_token = newcomer_token(client.idp, 11)
    cases = server_errors = other = 0
    samples: list[str] = []

    def send(token: str, document: str) -> None:
        nonlocal cases, server_errors, other
        response = client.http.post(
            f"{client.url}/graphql",
            json={"query": document},
            headers={"Authorization": f"Bearer {token}"},
            timeout=CLIENT_TIMEOUT,
        )
        cases += 1
        found = problems(response)
        if response.status_code >= 500 or MASKED_MESSAGE in response.text:
            server_errors += 1
        elif found:
            other += 1
        if found and len(samples) < 3:
            samples.append(f"{found[0]} ← {document[:120]!r}")

    @bounded(examples)
    @given(document=query_documents())
    def queries(document: str) -> None:
        send(query_token, document)

    @bounded(max(examples // 3, 1))
    @given(document=query_documents(negative=True))
    def broken(document: str) -> None:
        send(query_token, document)

    @bounded(max(examples * 2 // 3, 1))
    @given(document=mutation_documents())
    def writes(document: str) -> None:
        send(write_token, document)

    queries()
    broken()
    writes()
    note = "hypothesis-graphql: queries, schema-breaking queries, mutations (as a newcomer)"
    if other:
        note += f"; {other} other unclear answers"
    if samples:
        note += "; e.g. " + " | ".join(samples)
    return Row(
        "fuzz",
        f"{cases} / {server_errors}",
        "fuzz cases / 500s",
        "ok" if server_errors == 0 and other == 0 else "FAIL",
        note,
    )


# -- fault scenarios -------------------------------------------------------------------------------


def fault_row(workdir: Path, requests_per_scenario: int) -> Row:
    """bench/fault_scenarios.py on a stack of its own: the records system behind the fault proxy."""
    try:
        faults = importlib.import_module("bench.fault_scenarios")
    except ImportError:
        return Row(
            "fault scenarios", "-", "fault scenarios / sections lost", "not run", "bench/fault_scenarios.py missing"
        )
    with faults.fault_stack(workdir) as fs:
        results = faults.run_fault_scenarios(
            fs.gateway_url,
            fs.token,
            fs.proxy,
            deadline_s=fs.deadline_s,
            requests_per_scenario=requests_per_scenario,
            faulted_section=fs.faulted_section,
            fresh_token=fs.fresh_token,
        )
    lost = sum(r.sections_lost for r in results)
    unrecovered = [r.scenario for r in results if not r.recovered]
    details = ", ".join(
        f"{r.scenario} p95 {r.other_sections_p95_ms:.0f} ms"
        f"{' breaker' if r.breaker_opened else ''}{'' if r.recovered else ' NOT RECOVERED'}"
        for r in results
    )
    return Row(
        "fault scenarios",
        f"{len(results)} / {lost}",
        "fault scenarios / sections lost",
        "ok" if lost == 0 and not unrecovered else "FAIL",
        f"{fs.faulted_section} behind the fault proxy, {requests_per_scenario} home screens each, "
        f"deadline {fs.deadline_s:.1f} s; other sections: {details}",
    )


# -- kills -----------------------------------------------------------------------------------------


def kill_row(st: Stack, writes: int) -> Row:
    settings_ = Settings()  # the stack's environment: its database, systems and identity provider
    result = kill_mid_stream(settings_, st.idp, writes=writes, rounds=3, deliver_timeout_s=120)
    bad = len(result.lost) + len(result.duplicated) + len(result.unanswered)
    return Row(
        "kills",
        f"{result.kills} / {len(result.lost)} / {len(result.duplicated)}",
        "kills / writes lost / duplicated",
        "ok" if bad == 0 else "FAIL",
        f"SIGKILL mid-stream of {result.writes} writes, 3 instances; resubmitted with the same keys"
        + (f"; {len(result.unanswered)} unanswered by the healthy instance" if result.unanswered else ""),
    )


# -- the table -------------------------------------------------------------------------------------


def print_table(rows: list[Row]) -> str:
    console = Console(width=170, record=True)
    table = Table(title="citizen-space security report")
    for column in ("check", "figures", "meaning", "verdict", "note"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row.check, row.figures, row.meaning, row.verdict, row.note)
    console.print(table)
    return console.export_text()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fuzz-examples", type=int, default=120, help="generated queries (mutations: two thirds)")
    parser.add_argument("--kill-writes", type=int, default=12, help="writes in the SIGKILL stream")
    parser.add_argument("--fault-requests", type=int, default=20, help="home screens per fault scenario")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    args = parser.parse_args(argv)
    if not 1 <= args.fuzz_examples <= 2_000 or not 1 <= args.kill_writes <= 100 or not 1 <= args.fault_requests <= 200:
        parser.error("fuzz-examples must be 1..2000, kill-writes 1..100 and fault-requests 1..200")
    workdir = Path(tempfile.mkdtemp(prefix="citizen-security-"))
    rows: list[Row] = []
    started = time.monotonic()
    try:
        with stack(workdir / "main", latency_ms=0) as st:
            with gateway(st, workers=1, fresh_seconds=0, label="security") as gw:
                client = GatewayClient(url=require_loopback(gw.url), idp=st.idp, simulators=st.sims.urls)
                try:
                    log("abuse queries")
                    rows.append(abuse_row(gw.url, client.token("citizen")))
                    log("authorisation matrix")
                    rows.append(matrix_row(client))
                    log("audited reads")
                    rows.append(audit_row(client))
                    log(f"fuzz ({args.fuzz_examples} queries)")
                    rows.append(fuzz_row(client, args.fuzz_examples))
                finally:
                    client.http.close()
            log("kills")
            rows.append(kill_row(st, args.kill_writes))
        # After the main stack is down: the fault stack starts simulators of its own.
        log("fault scenarios")
        rows.insert(4, fault_row(workdir / "faults", args.fault_requests))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    text = print_table(rows)
    print(f"total {time.monotonic() - started:.0f} s; {os.cpu_count()} CPUs")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "security-latest.txt").write_text(text, encoding="utf-8")
    return 0 if all(row.verdict != "FAIL" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
