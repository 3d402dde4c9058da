"""Fault scenarios for the security report: one department system behind our fault proxy.

For each scenario (latency past the deadline, a hang, connection resets, a trickling body) the
home screen is asked for again and again while the fault is on. We count the sections other
than the faulted one that went missing (there should be none), the answers whose faulted
section failed with an error or came from its last good copy, whether the breaker opened (the
proxy stops seeing connections while requests still come) and whether the section came back,
fresh, once the fault was cleared.

`run_fault_scenarios` drives a stack someone else started; `fault_stack` starts one (simulators,
identity provider, proxy, gateway) and yields what it needs. Nothing here prints.
"""

from __future__ import annotations

import asyncio
import math
import time
import tomllib
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from graphql import REMOVE, FieldNode, Visitor, parse, print_ast, visit

from bench.processes import require_loopback
from bench.queries import current_schema, me_query
from bench.stack import simulators
from gateway.app import create_app
from gateway.cli import migrate_database, seed_database
from gateway.dev_identity import DevIdentityProvider, demo_person
from gateway.settings import REPO_ROOT, Settings
from simulators.fault_proxy import FaultProxy
from tests.support.servers import ThreadedServer, listening_socket

DEMO_USER = "citizen"  # data in every section of the personal space
# Room for the rest of a home screen beyond the faulted system's deadline, on a busy machine.
CLIENT_MARGIN_SECONDS = 2.5
# The same limits the tests use: short, so a scenario takes seconds.
FAULT_SYSTEM_LIMITS = {
    "deadline_seconds": 1.5,
    "read_timeout_seconds": 1.0,
    "breaker_threshold": 4,
    "breaker_ttl_seconds": 2.0,
}

# scenario → how to inject it, given the client's bound on one request (seconds).
SCENARIOS: dict[str, Callable[[FaultProxy, float], None]] = {
    # Every chunk waits longer than the client will: nothing arrives in time.
    "latency": lambda proxy, bound: proxy.latency((bound + 1) * 1000),
    "hang": lambda proxy, bound: proxy.hang(),
    "reset": lambda proxy, bound: proxy.reset(),
    # A 10-byte piece every 0.1 s never trips a read timeout; only the total deadline stops it.
    "slow_body": lambda proxy, bound: proxy.slow_body(100),
}


@dataclass(frozen=True)
class FaultScenarioResult:
    scenario: str
    requests: int
    # p95 of a home screen without the faulted section, sent alongside each full one.
    other_sections_p95_ms: float
    deadline_ms: float
    # Sections other than the faulted one that were null, missing or carried an error.
    sections_lost: int
    # Answers whose faulted section was null with an error (a stale copy is not counted).
    faulted_section_errors: int
    breaker_opened: bool
    recovered: bool
    # p95 of the full home screen: the faulted section costs it up to the deadline.
    home_screen_p95_ms: float = 0.0
    # Answers whose faulted section was served from its last good copy, marked stale.
    faulted_section_stale: int = 0


@dataclass(frozen=True)
class _Answer:
    body: dict[str, Any] | None  # None: no answer within the client's bound
    ms: float


class _HomeScreen:
    def __init__(
        self, gateway_url: str, token: str, fresh_token: Callable[[], str] | None, faulted_section: str, bound_s: float
    ) -> None:
        self.url = f"{require_loopback(gateway_url).rstrip('/')}/graphql"
        self.token = token
        self.fresh_token = fresh_token
        self.faulted = faulted_section
        self.full, sections = me_query(current_schema())
        if faulted_section not in sections:
            raise ValueError(f"the home screen has no section {faulted_section!r}: {sections}")
        self.others = [s for s in sections if s != faulted_section]
        self.without_faulted = _without_section(self.full, faulted_section)
        self.http = httpx.Client(timeout=bound_s)

    def ask(self, query: str, *, fresh: bool = False) -> _Answer:
        """One home screen; `fresh` asks as a new login when a token factory was given."""
        token = self.fresh_token() if fresh and self.fresh_token else self.token
        started = time.perf_counter()
        try:
            response = self.http.post(self.url, json={"query": query}, headers={"Authorization": f"Bearer {token}"})
            body: dict[str, Any] | None = response.json() if response.status_code == 200 else None
        except httpx.HTTPError:
            body = None
        return _Answer(body, (time.perf_counter() - started) * 1000)

    def lost(self, answer: _Answer) -> int:
        """Sections other than the faulted one that did not arrive whole."""
        if answer.body is None or not isinstance(answer.body.get("data"), dict):
            return len(self.others)
        me = answer.body["data"].get("me") or {}
        broken = {tuple(e.get("path") or ())[1:2] for e in answer.body.get("errors", [])}
        return sum(1 for s in self.others if me.get(s) is None or (s,) in broken)

    def faulted_error(self, answer: _Answer) -> bool:
        if answer.body is None:
            return False
        me = (answer.body.get("data") or {}).get("me") or {}
        paths = [e.get("path") for e in answer.body.get("errors", [])]
        return me.get(self.faulted) is None and ["me", self.faulted] in paths

    def faulted_present(self, answer: _Answer) -> bool:
        if answer.body is None:
            return False
        me = (answer.body.get("data") or {}).get("me") or {}
        return me.get(self.faulted) is not None

    def faulted_stale(self, answer: _Answer) -> bool:
        """Served from the last good copy: some `source { stale }` inside the section is true."""
        if not self.faulted_present(answer):
            return False
        assert answer.body is not None
        return _any_stale(answer.body["data"]["me"][self.faulted])

    def faulted_fresh(self, answer: _Answer) -> bool:
        """The section is back from the system itself, and nothing else failed."""
        return (
            answer.body is not None
            and not answer.body.get("errors")
            and self.faulted_present(answer)
            and not self.faulted_stale(answer)
        )


def _any_stale(value: Any) -> bool:
    if isinstance(value, dict):
        return value.get("stale") is True or any(_any_stale(v) for v in value.values())
    if isinstance(value, list):
        return any(_any_stale(v) for v in value)
    return False


def run_fault_scenarios(
    gateway_url: str,
    token: str,
    proxy: FaultProxy,
    *,
    deadline_s: float,
    requests_per_scenario: int = 20,
    faulted_section: str = "records",
    fresh_token: Callable[[], str] | None = None,
    scenarios: tuple[str, ...] = tuple(SCENARIOS),
    recover_within_s: float = 30.0,
) -> list[FaultScenarioResult]:
    """Run each fault scenario against a live gateway one of whose systems sits behind `proxy`.

    Build it like this (or use `fault_stack`, which does all of it):

    1. start the simulators, and `proxy = FaultProxy.for_url(simulator_urls["records"]).start()`;
    2. start the gateway with `system_urls = {**simulator_urls, "records": proxy.url}` (in
       `Settings(system_urls=…)` or `CITIZEN_SYSTEM_URLS`), and in its systems file the
       system's `deadline_seconds` = `deadline_s` and a small `breaker_threshold` /
       `breaker_ttl_seconds` (see `FAULT_SYSTEM_LIMITS`), with rate limits far above the
       traffic here (two home screens per request);
    3. pass a token for a person with data in every section, and the section the proxied
       system feeds (`records` for the records system, `bills` for bills, …).

    Sections are cached with stale-if-error: once read, a section whose system fails is
    served from its last good copy, marked stale (counted in `faulted_section_stale`), and
    not as an error. To see the failure itself, pass `fresh_token`, a function that mints a
    token for a new login of a person (a new subject, so a section never read): each full
    home screen then asks as a new login. `fault_stack` gives one.

    Each request is bounded by `deadline_s` + `CLIENT_MARGIN_SECONDS`; an answer that does not
    come back in time counts every other section as lost. Raises RuntimeError when the home
    screen is not whole before any fault (the stack is not healthy).
    """
    bound_s = deadline_s + CLIENT_MARGIN_SECONDS
    home = _HomeScreen(gateway_url, token, fresh_token, faulted_section, bound_s)
    results = []
    with home.http, ThreadPoolExecutor(max_workers=2) as pool:
        healthy = home.ask(home.full)
        if not home.faulted_fresh(healthy):
            raise RuntimeError(f"the home screen is not whole before any fault: {healthy.body!r:.500}")
        for name in scenarios:
            results.append(
                _scenario(name, home, proxy, pool, bound_s, deadline_s, requests_per_scenario, recover_within_s)
            )
    return results


def _scenario(
    name: str,
    home: _HomeScreen,
    proxy: FaultProxy,
    pool: ThreadPoolExecutor,
    bound_s: float,
    deadline_s: float,
    requests: int,
    recover_within_s: float,
) -> FaultScenarioResult:
    full: list[_Answer] = []
    others: list[_Answer] = []
    breaker_opened = False
    reached_before = False
    SCENARIOS[name](proxy, bound_s)
    try:
        for _ in range(requests):
            before = proxy.connections
            whole = pool.submit(home.ask, home.full, fresh=True)
            rest = pool.submit(home.ask, home.without_faulted)
            answer = whole.result()
            others.append(rest.result())
            full.append(answer)
            reached = proxy.connections > before
            # Open: the system was called before and, the fault still on, is called no more.
            if reached_before and not reached and not home.faulted_fresh(answer):
                breaker_opened = True
            reached_before = reached_before or reached
    finally:
        proxy.clear()
    return FaultScenarioResult(
        scenario=name,
        requests=requests,
        other_sections_p95_ms=_p95([a.ms for a in others]),
        deadline_ms=deadline_s * 1000,
        sections_lost=sum(home.lost(a) for a in full) + sum(home.lost(a) for a in others),
        faulted_section_errors=sum(home.faulted_error(a) for a in full),
        breaker_opened=breaker_opened,
        recovered=_recovers(home, recover_within_s),
        home_screen_p95_ms=_p95([a.ms for a in full]),
        faulted_section_stale=sum(home.faulted_stale(a) for a in full),
    )


def _recovers(home: _HomeScreen, within_s: float) -> bool:
    """The breaker lets a probe through once its TTL has passed; the section must come back
    from the system, not from the last good copy."""
    give_up = time.monotonic() + within_s
    while time.monotonic() < give_up:
        if home.faulted_fresh(home.ask(home.full)):
            return True
        time.sleep(0.2)
    return False


def _without_section(query: str, section: str) -> str:
    return print_ast(visit(parse(query), _DropSection(section)))


class _DropSection(Visitor):
    """Removes one field of `me` (a section), not fields of that name deeper down."""

    def __init__(self, section: str) -> None:
        super().__init__()
        self.section = section

    def enter_field(self, node: FieldNode, _key: Any, _parent: Any, _path: Any, ancestors: list[Any]) -> Any:
        below_me = sum(isinstance(a, FieldNode) for a in ancestors) == 1
        return REMOVE if below_me and node.name.value == self.section else None


def _p95(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[math.ceil(0.95 * len(ordered)) - 1], 1)


# -- a stack of its own -----------------------------------------------------------------------


@dataclass(frozen=True)
class FaultStack:
    gateway_url: str
    token: str
    proxy: FaultProxy
    deadline_s: float
    faulted_section: str
    fresh_token: Callable[[], str]


def _systems_file(path: Path) -> Path:
    """config/systems.toml with API-key auth (what `bench.stack.simulators` accepts) and the
    short limits of FAULT_SYSTEM_LIMITS on every system."""
    lines = []
    for line in (REPO_ROOT / "config" / "systems.toml").read_text(encoding="utf-8").splitlines():
        lines.append('auth = "api_key"' if line.startswith("auth =") else line)
        if line.startswith("[systems."):
            lines += [f"{key} = {value}" for key, value in FAULT_SYSTEM_LIMITS.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tomllib.loads(path.read_text(encoding="utf-8"))  # fail here, not in the gateway's start-up
    return path


@contextmanager
def fault_stack(workdir: Path, *, system: str = "records", section: str = "records") -> Iterator[FaultStack]:
    """Simulators, the dev identity provider, a fault proxy in front of `system`, and a gateway
    (in this process, on a thread, SQLite and in-process cache) that reaches `system` only
    through the proxy. Yields what `run_fault_scenarios` needs:

        with fault_stack(tmp) as stack:
            results = run_fault_scenarios(stack.gateway_url, stack.token, stack.proxy,
                                          deadline_s=stack.deadline_s, faulted_section=stack.faulted_section,
                                          fresh_token=stack.fresh_token)
    """
    workdir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        sims = stack.enter_context(simulators(workdir, latency_ms=0))
        proxy = stack.enter_context(FaultProxy.for_url(sims.urls[system]))
        idp_socket = listening_socket()
        idp = DevIdentityProvider.generate(f"http://127.0.0.1:{idp_socket.getsockname()[1]}/dev-idp", "citizen-space")
        stack.enter_context(ThreadedServer(idp.app(), sock=idp_socket))
        urls = {**sims.urls, system: proxy.url}
        settings = Settings(
            env="test",
            database_url=f"sqlite+aiosqlite:///{workdir / 'faults.db'}",
            redis_url=None,
            elasticsearch_url=None,
            oidc_issuer=idp.issuer,
            oidc_jwks_url=f"{idp.issuer}/jwks.json",
            systems_file=_systems_file(workdir / "systems.toml"),
            system_urls=urls,
            section_fresh_seconds=0,
            rate_limit_per_ip=1_000_000_000,
            rate_limit_per_caller=1_000_000_000,
            outbox_worker=False,
            demo_dir=workdir,
            log_level="ERROR",
        )
        migrate_database(settings)
        asyncio.run(seed_database(settings))
        gateway = stack.enter_context(_Gateway(settings))
        yield FaultStack(
            gateway_url=gateway.url,
            token=idp.mint_for(DEMO_USER),
            proxy=proxy,
            deadline_s=float(FAULT_SYSTEM_LIMITS["deadline_seconds"]),
            faulted_section=section,
            fresh_token=lambda: _new_login(idp, DEMO_USER),
        )


def _new_login(idp: DevIdentityProvider, username: str) -> str:
    """A token for a new login of a demo person: a new subject, so a new account whose sections
    were never read (the display username clashes and falls back to the subject)."""
    person = demo_person(username)
    return idp.mint(
        {
            "sub": f"ynzw-fault-{uuid.uuid4().hex[:16]}",
            "role": person["role"],
            "name": person["name"],
            "id_number": person["id_number"],
            "phone_number": person["phone"],
            "preferred_username": username,
        }
    )


class _Gateway(ThreadedServer):
    def __init__(self, settings: Settings) -> None:
        super().__init__(create_app(settings))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> _Gateway:
        super().__enter__()
        return self
