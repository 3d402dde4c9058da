"""Whole answers about a person's own space are reused while true: never across people, never
after a change of theirs, never when a section failed, and always audited as a read."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.app import create_app
from gateway.settings import Settings
from tests.support.gateway import GatewayClient, add_new_favourite
from tests.support.servers import ThreadedServer

AUDIT = """query($since: DateTime!, $until: DateTime!) {
  auditLog(since: $since, until: $until) { requestId sections } }"""


@pytest.fixture(scope="module")
def caching(gateway: GatewayClient, gateway_settings: Settings, webhook_targets: list[str]) -> Iterator[GatewayClient]:
    """An instance beside the suite's gateway, on the same backend, whose sections stay fresh for
    a while (the suite's never do, so the suite's own answers are never kept)."""
    settings = gateway_settings.model_copy(update={"section_fresh_seconds": 30.0})
    with ThreadedServer(create_app(settings)) as server:
        client = GatewayClient(url=server.url, idp=gateway.idp, simulators=gateway.simulators)
        webhook_targets.append(server.url)
        yield client
        webhook_targets.remove(server.url)
        client.http.close()


def outcomes(client: GatewayClient) -> dict[str, float]:
    text = client.http.get(f"{client.url}/metrics").text
    return {m[0]: float(m[1]) for m in re.findall(r'^response_cache_total\{outcome="(\w+)"\} (\S+)$', text, re.M)}


def grew(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {
        k: after.get(k, 0) - before.get(k, 0) for k in set(before) | set(after) if after.get(k, 0) != before.get(k, 0)
    }


def home(tag: str) -> str:
    """A query of its own (the tag is an alias), so no other test's answer is reused here."""
    return f"""query {{ me {{ {tag}: profile {{ name }}
      cases(first: 5) {{ totalCount edges {{ node {{ caseId status }} }} }}
      favourites(first: 50) {{ edges {{ node {{ itemCode }} }} }} notifications(first: 3) {{ totalCount }} }} }}"""


def ask(client: GatewayClient, query: str, user: str, **headers: str) -> dict[str, Any]:
    body = client.graphql(query, as_user=user, headers=headers)
    assert "errors" not in body, body
    return body["data"]


def tag() -> str:
    return f"t{uuid.uuid4().hex[:8]}"


def test_a_repeated_home_screen_is_reused_and_still_audited(caching: GatewayClient) -> None:
    query = home(tag())
    start = datetime.now(UTC) - timedelta(seconds=1)
    before = outcomes(caching)
    first = ask(caching, query, "citizen2")
    again = ask(caching, query, "citizen2")
    assert again == first
    assert grew(before, outcomes(caching)) == {"kept": 1, "hit": 1}
    window = {"since": start.isoformat(), "until": (datetime.now(UTC) + timedelta(seconds=5)).isoformat()}
    log = caching.graphql(AUDIT, window, as_user="operator")["data"]["auditLog"]
    reads = [e for e in log if {"profile", "cases"} <= set(e["sections"])]
    assert len({e["requestId"] for e in reads}) >= 2, log


def test_answers_are_never_shared_between_people_or_modes(caching: GatewayClient) -> None:
    query = home(tag())
    mine = ask(caching, query, "citizen2")
    theirs = ask(caching, query, "elder")
    assert mine["me"]["cases"] != theirs["me"]["cases"]
    before = outcomes(caching)
    elder_mode = ask(caching, query, "citizen2", **{"X-Client-Mode": "elder"})
    assert grew(before, outcomes(caching)) == {"kept": 1}
    assert elder_mode["me"]["cases"]["edges"], elder_mode


def test_a_write_is_seen_by_the_next_read(caching: GatewayClient) -> None:
    query = home(tag())
    ask(caching, query, "citizen2")
    code = add_new_favourite(caching, "citizen2", "GJJ")
    before = outcomes(caching)
    after = ask(caching, query, "citizen2")
    assert code in [e["node"]["itemCode"] for e in after["me"]["favourites"]["edges"]]
    assert "hit" not in grew(before, outcomes(caching))


def test_a_department_change_is_seen_by_the_next_read(caching: GatewayClient) -> None:
    # Other tests move the running cases of citizen and elder on: take someone they leave alone.
    query = home(tag()).replace("cases(first: 5)", "cases(first: 50)")
    user, running = next(
        (user, e["node"])
        for user in ("legal-rep", "staff", "citizen2")
        for e in ask(caching, query, user)["me"]["cases"]["edges"]
        if e["node"]["status"] in ("受理", "审查")
    )
    ask(caching, query, user)  # kept and reused: the change below must still get through
    advance = {"id": running["caseId"], "steps": 1}
    response = caching.http.post(f"{caching.simulators['cases']}/_admin/advance", json=advance)
    assert response.status_code == 200, response.text
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the department's call back arrives on its own time
        now = ask(caching, query, user)["me"]["cases"]["edges"]
        status = next(e["node"]["status"] for e in now if e["node"]["caseId"] == running["caseId"])
        if status != running["status"]:
            return
        time.sleep(0.2)
    raise AssertionError(f"case {running['caseId']} still {running['status']} after the department moved it")


def test_pull_to_refresh_builds_afresh(caching: GatewayClient) -> None:
    query = home(tag())
    ask(caching, query, "citizen2")
    before = outcomes(caching)
    ask(caching, query, "citizen2", **{"Cache-Control": "no-cache"})
    assert grew(before, outcomes(caching)) == {"kept": 1}


def test_a_failed_section_is_not_kept(caching: GatewayClient) -> None:
    query = f"query {{ me {{ {tag()}: workOrders {{ totalCount }} }} }}"
    caching.faults("workorders", error_rate=1.0)
    caching.graphql(
        'mutation { updatePreferences(idempotencyKey: "rc-refresh-' + uuid.uuid4().hex + '") { __typename } }',
        as_user="legal-rep",
    )
    before = outcomes(caching)
    body = caching.graphql(query, as_user="legal-rep", headers={"Cache-Control": "no-cache"})
    assert body["data"]["me"] is not None
    # Served stale from the section cache, or failed outright: either way not worth keeping.
    assert grew(before, outcomes(caching)) == {"not_kept": 1}, body


def test_the_access_log_and_other_roots_are_built_every_time(caching: GatewayClient) -> None:
    before = outcomes(caching)
    log = "{ me { dataAccessLog(first: 1) { totalCount } } }"
    counts = []
    for _ in range(2):
        counts.append(ask(caching, log, "citizen2")["me"]["dataAccessLog"]["totalCount"])
        ask(caching, '{ me { profile { name } } search(query: "社保") { totalCount } }', "citizen2")
    assert counts[1] > counts[0]
    assert grew(before, outcomes(caching)) == {}
