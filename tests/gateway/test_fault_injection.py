"""One department system behind the fault proxy: latency, a hang, resets and a trickling body.

The home screen still arrives within the deadline with every other section whole; the faulted
section is null with an error that names the department; after `breaker_threshold` failures the
gateway stops calling the system, and once the fault is gone and the breaker's TTL has passed
the section comes back.

Each request is made for a fresh login of the same person (a new account, so a section never
read before): the section cache cannot step in with a last good copy, except in the one test
that is about exactly that.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bench.queries import HOME_SCREEN_FIRST, current_schema, me_query
from gateway.app import create_app
from gateway.cli import migrate_database, seed_database
from gateway.dev_identity import DevIdentityProvider
from gateway.settings import Settings
from simulators.fault_proxy import FaultProxy
from tests.conftest import TEST_SYSTEM_LIMITS, write_systems_file
from tests.support.gateway import newcomer_token
from tests.support.servers import ThreadedServer

FAULTED = "bills"  # one call per home screen, so the breaker counts one failure per request
DEPARTMENT = "供水供电燃气企业"
DEADLINE_SECONDS = TEST_SYSTEM_LIMITS["deadline_seconds"]
BREAKER_THRESHOLD = int(TEST_SYSTEM_LIMITS["breaker_threshold"])
BREAKER_TTL_SECONDS = TEST_SYSTEM_LIMITS["breaker_ttl_seconds"]
# The gateway answers only once every section is done, so the client's read timeout bounds the
# whole request: the deadline plus room for the rest of the work on a busy two-core machine.
# A gateway that waited for the faulted system would blow it.
CLIENT_TIMEOUT_SECONDS = DEADLINE_SECONDS + 2.5
PERSON = 5  # a person of the simulated population with bills, cases, licences and records

FAULTS: dict[str, tuple[Callable[[FaultProxy], None], str]] = {
    # Each chunk waits longer than the client will: nothing gets through in time.
    "latency": (lambda proxy: proxy.latency((CLIENT_TIMEOUT_SECONDS + 1) * 1000), "DEPARTMENT_TIMEOUT"),
    "hang": (FaultProxy.hang, "DEPARTMENT_TIMEOUT"),
    "reset": (FaultProxy.reset, "DEPARTMENT_UNAVAILABLE"),
    # A 10-byte piece every 0.1 s never trips the read timeout; only the total deadline stops it.
    "slow_body": (lambda proxy: proxy.slow_body(100), "DEPARTMENT_TIMEOUT"),
}


@dataclass
class FaultedGateway:
    url: str
    idp: DevIdentityProvider
    proxy: FaultProxy
    http: httpx.Client
    query: str
    sections: list[str]
    baseline: dict[str, Any]

    def home(self, token: str | None = None) -> dict[str, Any]:
        """The home screen for a fresh login of PERSON (or for `token`), bounded in time."""
        bearer = token or newcomer_token(self.idp, PERSON)
        response = self.http.post(
            f"{self.url}/graphql",
            json={"query": self.query},
            headers={"Authorization": f"Bearer {bearer}"},
            timeout=CLIENT_TIMEOUT_SECONDS,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture(scope="module")
def faulted(
    gateway_settings: Settings,
    identity_provider: DevIdentityProvider,
    simulator_urls: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[FaultedGateway]:
    workdir = tmp_path_factory.mktemp("faults")
    with FaultProxy.for_url(simulator_urls[FAULTED]) as proxy:
        urls = {**simulator_urls, FAULTED: proxy.url}
        settings = Settings(
            **{
                **gateway_settings.model_dump(),
                "database_url": f"sqlite+aiosqlite:///{workdir / 'faults.db'}",
                # Our own breakers and section cache, never the session gateway's.
                "redis_prefix": f"{gateway_settings.redis_prefix}faults:",
                "systems_file": write_systems_file(workdir / "systems.toml", urls),
                "system_urls": urls,
                "section_fresh_seconds": 0,
                "outbox_worker": False,
                "demo_dir": workdir,
            }
        )
        migrate_database(settings)
        asyncio.run(seed_database(settings))
        query, sections = me_query(current_schema())
        with ThreadedServer(create_app(settings)) as server, httpx.Client() as http:
            gateway = FaultedGateway(server.url, identity_provider, proxy, http, query, sections, {})
            baseline = gateway.home()
            assert "errors" not in baseline, baseline["errors"]
            gateway.baseline = baseline["data"]["me"]
            assert gateway.baseline[FAULTED]["totalCount"] > 0
            yield gateway


def _signature(value: Any) -> Any:
    """What a lost or cut-short section changes and the simulated clock does not: which fields
    are null, how long lists are, and whether a page is there and full."""
    if value is None:
        return None
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict):
        if "edges" in value:
            total = value.get("totalCount", len(value["edges"]))
            return "page", bool(value["edges"]), len(value["edges"]) == min(HOME_SCREEN_FIRST, total)
        return {key: _signature(item) for key, item in value.items()}
    return True


def _assert_isolated(faulted: FaultedGateway, body: dict[str, Any], code: str) -> dict[str, Any]:
    """The faulted section is null with a retryable error naming its department; every other
    section is there, whole, with no error of its own. Returns the faulted section's error."""
    me = body["data"]["me"]
    assert me[FAULTED] is None
    errors = body.get("errors", [])
    assert [e["path"] for e in errors] == [["me", FAULTED]], errors
    extensions = errors[0]["extensions"]
    assert extensions["code"] == code, errors
    assert extensions["department"] == DEPARTMENT
    assert extensions["retryable"] is True
    for section in faulted.sections:
        if section != FAULTED:
            assert me[section] is not None, section
            assert _signature(me[section]) == _signature(faulted.baseline[section]), section
    return dict(extensions)


def _wait_for_recovery(faulted: FaultedGateway) -> dict[str, Any]:
    """Home screens until the faulted section is back: the breaker lets a probe through once
    its TTL has passed, and the probe finds the system well."""
    give_up = time.monotonic() + BREAKER_TTL_SECONDS + 15
    while time.monotonic() < give_up:
        me = faulted.home()["data"]["me"]
        if me[FAULTED] is not None:
            return dict(me)
        time.sleep(0.2)
    raise AssertionError(f"{FAULTED} did not come back")


@pytest.mark.parametrize("fault", list(FAULTS))
def test_one_system_failing_costs_only_its_section_and_the_breaker_recovers(
    faulted: FaultedGateway, fault: str
) -> None:
    inject, code = FAULTS[fault]
    proxy = faulted.proxy
    inject(proxy)
    try:
        reached_system = []
        for attempt in range(BREAKER_THRESHOLD + 1):
            before = proxy.stats()
            body = faulted.home()
            after = proxy.stats()
            reached_system.append(after.total_connections > before.total_connections)
            # Before the breaker opens the department's own failure shows; after, a fast refusal.
            _assert_isolated(faulted, body, code if attempt < BREAKER_THRESHOLD else "DEPARTMENT_UNAVAILABLE")
        assert any(reached_system[:BREAKER_THRESHOLD]), "the fault was never exercised"
        # The breaker is open: requests still come, the system is no longer called.
        assert reached_system[BREAKER_THRESHOLD] is False
        assert proxy.stats().connections.get(fault, 0) > 0
    finally:
        proxy.clear()
    before = proxy.stats()
    me = _wait_for_recovery(faulted)
    after = proxy.stats()
    # The section came back through the proxy, from the system itself.
    assert after.bytes_to_client.get("none", 0) > before.bytes_to_client.get("none", 0)
    assert _signature(me[FAULTED]) == _signature(faulted.baseline[FAULTED])
    assert me[FAULTED]["totalCount"] == faulted.baseline[FAULTED]["totalCount"]
    assert all(not e["node"]["source"]["stale"] for e in me[FAULTED]["edges"])
    # Closed again: the next home screen is whole.
    assert "errors" not in faulted.home()


def test_a_section_read_before_falls_back_to_its_last_good_copy(faulted: FaultedGateway) -> None:
    token = newcomer_token(faulted.idp, PERSON)
    fresh = faulted.home(token)["data"]["me"][FAULTED]
    faulted.proxy.reset()
    try:
        body = faulted.home(token)
    finally:
        faulted.proxy.clear()
        _wait_for_recovery(faulted)  # a good call resets the breaker's count for the other tests
    served = body["data"]["me"][FAULTED]
    assert "errors" not in body
    assert served["totalCount"] == fresh["totalCount"]
    assert [e["node"]["billId"] for e in served["edges"]] == [e["node"]["billId"] for e in fresh["edges"]]
    assert all(e["node"]["source"]["stale"] for e in served["edges"])
    assert not any(e["node"]["source"]["stale"] for e in fresh["edges"])
