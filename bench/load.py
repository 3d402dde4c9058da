"""The load generator: N asyncio clients on one httpx pool, bounded in time and in requests.

Each client sends one request, waits for the answer, and sends the next (closed loop), so
"50 concurrent clients" means 50 requests in flight at most. Latency is measured per request
on the client; errors are non-200 answers, transport failures and GraphQL `errors`.
"""

from __future__ import annotations

import asyncio
import itertools
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from bench.processes import require_loopback
from connectors.transport import department_transport

# A request to send: JSON body and headers (the request id carries the scenario's tag).
RequestFactory = Callable[[int], tuple[dict[str, Any], dict[str, str]]]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values (q in 0..100)."""
    if not values:
        return float("nan")
    rank = max(0, min(len(values) - 1, round(q / 100 * len(values) + 0.5) - 1))
    return values[rank]


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    # Answers that carry a department's 404 as a GraphQL error (the peer's way of saying "this
    # person has no such record"; ours answers an empty section): not failures.
    not_found: int = 0
    error_samples: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    response_bytes: int = 0
    client_cpu_s: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s else 0.0

    def p(self, q: float) -> float:
        return percentile(sorted(self.latencies_ms), q)

    @property
    def mean_bytes(self) -> float:
        return self.response_bytes / self.requests if self.requests else 0.0

    def note_error(self, reason: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 3 and reason not in self.error_samples:
            self.error_samples.append(reason[:300])


def graphql_error(body: bytes) -> str | None:
    """The first GraphQL error of an answer, or None when it has none."""
    if b'"errors"' not in body:
        return None
    try:
        errors = orjson.loads(body).get("errors")
    except orjson.JSONDecodeError:
        return "answer is not JSON"
    if not errors:
        return None
    first = errors[0]
    code = (first.get("extensions") or {}).get("code", "")
    return f"{code} {first.get('message', '')}".strip()


async def run_load(
    url: str,
    make_request: RequestFactory,
    *,
    concurrency: int,
    duration_s: float,
    max_requests: int,
    timeout_s: float = 30.0,
) -> LoadResult:
    """Send requests from `concurrency` clients until `duration_s` passes or `max_requests` were sent."""
    require_loopback(url)
    result = LoadResult()
    counter = itertools.count()
    # The load generator shares the machine with what it measures: aiohttp's pool costs it a
    # fraction of httpcore's CPU per request (see connectors/transport.py).
    async with httpx.AsyncClient(timeout=timeout_s, transport=department_transport(concurrency)) as client:
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        deadline = started + duration_s

        async def one_client() -> None:
            while time.perf_counter() < deadline:
                n = next(counter)
                if n >= max_requests:
                    return
                body, headers = make_request(n)
                sent = time.perf_counter()
                try:
                    response = await client.post(url, content=orjson.dumps(body), headers=headers)
                except httpx.HTTPError as exc:
                    result.latencies_ms.append((time.perf_counter() - sent) * 1000)
                    result.note_error(type(exc).__name__)
                    continue
                result.latencies_ms.append((time.perf_counter() - sent) * 1000)
                result.response_bytes += len(response.content)
                if response.status_code != 200:
                    result.note_error(f"HTTP {response.status_code}: {response.text[:160]}")
                    continue
                error = graphql_error(response.content)
                if error and "HTTP Error: 404" in error:
                    result.not_found += 1
                elif error:
                    result.note_error(error)

        await asyncio.gather(*(one_client() for _ in range(concurrency)))
        result.elapsed_s = time.perf_counter() - started
        result.client_cpu_s = _cpu_seconds() - cpu_before
    return result


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def graphql_headers(token: str | None, request_id: str) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "X-Request-Id": request_id}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers
