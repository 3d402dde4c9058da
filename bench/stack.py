"""The system under test: simulators with a fixed latency, a dev identity provider, and the
gateway in production mode (uvicorn, N workers) on a migrated and seeded SQLite database."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import tomllib
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.processes import free_port, require_loopback, running, uvicorn_workers, wait_until_ready
from gateway.cli import migrate_database, seed_database
from gateway.dev_identity import DevIdentityProvider
from gateway.settings import REPO_ROOT, Settings
from tests.support.servers import ThreadedServer, listening_socket

# Far above anything a bench client sends: the limits themselves are tested in tests/gateway.
BENCH_RATE_LIMIT = 1_000_000_000
# Department calls of the bench must not hit the production deadline under a saturated CPU
# before the client's own timeout does; the figures say how slow it got.
BENCH_DEADLINE_SECONDS = 10.0
# Opening hundreds of connections at once to one busy simulator process takes longer than the
# production connect timeout (1 s, meant for a real network) on a shared two-core machine.
BENCH_CONNECT_SECONDS = 5.0
# Start-up imports the app, loads jieba and builds the search index in every worker.
STARTUP_SECONDS = 300.0


@dataclass(frozen=True)
class Simulators:
    urls: dict[str, str]
    pid: int

    def faults(self, **faults: object) -> None:
        for base in self.urls.values():
            httpx.post(f"{require_loopback(base)}/_admin/faults", json=faults, timeout=10).raise_for_status()

    def reset_counters(self) -> None:
        for base in self.urls.values():
            httpx.delete(f"{base}/_admin/requests", timeout=10).raise_for_status()

    def routes_hit(self) -> dict[str, dict[str, int]]:
        """system → {"GET /api/v1/…": count} since the last reset."""
        hits: dict[str, dict[str, int]] = {}
        for name, base in self.urls.items():
            snapshot = httpx.get(f"{base}/_admin/requests", timeout=10).json()
            if snapshot["by_route"]:
                hits[name] = dict(snapshot["by_route"])
        return hits


def child_env() -> dict[str, str]:
    """Our environment, with bytecode caching on: every gateway worker imports the whole app, and
    compiling it from source each time costs tens of seconds on a busy two-core machine."""
    return {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def simulator_names() -> list[str]:
    raw = tomllib.loads((REPO_ROOT / "config" / "systems.toml").read_text(encoding="utf-8"))
    return list(raw["systems"])


@contextmanager
def simulators(workdir: Path, latency_ms: int) -> Iterator[Simulators]:
    """Every system accepts the API key, so the peer (which cannot sign HMAC requests) and we
    reach the same systems the same way."""
    env = {**child_env(), **{f"SIMULATOR_AUTH_{name.upper()}": "api_key" for name in simulator_names()}}
    # The simulated clock stays still: statuses must not move under the bench.
    env["SIMULATOR_CLOCK_SPEED"] = "0"
    args = [sys.executable, "-m", "simulators", "--random-ports"]
    with running(args, cwd=REPO_ROOT, env=env, log=workdir / "simulators.log", stdout_pipe=True) as process:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("READY "):
            raise RuntimeError(f"simulators did not start: {line!r} (see {workdir / 'simulators.log'})")
        sims = Simulators(urls=json.loads(line.removeprefix("READY ")), pid=process.pid)
        sims.faults(latency_ms=latency_ms)
        yield sims


def bench_systems_file(path: Path) -> Path:
    """config/systems.toml with every system on API-key auth and a bench deadline."""
    source = (REPO_ROOT / "config" / "systems.toml").read_text(encoding="utf-8")
    lines = []
    for line in source.splitlines():
        if line.startswith("auth ="):
            line = 'auth = "api_key"'
        lines.append(line)
        if line.startswith("[systems."):
            lines.append(f"deadline_seconds = {BENCH_DEADLINE_SECONDS}")
            lines.append(f"read_timeout_seconds = {BENCH_DEADLINE_SECONDS}")
            lines.append(f"connect_timeout_seconds = {BENCH_CONNECT_SECONDS}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Stack:
    """What the gateways of one run share: simulators, identity provider, database, settings."""

    workdir: Path
    sims: Simulators
    idp: DevIdentityProvider
    env: dict[str, str]

    def gateway_env(self, *, fresh_seconds: float, label: str) -> dict[str, str]:
        # Each gateway run gets a Redis prefix of its own: nothing one scenario cached leaks into the next.
        prefix = {"CITIZEN_REDIS_PREFIX": f"bench-{uuid.uuid4().hex[:8]}-{label}:"}
        return {**self.env, **prefix, "CITIZEN_SECTION_FRESH_SECONDS": str(fresh_seconds)}


@contextmanager
def stack(workdir: Path, latency_ms: int, redis_url: str | None = None) -> Iterator[Stack]:
    with ExitStack() as stack_:
        sims = stack_.enter_context(simulators(workdir, latency_ms))
        idp_socket = listening_socket()
        issuer = f"http://127.0.0.1:{idp_socket.getsockname()[1]}/dev-idp"
        idp = DevIdentityProvider.generate(issuer, "citizen-space")
        stack_.enter_context(ThreadedServer(idp.app(), sock=idp_socket))
        env = {
            "CITIZEN_ENV": "production",
            "CITIZEN_DATA_KEY": os.urandom(24).hex(),
            "CITIZEN_PSEUDONYM_KEY": os.urandom(24).hex(),
            "CITIZEN_SHOW_TOKEN_KEY": os.urandom(24).hex(),
            "CITIZEN_SYSTEMS_FILE": str(bench_systems_file(workdir / "systems.toml")),
            "CITIZEN_SYSTEM_URLS": json.dumps(sims.urls),
            "CITIZEN_OIDC_ISSUER": issuer,
            "CITIZEN_OIDC_JWKS_URL": f"{issuer}/jwks.json",
            "CITIZEN_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'citizen.db'}",
            "CITIZEN_DEMO_DIR": str(workdir),
            "CITIZEN_RATE_LIMIT_PER_CALLER": str(BENCH_RATE_LIMIT),
            "CITIZEN_RATE_LIMIT_PER_IP": str(BENCH_RATE_LIMIT),
            "CITIZEN_OUTBOX_POLL_SECONDS": "1.0",
            **{f"CITIZEN_SECRET_{name.upper()}": f"dev-secret-{name}" for name in sims.urls},
            **({"CITIZEN_REDIS_URL": redis_url} if redis_url else {}),
        }
        # Migrate and seed in this process, with exactly the settings the gateway will read.
        os.environ.update(env)
        settings = Settings()
        migrate_database(settings)
        asyncio.run(seed_database(settings))
        yield Stack(workdir=workdir, sims=sims, idp=idp, env={**child_env(), **env})


@dataclass(frozen=True)
class Gateway:
    url: str
    pid: int
    workers: int
    log: Path

    def worker_pids(self) -> list[int]:
        return uvicorn_workers(self.pid)


@contextmanager
def gateway(stack_: Stack, *, workers: int, fresh_seconds: float, label: str) -> Iterator[Gateway]:
    port = free_port()
    log = stack_.workdir / f"gateway-{label}.log"
    args = [
        str(Path(sys.executable).with_name("citizen-space")),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    env = stack_.gateway_env(fresh_seconds=fresh_seconds, label=label)
    with running(args, cwd=REPO_ROOT, env=env, log=log) as process:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(f"{url}/readyz", process, timeout=STARTUP_SECONDS, what=f"gateway ({label})")
        # /readyz answers from whichever worker accepts; wait for every worker's start-up line.
        deadline = time.monotonic() + STARTUP_SECONDS
        while log.read_text(encoding="utf-8", errors="replace").count("Application startup complete") < workers:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gateway ({label}): not every worker started (see {log})")
            time.sleep(0.2)
        yield Gateway(url=url, pid=process.pid, workers=workers, log=log)
