"""SIGKILL the gateway in the middle of a stream of writes, restart, resubmit with the same keys:
nothing is lost and nothing reaches the department twice."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from gateway.dev_identity import DevIdentityProvider
from gateway.settings import Settings
from tests.support.servers import REPO, free_port

SUBMIT = """mutation($key: String!, $title: String!) {
  submitWorkOrder(kind: SUGGESTION, title: $title, content: "建议在社区增设便民服务点，方便老人办事。",
                  idempotencyKey: $key) { __typename ... on SubmissionAccepted { submission { id status } } } }"""


@contextmanager
def gateway_process(settings: Settings) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {
        **os.environ,
        "CITIZEN_ENV": "test",
        "CITIZEN_DATABASE_URL": settings.database_url,
        "CITIZEN_OIDC_ISSUER": settings.oidc_issuer,
        "CITIZEN_OIDC_JWKS_URL": settings.oidc_jwks_url,
        "CITIZEN_SYSTEMS_FILE": str(settings.systems_file),
        "CITIZEN_SYSTEM_URLS": json.dumps(settings.system_urls),
        "CITIZEN_OUTBOX_LEASE_SECONDS": "2",
        "CITIZEN_OUTBOX_POLL_SECONDS": "0.2",
        "CITIZEN_RATE_LIMIT_PER_IP": "1000000",
        "CITIZEN_LOG_LEVEL": "WARNING",
    }
    for name, value in (
        ("CITIZEN_REDIS_URL", settings.redis_url),
        ("CITIZEN_ELASTICSEARCH_URL", settings.elasticsearch_url),
    ):
        if value:
            env[name] = value
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "gateway.app:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    try:
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def _submit(url: str, token: str, key: str, title: str) -> str | None:
    try:
        response = httpx.post(
            f"{url}/graphql",
            json={"query": SUBMIT, "variables": {"key": key, "title": title}},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        return str(response.json()["data"]["submitWorkOrder"]["submission"]["id"])
    except (httpx.HTTPError, KeyError, TypeError, ValueError):
        return None  # the gateway died under this request: the client will resubmit


def _titles_at_department(gateway_settings: Settings, idp: DevIdentityProvider, url: str) -> list[str]:
    response = httpx.post(
        f"{url}/graphql",
        json={"query": "{ me { workOrders(first: 100) { edges { node { title } } } } }"},
        headers={"Authorization": f"Bearer {idp.mint_for('operator')}"},
        timeout=30,
    )
    return [e["node"]["title"] for e in response.json()["data"]["me"]["workOrders"]["edges"]]


def test_sigkill_mid_stream_loses_nothing_and_duplicates_nothing(
    gateway_settings: Settings, identity_provider: DevIdentityProvider
) -> None:
    rng = random.Random(20261123)
    run = uuid.uuid4().hex[:6]
    writes = [(f"kill-{run}-{i:02d}", f"便民服务点建议{run}{i:02d}") for i in range(12)]
    token = identity_provider.mint_for("operator")
    answered: dict[str, str | None] = {}
    for round_no in range(3):
        with gateway_process(gateway_settings) as (url, process):
            pending = [w for w in writes if answered.get(w[0]) is None]
            killer = threading.Timer(rng.uniform(0.05, 0.6), lambda p=process: p.send_signal(signal.SIGKILL))
            if round_no < 2:
                killer.start()
            for key, title in pending:
                answered[key] = _submit(url, token, key, title)
            killer.cancel()
    # A last, healthy instance: resubmit everything (replays return the first result) and let it deliver.
    with gateway_process(gateway_settings) as (url, _):
        for key, title in writes:
            assert _submit(url, token, key, title) is not None
        deadline = time.monotonic() + 120
        titles: list[str] = []
        while time.monotonic() < deadline:
            titles = _titles_at_department(gateway_settings, identity_provider, url)
            if all(title in titles for _, title in writes):
                break
            time.sleep(0.5)
        for _, title in writes:
            assert titles.count(title) == 1, (title, titles.count(title))
