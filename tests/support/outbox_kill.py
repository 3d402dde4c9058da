"""SIGKILL a gateway process in the middle of a stream of writes, restart it, resubmit with the
same keys, and count what reached the department: shared by tests/gateway/test_outbox_kill.py and
bench/security_report.py."""

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
from dataclasses import dataclass, field

import httpx

from gateway.dev_identity import DevIdentityProvider
from gateway.settings import Settings
from tests.support.servers import REPO, free_port

SUBMIT = """mutation($key: String!, $title: String!) {
  submitWorkOrder(kind: SUGGESTION, title: $title, content: "建议在社区增设便民服务点，方便老人办事。",
                  idempotencyKey: $key) { __typename ... on SubmissionAccepted { submission { id status } } } }"""


@dataclass
class KillResult:
    kills: int
    writes: int
    lost: list[str] = field(default_factory=list)  # titles never delivered
    duplicated: list[str] = field(default_factory=list)  # titles delivered more than once
    unanswered: list[str] = field(default_factory=list)  # keys a healthy instance did not answer


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


def submit(url: str, token: str, key: str, title: str) -> str | None:
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


def titles_at_department(idp: DevIdentityProvider, url: str) -> list[str]:
    response = httpx.post(
        f"{url}/graphql",
        json={"query": "{ me { workOrders(first: 100) { edges { node { title } } } } }"},
        headers={"Authorization": f"Bearer {idp.mint_for('operator')}"},
        timeout=30,
    )
    return [e["node"]["title"] for e in response.json()["data"]["me"]["workOrders"]["edges"]]


def kill_mid_stream(
    settings: Settings,
    idp: DevIdentityProvider,
    *,
    writes: int = 12,
    rounds: int = 3,
    seed: int = 20261123,
    deliver_timeout_s: float = 120,
) -> KillResult:
    """`rounds - 1` instances killed at a random moment of the stream, then a healthy one that
    gets every write again (replays return the first result) and delivers what is left."""
    rng = random.Random(seed)
    run = uuid.uuid4().hex[:6]
    stream = [(f"kill-{run}-{i:02d}", f"便民服务点建议{run}{i:02d}") for i in range(writes)]
    token = idp.mint_for("operator")
    answered: dict[str, str | None] = {}
    kills = 0
    for round_no in range(rounds):
        with gateway_process(settings) as (url, process):
            pending = [w for w in stream if answered.get(w[0]) is None]
            fired = threading.Event()

            def kill(target: subprocess.Popen[bytes] = process, fired: threading.Event = fired) -> None:
                target.send_signal(signal.SIGKILL)
                fired.set()

            killer = threading.Timer(rng.uniform(0.05, 0.6), kill)
            if round_no < rounds - 1:
                killer.start()
            for key, title in pending:
                answered[key] = submit(url, token, key, title)
            killer.cancel()
            if killer.is_alive():
                killer.join()
            if fired.is_set():
                kills += process.wait(timeout=10) == -signal.SIGKILL
    result = KillResult(kills=kills, writes=writes)
    with gateway_process(settings) as (url, _):
        result.unanswered = [key for key, title in stream if submit(url, token, key, title) is None]
        deadline = time.monotonic() + deliver_timeout_s
        titles: list[str] = []
        while time.monotonic() < deadline:
            titles = titles_at_department(idp, url)
            if all(title in titles for _, title in stream):
                break
            time.sleep(0.5)
    result.lost = [title for _, title in stream if titles.count(title) == 0]
    result.duplicated = [title for _, title in stream if titles.count(title) > 1]
    return result
