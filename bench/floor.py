"""The physical limit of a fan-out: the slowest department read, called directly.

Each GET route our `me` query used is called on its own, one at a time, with the person's
identifiers, so the figure is the department's own latency (the injected delay plus the
simulator's work and loopback), with nothing of ours in between.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import httpx

from bench.load import percentile
from bench.peer import PERSON_PARAMS, TYPE_PARAMS
from bench.processes import require_loopback


@dataclass(frozen=True)
class RouteLatency:
    system: str
    route: str
    p50_ms: float


def _parameters(document: dict[str, object], path: str) -> list[str] | None:
    """Query parameter names of the GET operation whose template matches `path`."""
    paths = document.get("paths")
    assert isinstance(paths, dict)
    for template, operations in paths.items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if "{" not in template and re.match(pattern, path) and "get" in operations:
            return [p["name"] for p in operations["get"].get("parameters", []) if p.get("in") == "query"]
    return None


def slowest_route(
    urls: dict[str, str], routes: dict[str, dict[str, int]], id_number: str, samples: int = 15
) -> list[RouteLatency]:
    """Direct p50 per GET route (slowest first); routes with ids in the path are left out."""
    measured = []
    with httpx.Client(timeout=10) as client:
        for system, hits in routes.items():
            base = require_loopback(urls[system])
            document = client.get(f"{base}/openapi.json").json()
            for route in hits:
                method, path = route.split(" ", 1)
                names = _parameters(document, path) if method == "GET" else None
                if names is None:
                    continue
                params = {n: id_number for n in names if n in PERSON_PARAMS}
                params |= {n: "111" for n in names if n in TYPE_PARAMS}
                headers = {"X-Api-Key": f"dev-secret-{system}"}
                client.get(f"{base}{path}", params=params, headers=headers)  # warm the connection
                latencies = []
                for _ in range(samples):
                    started = time.perf_counter()
                    client.get(f"{base}{path}", params=params, headers=headers).raise_for_status()
                    latencies.append((time.perf_counter() - started) * 1000)
                measured.append(RouteLatency(system, route, percentile(sorted(latencies), 50)))
    return sorted(measured, key=lambda r: r.p50_ms, reverse=True)
