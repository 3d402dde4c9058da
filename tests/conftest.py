"""Session fixtures: simulators, the dev identity provider and the gateway, all live on loopback."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from gateway.cli import migrate_database, seed_database
from gateway.dev_identity import DevIdentityProvider
from gateway.settings import REPO_ROOT, Settings
from tests.support.gateway import GatewayClient
from tests.support.real_services import drop_postgres_database, fresh_postgres_database, require_real_services
from tests.support.servers import ThreadedServer, listening_socket, simulators_process
from tests.support.webhook_relay import relay_app

# Short deadlines keep fault tests quick; the values are what production tunes per system.
TEST_SYSTEM_LIMITS = {
    "deadline_seconds": 1.5,
    "read_timeout_seconds": 1.0,
    "breaker_threshold": 4,
    "breaker_ttl_seconds": 2.0,
}


def write_systems_file(path: Path, urls: dict[str, str]) -> Path:
    source = (REPO_ROOT / "config" / "systems.toml").read_text(encoding="utf-8")
    extra = "\n".join(f"{key} = {value}" for key, value in TEST_SYSTEM_LIMITS.items())
    lines = []
    for line in source.splitlines():
        lines.append(line)
        if line.startswith("[systems."):
            lines.append(extra)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def webhook_targets() -> list[str]:
    """Gateways that want the simulators' webhooks; each gateway fixture registers itself."""
    return []


@pytest.fixture(scope="session")
def simulator_urls(webhook_targets: list[str]) -> Iterator[dict[str, str]]:
    with (
        ThreadedServer(relay_app(webhook_targets)) as relay,
        simulators_process(env={"SIMULATOR_WEBHOOK_URL": f"{relay.url}/webhooks/departments"}) as urls,
    ):
        yield urls


@pytest.fixture(scope="session")
def identity_provider() -> Iterator[DevIdentityProvider]:
    sock = listening_socket()
    provider = DevIdentityProvider.generate(f"http://127.0.0.1:{sock.getsockname()[1]}/dev-idp", "citizen-space")
    with ThreadedServer(provider.app(), sock=sock):
        yield provider


RUN_ID = uuid.uuid4().hex[:8]


@pytest.fixture(scope="session", params=["embedded", "real"])
def backend(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """The parts behind the gateway: the embedded default, or PostgreSQL + Redis + Elasticsearch.
    A run gets its own database, key prefix and index names, so runs never share state."""
    if request.param == "embedded":
        yield {}
        return
    real = require_real_services()
    name = f"citizen_run_{RUN_ID}"
    database_url = fresh_postgres_database(real["CITIZEN_DATABASE_URL"], name)
    yield {**real, "CITIZEN_DATABASE_URL": database_url, "CITIZEN_REDIS_PREFIX": f"cs-{RUN_ID}:"}
    drop_postgres_database(real["CITIZEN_DATABASE_URL"], name)


@pytest.fixture(scope="session")
def gateway_settings(
    tmp_path_factory: pytest.TempPathFactory,
    simulator_urls: dict[str, str],
    identity_provider: DevIdentityProvider,
    backend: dict[str, str],
) -> Settings:
    workdir = tmp_path_factory.mktemp("gateway")
    settings = Settings(
        env="test",
        database_url=backend.get("CITIZEN_DATABASE_URL", f"sqlite+aiosqlite:///{workdir / 'citizen.db'}"),
        redis_url=backend.get("CITIZEN_REDIS_URL"),
        redis_prefix=backend.get("CITIZEN_REDIS_PREFIX", "cs:"),
        elasticsearch_url=backend.get("CITIZEN_ELASTICSEARCH_URL"),
        search_index=f"citizen-test-{workdir.name}".lower(),
        outbox_lease_seconds=3.0,
        section_fresh_seconds=0,
        poll_interval_seconds=1.0,
        # The suite is one busy client on loopback; the limits themselves are tested in test_abuse.
        rate_limit_per_ip=1_000_000,
        rate_limit_per_caller=1_000_000,
        outbox_poll_seconds=0.2,
        oidc_issuer=identity_provider.issuer,
        oidc_jwks_url=f"{identity_provider.issuer}/jwks.json",
        systems_file=write_systems_file(workdir / "systems.toml", simulator_urls),
        system_urls=simulator_urls,
        demo_dir=workdir,
        log_level="WARNING",
    )
    migrate_database(settings)
    asyncio.run(seed_database(settings))
    return settings


@pytest.fixture(scope="session")
def gateway(
    gateway_settings: Settings,
    identity_provider: DevIdentityProvider,
    simulator_urls: dict[str, str],
    webhook_targets: list[str],
) -> Iterator[GatewayClient]:
    with ThreadedServer(create_app(gateway_settings)) as server:
        client = GatewayClient(url=server.url, idp=identity_provider, simulators=simulator_urls)
        webhook_targets.append(server.url)
        yield client
        webhook_targets.remove(server.url)
        client.http.close()


@pytest.fixture(scope="session")
def admin_http() -> Iterator[httpx.Client]:
    """One pooled client for the simulators' admin endpoints (a client per call costs ~0.2 s)."""
    with httpx.Client(timeout=5) as client:
        yield client


@pytest.fixture(autouse=True)
def _clear_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "simulator_urls" in request.fixturenames:
        urls: dict[str, str] = request.getfixturevalue("simulator_urls")
        client: httpx.Client = request.getfixturevalue("admin_http")
        for base in urls.values():
            client.delete(f"{base}/_admin/faults")


def pretty(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)
