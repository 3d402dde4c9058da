"""Two stateless gateways on one PostgreSQL, Redis and Elasticsearch behave as one service:
live updates cross instances, rate limits are shared, each write is delivered once, and a
cache entry invalidated through one is not served stale by the other."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import pytest

from gateway.app import create_app
from gateway.cli import migrate_database, seed_database
from gateway.dev_identity import DevIdentityProvider
from gateway.settings import Settings
from tests.conftest import write_systems_file
from tests.support.gateway import GatewayClient, add_new_favourite
from tests.support.real_services import fresh_postgres_database, require_real_services
from tests.support.servers import ThreadedServer
from tests.support.subscriptions import Subscription

SUBMIT = """mutation($key: String!, $title: String!) {
  submitWorkOrder(kind: CONSULTATION, title: $title, content: "请问公积金租房提取每年可以提几次？",
                  idempotencyKey: $key) { __typename ... on SubmissionAccepted { submission { id } } } }"""
ORDERS = "{ me { workOrders(first: 100) { edges { node { title } } } } }"


@pytest.fixture(scope="module")
def pair(
    tmp_path_factory: pytest.TempPathFactory, identity_provider: DevIdentityProvider, simulator_urls: dict[str, str]
) -> Iterator[tuple[GatewayClient, GatewayClient]]:
    real = require_real_services()
    name = f"citizen_pair_{uuid.uuid4().hex[:8]}"
    database_url = fresh_postgres_database(real["CITIZEN_DATABASE_URL"], name)
    workdir = tmp_path_factory.mktemp("pair")
    settings = Settings(
        env="test",
        database_url=database_url,
        redis_url=real["CITIZEN_REDIS_URL"].rsplit("/", 1)[0] + "/1",
        # A prefix of its own: another run on this machine shares the Redis database.
        redis_prefix=f"cs-{name}:",
        elasticsearch_url=real["CITIZEN_ELASTICSEARCH_URL"],
        search_index=f"citizen-pair-{uuid.uuid4().hex[:8]}",
        oidc_issuer=identity_provider.issuer,
        oidc_jwks_url=f"{identity_provider.issuer}/jwks.json",
        systems_file=write_systems_file(workdir / "systems.toml", simulator_urls),
        system_urls=simulator_urls,
        demo_dir=workdir,
        log_level="WARNING",
        outbox_lease_seconds=3.0,
        outbox_poll_seconds=0.2,
        section_fresh_seconds=300,
        rate_limit_per_caller=12,
        rate_limit_per_ip=1_000_000,
    )
    migrate_database(settings)
    asyncio.run(seed_database(settings))
    with ThreadedServer(create_app(settings)) as a, ThreadedServer(create_app(settings)) as b:
        yield (
            GatewayClient(url=a.url, idp=identity_provider, simulators=simulator_urls),
            GatewayClient(url=b.url, idp=identity_provider, simulators=simulator_urls),
        )


def _titles(client: GatewayClient, user: str) -> list[str]:
    body = client.graphql(ORDERS, as_user=user)
    return [e["node"]["title"] for e in body["data"]["me"]["workOrders"]["edges"]]


def test_update_published_through_a_reaches_a_subscriber_on_b(pair: tuple[GatewayClient, GatewayClient]) -> None:
    a, b = pair
    subscription = Subscription(b.url, b.token("citizen2"), "subscription { myUpdates { type objectId } }")
    try:
        time.sleep(0.5)
        accepted = a.graphql(SUBMIT, {"key": f"pair-{uuid.uuid4().hex}", "title": "跨实例推送"}, as_user="citizen2")
        submission_id = accepted["data"]["submitWorkOrder"]["submission"]["id"]
        update = subscription.next()["payload"]["data"]["myUpdates"]
        assert update == {"type": "SUBMISSION_DELIVERED", "objectId": submission_id}
    finally:
        subscription.close()


def test_rate_limit_is_shared(pair: tuple[GatewayClient, GatewayClient]) -> None:
    a, b = pair
    token = a.token("clerk")
    statuses = []
    for i in range(16):
        client = a if i % 2 == 0 else b
        response = client.http.post(
            f"{client.url}/graphql", json={"query": "{ __typename }"}, headers={"Authorization": f"Bearer {token}"}
        )
        statuses.append(response.status_code)
    assert statuses.count(200) == 12
    assert statuses[12:] == [429] * 4


def test_two_workers_deliver_each_write_once_and_caches_agree(pair: tuple[GatewayClient, GatewayClient]) -> None:
    a, b = pair
    before = _titles(b, "elder")  # cached on the shared cache for 300 s
    run = uuid.uuid4().hex[:6]
    titles = [f"并发送达{run}{i}" for i in range(8)]
    for i, title in enumerate(titles):
        client = a if i % 2 == 0 else b
        client.graphql(SUBMIT, {"key": f"pair-{run}-{i}", "title": title}, as_user="elder")
    deadline = time.monotonic() + 60
    seen: list[str] = []
    while time.monotonic() < deadline:
        # Each delivery invalidates the section in the shared cache, so B never serves `before`.
        seen = _titles(b, "elder")
        if all(t in seen for t in titles):
            break
        time.sleep(0.3)
    for title in titles:
        assert seen.count(title) == 1, title
    assert len(seen) == len(before) + len(titles)


def test_a_write_through_a_is_in_the_next_answer_from_b(pair: tuple[GatewayClient, GatewayClient]) -> None:
    """B keeps whole answers in the shared cache; a write on A must orphan them at once."""
    a, b = pair
    home = "{ me { profile { name } favourites(first: 50) { edges { node { itemCode } } } } }"
    first = b.graphql(home, as_user="citizen2")
    assert b.graphql(home, as_user="citizen2") == first  # kept, then reused
    code = add_new_favourite(a, "citizen2", "SB")
    after = b.graphql(home, as_user="citizen2")["data"]["me"]["favourites"]["edges"]
    assert code in [e["node"]["itemCode"] for e in after]


def test_a_write_through_a_is_in_b_s_next_read_of_owned_rows(pair: tuple[GatewayClient, GatewayClient]) -> None:
    """Each instance keeps a person's rows in its own memory, under the generation in Redis."""
    a, b = pair
    query = "{ me { favourites(first: 100) { edges { node { itemCode } } } } }"
    fresh = {"Cache-Control": "no-cache"}  # past the whole-answer cache, to the owned rows
    b.graphql(query, as_user="citizen2", headers=fresh)
    code = add_new_favourite(a, "citizen2", "GA")
    after = b.graphql(query, as_user="citizen2", headers=fresh)["data"]["me"]["favourites"]["edges"]
    assert code in [e["node"]["itemCode"] for e in after]


def test_a_breaker_opened_through_a_is_open_on_b(pair: tuple[GatewayClient, GatewayClient]) -> None:
    a, b = pair
    a.faults("licences", error_rate=1.0)
    try:
        for user in ("citizen", "citizen2", "elder", "staff", "agent", "clerk"):
            a.graphql("{ me { licences { totalCount } } }", as_user=user)
        state = b.http.get(f"{b.url}/readyz").json()["departments"]["licences"]["state"]
        assert state == "down"
        body = b.graphql("{ me { licences { totalCount } } }", as_user="operator")
        assert body["errors"][0]["extensions"]["code"] == "DEPARTMENT_UNAVAILABLE"
    finally:
        a.faults("licences")
