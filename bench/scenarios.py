"""Scenarios: who asks what, and how a result row is measured (client and server side)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.load import LoadResult, RequestFactory, graphql_headers, percentile, run_load
from bench.queries import ASK_QUESTIONS, SEARCH_QUERIES, ask_query, search_query
from gateway.dev_identity import DevIdentityProvider
from simulators.common.population import population


@dataclass(frozen=True)
class BenchPerson:
    id_number: str
    token: str


def bench_people(idp: DevIdentityProvider, count: int) -> list[BenchPerson]:
    """The demo citizen and generated residents (each client is a different person, as in life).

    Their first request provisions their account from the real-name claims, like a first login.
    """
    demo = population().demo_people["citizen"]
    result = [BenchPerson(demo.id_number, idp.mint_for("citizen"))]
    for person in [p for p in population().people if p.username is None][: max(0, count - 1)]:
        subject = "bench-" + hashlib.sha256(person.id_number.encode()).hexdigest()[:20]
        token = idp.mint(
            {
                "sub": subject,
                "role": "citizen",
                "name": person.name,
                "id_number": person.id_number,
                "phone_number": person.phone,
                "preferred_username": subject,
                "acr": "real-name-l2",
            }
        )
        result.append(BenchPerson(person.id_number, token))
    return result


def as_person(
    people: list[BenchPerson], tag: str, body_for: Callable[[int, BenchPerson], dict[str, Any]]
) -> RequestFactory:
    def make(n: int) -> tuple[dict[str, Any], dict[str, str]]:
        person = people[n % len(people)]
        return body_for(n, person), graphql_headers(person.token, f"bench-{tag}-{n:010d}")

    return make


def me_requests(people: list[BenchPerson], tag: str, query: str) -> RequestFactory:
    return as_person(people, tag, lambda _n, _p: {"query": query})


def search_requests(people: list[BenchPerson], tag: str) -> RequestFactory:
    return as_person(people, tag, lambda n, _p: search_query(SEARCH_QUERIES[n % len(SEARCH_QUERIES)]))


def ask_requests(people: list[BenchPerson], tag: str) -> RequestFactory:
    return as_person(people, tag, lambda n, _p: ask_query(ASK_QUESTIONS[n % len(ASK_QUESTIONS)]))


def mixed_requests(people: list[BenchPerson], tag: str, me: str) -> RequestFactory:
    """The soak: mostly home screens, some searches and questions."""
    factories = [me_requests(people, tag, me)] * 3 + [search_requests(people, tag), ask_requests(people, tag)]

    def make(n: int) -> tuple[dict[str, Any], dict[str, str]]:
        return factories[n % len(factories)](n)

    return make


class ServerLog:
    """Server-side latency per request, from the gateway's JSON request log (`ms`, measured by
    its outermost middleware), found by the scenario tag in the request id the bench sent."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def mark(self) -> None:
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def latencies_ms(self, tag: str) -> list[float]:
        prefix = f"bench-{tag}-"
        found = []
        with self.path.open("rb") as log:
            log.seek(self.offset)
            for line in log:
                if b'"msg":"request"' not in line:
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if str(entry.get("request_id", "")).startswith(prefix) and "ms" in entry:
                    found.append(float(entry["ms"]))
        return sorted(found)


@dataclass
class Row:
    scenario: str
    side: str  # ours | peer
    workers: int
    clients: int
    result: LoadResult | None = None
    server_ms: list[float] = field(default_factory=list)
    note: str = ""
    # CPU time per request of the gateway's processes and of the simulators' process: unlike
    # rates and latencies, these hold when other work shares the machine.
    server_cpu_ms: float = 0.0
    sims_cpu_ms: float = 0.0

    @property
    def server_p50(self) -> float | None:
        return percentile(self.server_ms, 50) if self.server_ms else None


def merged(rounds: list[Row]) -> Row:
    """Rounds of one scenario as one row: requests, latencies, time and CPU added up."""
    first = rounds[0]
    total = LoadResult()
    server_cpu = sims_cpu = 0.0
    server_ms: list[float] = []
    for row in rounds:
        result = row.result
        if result is None:
            continue
        total.latencies_ms += result.latencies_ms
        total.errors += result.errors
        total.not_found += result.not_found
        total.error_samples = (total.error_samples + result.error_samples)[:3]
        total.elapsed_s += result.elapsed_s
        total.response_bytes += result.response_bytes
        total.client_cpu_s += result.client_cpu_s
        server_cpu += row.server_cpu_ms * result.requests
        sims_cpu += row.sims_cpu_ms * result.requests
        server_ms += row.server_ms
    requests = total.requests or 1
    return Row(
        first.scenario,
        first.side,
        first.workers,
        first.clients,
        result=total,
        server_ms=sorted(server_ms),
        note=first.note,
        server_cpu_ms=server_cpu / requests,
        sims_cpu_ms=sims_cpu / requests,
    )


async def measure(
    url: str,
    factory: RequestFactory,
    *,
    clients: int,
    duration_s: float,
    max_requests: int,
) -> LoadResult:
    return await run_load(
        f"{url}/graphql", factory, concurrency=clients, duration_s=duration_s, max_requests=max_requests
    )
