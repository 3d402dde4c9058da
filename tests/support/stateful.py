"""Helpers for the stateful department systems (cases, work orders, ratings) in tests.

A connector client built from the real systems file but pointed at a live simulator, signed raw
calls for checking the simulators' own answers, and a webhook receiver that checks signatures.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from prometheus_client import CollectorRegistry
from purgatory import AsyncCircuitBreakerFactory
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connectors.base import CallContext, ConnectorMetrics, DepartmentClient
from connectors.config import load_systems
from gateway.settings import REPO_ROOT
from kit import signing
from simulators.registry import dev_secret

# One pooled client for every admin and raw call: a new httpx client per call costs tens of
# milliseconds (it builds an SSL context), which adds up over a suite.
HTTP = httpx.Client(timeout=10)
# Short limits, as tests/conftest.py uses for the gateway.
TEST_LIMITS = {"deadline_seconds": 1.5, "read_timeout_seconds": 1.0, "breaker_threshold": 4, "breaker_ttl_seconds": 2.0}


def department_client(system: str, url: str, *, secret: str | None = None, **overrides: Any) -> DepartmentClient:
    """A connector base for one system from config/systems.toml, aimed at a live simulator."""
    config = load_systems(REPO_ROOT / "config" / "systems.toml", {system: url})[system]
    config = config.model_copy(update={**TEST_LIMITS, **overrides})
    return DepartmentClient(
        config=config,
        secret=secret or dev_secret(system),
        client_system="citizen-space-tests",
        breakers=AsyncCircuitBreakerFactory(),
        metrics=ConnectorMetrics(CollectorRegistry()),
    )


def call_context(purpose: str = "SELF_SERVICE") -> CallContext:
    return CallContext(request_id=uuid.uuid4().hex, purpose=purpose, user_pseudonym="test-user")


def new_key() -> str:
    return uuid.uuid4().hex


def signed(
    method: str,
    base: str,
    path: str,
    system: str,
    *,
    auth: str = "hmac",
    json: Any = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """A raw call to a simulator's API, authenticated as the gateway would be."""
    body = orjson.dumps(json) if json is not None else b""
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    if auth == "hmac":
        all_headers.update(signing.sign(dev_secret(system), method, path, body, "citizen-space"))
    else:
        all_headers[signing.API_KEY_HEADER] = dev_secret(system)
    return HTTP.request(method, base + path, content=body or None, headers=all_headers)


def admin(base: str, path: str, json: Any = None) -> Any:
    response = HTTP.post(base + path, json=json) if json is not None else HTTP.get(base + path)
    response.raise_for_status()
    return response.json()


def admin_post(base: str, path: str, json: Any) -> httpx.Response:
    """An admin call whose refusal the test wants to look at."""
    return HTTP.post(base + path, json=json)


def requests_seen(base: str, route: str) -> int:
    """How many calls to `METHOD path` reached the simulator (counted before auth and faults)."""
    counts: dict[str, int] = admin(base, "/_admin/requests")["by_route"]
    return counts.get(route, 0)


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, interval: float = 0.05) -> bool:
    """Poll until the condition holds; the timeout only bounds a failing test, it asserts nothing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


@dataclass
class Delivery:
    body: bytes
    headers: httpx.Headers  # case-insensitive, as signing.verify expects
    verified: bool

    @property
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = orjson.loads(self.body)
        return data


@dataclass
class WebhookInbox:
    """The gateway's side of the webhooks, as small as it can be: check the signature, keep the body."""

    path: str = "/hooks/departments"
    url: str = ""  # set once the receiver listens
    deliveries: list[Delivery] = field(default_factory=list)
    fail_next: int = 0  # answer 503 to this many deliveries first (to see retries)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        async def receive(request: Request) -> Response:
            body = await request.body()
            headers = httpx.Headers(list(request.headers.items()))
            system = request.headers.get(signing.KEY_HEADER, "")
            reason = signing.verify(dev_secret(system), "POST", self.path, body, request.headers)
            with self.lock:
                self.deliveries.append(Delivery(body, headers, verified=reason is None))
                if self.fail_next > 0:
                    self.fail_next -= 1
                    return Response(status_code=503)
            return Response(status_code=204 if reason is None else 401)

        return Starlette(routes=[Route(self.path, receive, methods=["POST"])])

    def events(self, object_id: str) -> list[dict[str, Any]]:
        """Verified events about one object, each once (a retried delivery keeps its webhook id)."""
        with self.lock:
            deliveries = list(self.deliveries)
        unique: dict[str, dict[str, Any]] = {}
        for delivery in deliveries:
            if delivery.verified and delivery.payload["object_id"] == object_id:
                unique.setdefault(delivery.headers["x-webhook-id"], delivery.payload)
        return list(unique.values())

    def statuses(self, object_id: str) -> list[str]:
        return [event["status"] for event in self.events(object_id)]

    def for_object(self, object_id: str) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if d.payload.get("object_id") == object_id]
