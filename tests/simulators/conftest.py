"""A private run of the stateful simulators: clock stopped, webhooks aimed at a live receiver.

Separate from the session's shared simulators so these tests can drive objects step by step and
see every webhook without racing the clock or other tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.servers import ThreadedServer, simulators_process
from tests.support.stateful import HTTP, WebhookInbox

STATEFUL = ["cases", "workorders", "ratings"]


@pytest.fixture(scope="session")
def webhook_inbox() -> Iterator[WebhookInbox]:
    inbox = WebhookInbox()
    with ThreadedServer(inbox.app()) as server:
        inbox.url = server.url + inbox.path
        yield inbox


@pytest.fixture(scope="session")
def stateful_urls(webhook_inbox: WebhookInbox) -> Iterator[dict[str, str]]:
    env = {"SIMULATOR_WEBHOOK_URL": webhook_inbox.url, "SIMULATOR_CLOCK_SPEED": "0"}
    with simulators_process(only=STATEFUL, env=env) as urls:
        yield urls


@pytest.fixture(autouse=True)
def _reset_stateful(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "stateful_urls" in request.fixturenames:
        urls: dict[str, str] = request.getfixturevalue("stateful_urls")
        for base in urls.values():
            HTTP.delete(f"{base}/_admin/faults")
            HTTP.post(f"{base}/_admin/clock", json={"speed": 0})
