"""The performance harness: our gateway against the physical limit and against a peer, one table.

    .venv/bin/python bench/run_all.py [--quick] [--soak SECONDS] [--duration SECONDS]
                                      [--clients N] [--workers 1,2] [--latency-ms 50] [--no-peer] [--no-profile]

Starts the simulators with a fixed latency on every department (all on API-key auth, so the
peer reaches them as we do), a dev identity provider, our gateway in production mode (uvicorn,
1 and 2 workers, SQLite), and GraphQL Hive Gateway on a Mesh Compose supergraph of the same
simulators' OpenAPI documents. A closed-loop asyncio/httpx load generator (loopback only,
bounded in time and requests) runs each scenario in turn; nothing else runs at the same time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import peer as peer_mod  # noqa: E402
from bench import profiling  # noqa: E402
from bench.floor import slowest_route  # noqa: E402
from bench.load import RequestFactory  # noqa: E402
from bench.processes import cpu_seconds, require_loopback, rss_mib  # noqa: E402
from bench.queries import current_schema, enterprise_query, me_query  # noqa: E402
from bench.report import SOLO_ME, SOLO_SEARCH, Memory, Report, print_report  # noqa: E402
from bench.scenarios import (  # noqa: E402
    BenchPerson,
    Row,
    ServerLog,
    ask_requests,
    bench_people,
    me_requests,
    measure,
    merged,
    mixed_requests,
    search_requests,
)
from bench.stack import Gateway, Stack, gateway, stack  # noqa: E402

RESULTS = REPO / "bench" / "results"  # git-ignored
MAX_REQUESTS = 2_000_000  # a hard bound on any one scenario, whatever its duration


@dataclass(frozen=True)
class Operations:
    me: str
    enterprise: str | None
    enterprise_note: str


@dataclass
class Options:
    duration_s: float
    warmup_s: float
    soak_s: float
    clients: int
    workers: list[int]
    latency_ms: int
    peer: bool
    profile: bool
    keep: bool
    redis_url: str | None = None
    rounds: int = 1


def parse_options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a short try: 1 worker, 3 s per scenario, 10 s soak")
    parser.add_argument("--duration", type=float, help="seconds per scenario (default 15, quick 3)")
    parser.add_argument("--soak", type=float, help="soak seconds (default 300, quick 10)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--workers", default=None, help="gateway worker counts, e.g. 1,2 (default 1,2; quick 1)")
    parser.add_argument("--latency-ms", type=int, default=50, help="injected latency of every department")
    parser.add_argument("--no-peer", action="store_true", help="skip the Hive Gateway peer")
    parser.add_argument("--rounds", type=int, help="turns ours and the peer's take at uncached me (default 3, quick 1)")
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy profile")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, profiles)")
    parser.add_argument(
        "--redis",
        metavar="URL",
        help="give our gateway Redis (shared caches between its workers, as in production), e.g. "
        "redis://127.0.0.1:56379/2 after `make services-up`",
    )
    args = parser.parse_args(argv)
    quick = bool(args.quick)
    workers = [int(w) for w in (args.workers or ("1" if quick else "1,2")).split(",")]
    if not 1 <= args.clients <= 1000 or any(not 1 <= w <= 16 for w in workers):
        parser.error("clients must be 1..1000 and workers 1..16")
    return Options(
        duration_s=args.duration or (3.0 if quick else 15.0),
        warmup_s=1.0 if quick else 3.0,
        soak_s=args.soak if args.soak is not None else (10.0 if quick else 300.0),
        clients=args.clients,
        workers=workers,
        latency_ms=args.latency_ms,
        peer=not args.no_peer,
        profile=not args.no_profile and not quick,
        keep=args.keep,
        redis_url=require_loopback(args.redis) if args.redis else None,
        rounds=max(1, args.rounds or (1 if quick else 3)),
    )


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def warm_up(url: str, people: list[BenchPerson], me: str, opts: Options) -> None:
    """Each person's first login (provisions the account), then a short mixed run."""
    first = await measure(url, me_requests(people, "warm", me), clients=8, duration_s=120, max_requests=len(people))
    if first.errors:
        log(f"warm-up errors: {first.error_samples}")
    await measure(
        url,
        mixed_requests(people, "warm", me),
        clients=opts.clients,
        duration_s=opts.warmup_s,
        max_requests=MAX_REQUESTS,
    )


def routes_of_one_me(st: Stack, gw: Gateway, people: list[BenchPerson], me: str) -> dict[str, dict[str, int]]:
    """Which department calls one uncached `me` makes (the simulators count what reached them)."""
    st.sims.reset_counters()
    result = asyncio.run(
        measure(gw.url, me_requests(people[:1], "probe", me), clients=1, duration_s=30, max_requests=1)
    )
    if result.errors:
        raise RuntimeError(f"the `me` query fails: {result.error_samples}")
    return st.sims.routes_hit()


@dataclass
class Target:
    """Where a scenario's requests go, and which processes do the work (for CPU per request)."""

    url: str
    server_pids: list[int]
    sims_pid: int
    server_log: ServerLog | None = None


def run_scenario(target: Target, row: Row, tag: str, factory: RequestFactory, opts: Options) -> Row:
    if target.server_log:
        target.server_log.mark()
    server_before = sum(cpu_seconds(pid) for pid in target.server_pids)
    sims_before = cpu_seconds(target.sims_pid)
    result = asyncio.run(
        measure(target.url, factory, clients=row.clients, duration_s=opts.duration_s, max_requests=MAX_REQUESTS)
    )
    row.result = result
    if result.requests:
        row.server_cpu_ms = (
            (sum(cpu_seconds(pid) for pid in target.server_pids) - server_before) * 1000 / result.requests
        )
        row.sims_cpu_ms = (cpu_seconds(target.sims_pid) - sims_before) * 1000 / result.requests
    if target.server_log:
        row.server_ms = target.server_log.latencies_ms(tag)
    log(
        f"{row.side:>4} w{row.workers} {row.scenario:<16} {result.rps:8.1f} rps  "
        f"p50 {result.p(50):7.1f} ms  errors {result.errors}  CPU/request {row.server_cpu_ms:.1f} ms"
    )
    if result.errors:
        log(f"     first errors: {result.error_samples}")
    return row


def summary(report: Report) -> dict[str, Any]:
    """The figures of a run, for comparing runs."""
    rows = []
    for row in report.rows:
        result = row.result
        rows.append(
            {
                "scenario": row.scenario,
                "gateway": row.side,
                "workers": row.workers,
                "clients": row.clients,
                "note": row.note,
                **(
                    {
                        "requests": result.requests,
                        "rps": round(result.rps, 1),
                        "p50_ms": round(result.p(50), 1),
                        "p95_ms": round(result.p(95), 1),
                        "p99_ms": round(result.p(99), 1),
                        "errors": result.errors,
                        "error_samples": result.error_samples,
                        "server_p50_ms": row.server_p50,
                        "mean_bytes": round(result.mean_bytes),
                        "client_cpu_s": round(result.client_cpu_s, 1),
                        "server_cpu_ms_per_request": round(row.server_cpu_ms, 2),
                        "simulators_cpu_ms_per_request": round(row.sims_cpu_ms, 2),
                    }
                    if result
                    else {}
                ),
            }
        )
    return {
        "latency_ms": report.latency_ms,
        "sections": report.sections,
        "routes": report.routes,
        "floor": [asdict(f) for f in report.floor],
        "rows": rows,
        "memory": [asdict(m) for m in report.memory],
        "peer_fields": report.peer_fields,
        "peer_left_out": report.peer_left_out,
        "load_average": report.load_average,
    }


def worker_rss(pids: list[int]) -> list[float]:
    return [round(rss_mib(pid) or 0.0, 1) for pid in pids]


def main(argv: list[str] | None = None) -> int:
    opts = parse_options(argv)
    if opts.peer:
        log("installing the peer (npm ci from bench/peer/package-lock.json)")
        peer_mod.install()
    workdir = Path(tempfile.mkdtemp(prefix="citizen-bench-"))
    report = Report(latency_ms=opts.latency_ms, clients=opts.clients, duration_s=opts.duration_s, soak_s=opts.soak_s)
    try:
        schema = current_schema()
        me, sections = me_query(schema)
        enterprise = enterprise_query(schema)
        report.sections = sections
        log(f"work directory {workdir}; starting simulators ({opts.latency_ms} ms each) and the identity provider")
        if opts.redis_url:
            report.parts = f"SQLite, Redis ({opts.redis_url})"
        with stack(workdir, opts.latency_ms, opts.redis_url) as st:
            people = bench_people(st.idp, opts.clients)
            legal_rep = [BenchPerson("", st.idp.mint_for("legal-rep"))]
            supergraph = None
            if opts.peer:
                log("composing the peer's supergraph (Mesh Compose, OpenAPI)")
                systems = [name for name in st.sims.urls if name != "catalogue"]
                supergraph = peer_mod.compose(workdir, st.sims.urls, systems)
            operations = Operations(me, enterprise.query, enterprise.note)
            for workers in opts.workers:
                with contextlib.ExitStack() as running:
                    peer = run_ours(
                        st, workdir, workers, people, legal_rep, operations, running, supergraph, opts, report
                    )
                    if peer is not None:
                        report.rows.append(merged(peer.rounds))
                        report.peer_rss.append(worker_rss(peer.gateway.worker_pids()))
        report.load_average = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        text = print_report(report)
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "latest.txt").write_text(text, encoding="utf-8")
        (RESULTS / "latest.json").write_text(json.dumps(summary(report), ensure_ascii=False, indent=1), "utf-8")
        log(f"written to {RESULTS / 'latest.txt'} and latest.json")
        return 0
    finally:
        if opts.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class RunningPeer:
    gateway: peer_mod.PeerGateway
    target: Target
    factory: RequestFactory
    rounds: list[Row]


def start_peer(
    running: contextlib.ExitStack,
    workdir: Path,
    supergraph: Path | None,
    workers: int,
    people: list[BenchPerson],
    st: Stack,
    opts: Options,
    report: Report,
) -> RunningPeer | None:
    """The peer, up (and idle) while ours runs, so the two can take turns on uncached me."""
    if supergraph is None:
        return None
    log(f"peer: hive-gateway --fork {workers}")
    pg = running.enter_context(peer_mod.peer_gateway(workdir, supergraph, workers=workers))
    equivalent = peer_mod.equivalent_query(pg.schema, workdir, report.routes)
    report.peer_fields, report.peer_left_out = equivalent.fields, equivalent.left_out

    def peer_factory(n: int) -> tuple[dict[str, Any], dict[str, str]]:
        person = people[n % len(people)]
        body = {"query": equivalent.query, "variables": equivalent.variables_for(person.id_number)}
        return body, {"Content-Type": "application/json"}

    asyncio.run(
        measure(pg.url, peer_factory, clients=opts.clients, duration_s=opts.warmup_s, max_requests=MAX_REQUESTS)
    )
    # With one worker hive-gateway serves from its first process: count each process once.
    target = Target(pg.url, sorted({pg.pid, *pg.worker_pids()}), st.sims.pid)
    return RunningPeer(pg, target, peer_factory, [])


def run_ours(
    st: Stack,
    workdir: Path,
    workers: int,
    people: list[BenchPerson],
    legal_rep: list[BenchPerson],
    operations: Operations,
    running: contextlib.ExitStack,
    supergraph: Path | None,
    opts: Options,
    report: Report,
) -> RunningPeer | None:
    """Our gateway's rows; the peer is started (into `running`) once the routes of one `me` are
    known, and takes turns with ours at uncached me."""
    clients = opts.clients
    me = operations.me
    # -- ours, uncached: me, search, ask, enterprise; memory; the soak on the last worker count --
    log(f"our gateway, {workers} worker(s), sections uncached")
    with gateway(st, workers=workers, fresh_seconds=0, label=f"uncached-w{workers}") as gw:
        memory = Memory(workers=workers, start=worker_rss(gw.worker_pids()))
        asyncio.run(warm_up(gw.url, people, me, opts))
        if not report.routes:
            report.routes = routes_of_one_me(st, gw, people, me)
            report.floor = slowest_route(st.sims.urls, report.routes, people[0].id_number)
        target = Target(gw.url, gw.worker_pids(), st.sims.pid, ServerLog(gw.log))
        peer = start_peer(running, workdir, supergraph, workers, people, st, opts, report)
        # Uncached me, ours and the peer's, in rounds taking turns: the machine's speed drifts
        # over minutes (another tenant of the host), and back-to-back turns expose both to it alike.
        rounds = opts.rounds if peer is not None else 1
        turn = replace(opts, duration_s=opts.duration_s * (2 / 3 if rounds > 1 else 1))
        ours_rounds: list[Row] = []
        for n in range(rounds):
            tag = f"me-u-w{workers}-r{n}"
            row = Row("me (uncached)", "ours", workers, clients)
            ours_rounds.append(run_scenario(target, row, tag, me_requests(people, tag, me), turn))
            if peer is not None:
                note = f"{len(report.peer_fields)} REST reads"
                row = Row("me (equivalent)", "peer", workers, clients, note=note)
                peer.rounds.append(run_scenario(peer.target, row, "peer", peer.factory, turn))
                ours, theirs = ours_rounds[-1].result, peer.rounds[-1].result
                if ours and theirs and theirs.rps:
                    report.round_ratios.setdefault(workers, []).append(ours.rps / theirs.rps)
        report.rows.append(merged(ours_rounds))
        if opts.profile and workers == opts.workers[0] and profiling.available():
            # A pass of its own, left out of the table: py-spy sampling at 200 Hz takes CPU from
            # the simulators and the load generator on this 2-core machine (measured: -7% rps),
            # and the peer is never sampled.
            raw = workdir / f"profile-w{workers}.txt"
            profile_run = profiling.start(gw.worker_pids()[0], opts.duration_s, raw)
            tag = f"me-u-profiled-w{workers}"
            asyncio.run(
                measure(
                    gw.url,
                    me_requests(people, tag, me),
                    clients=clients,
                    duration_s=opts.duration_s,
                    max_requests=MAX_REQUESTS,
                )
            )
            report.profile = profiling.finish(profile_run, raw)
        # One client alone: what a single user waits for, with no queue in front of the request.
        # At 50 clients a closed loop's p50 is about clients / rps whatever the gateway adds.
        tag = f"me-u1-w{workers}"
        row = Row(SOLO_ME, "ours", workers, 1)
        report.rows.append(run_scenario(target, row, tag, me_requests(people, tag, me), opts))
        tag = f"search-w{workers}"
        row = Row("search", "ours", workers, clients)
        report.rows.append(run_scenario(target, row, tag, search_requests(people, tag), opts))
        tag = f"search1-w{workers}"
        row = Row(SOLO_SEARCH, "ours", workers, 1)
        report.rows.append(run_scenario(target, row, tag, search_requests(people, tag), opts))
        tag = f"ask-w{workers}"
        row = Row("ask", "ours", workers, clients)
        report.rows.append(run_scenario(target, row, tag, ask_requests(people, tag), opts))
        if operations.enterprise is None:
            note = f"skipped: {operations.enterprise_note}"
            report.rows.append(Row("enterprise", "ours", workers, clients, note=note))
        else:
            tag = f"ent-w{workers}"
            row = Row("enterprise", "ours", workers, clients, note="as legal-rep")
            report.rows.append(run_scenario(target, row, tag, me_requests(legal_rep, tag, operations.enterprise), opts))
        memory.after_run = worker_rss(gw.worker_pids())
        if workers == opts.workers[-1] and opts.soak_s > 0:
            log(f"soak: {opts.soak_s:.0f} s of mixed load (me, search, ask)")
            soak = asyncio.run(
                measure(
                    gw.url,
                    mixed_requests(people, "soak", me),
                    clients=clients,
                    duration_s=opts.soak_s,
                    max_requests=50_000_000,
                )
            )
            memory.after_soak = worker_rss(gw.worker_pids())
            memory.soak_requests = soak.requests
            memory.soak_errors = soak.errors
            memory.soak_error_samples = soak.error_samples
        report.memory.append(memory)

    # -- ours, cached --
    log(f"our gateway, {workers} worker(s), sections cached")
    with gateway(st, workers=workers, fresh_seconds=3600, label=f"cached-w{workers}") as gw:
        asyncio.run(warm_up(gw.url, people, me, opts))
        target = Target(gw.url, gw.worker_pids(), st.sims.pid, ServerLog(gw.log))
        tag = f"me-c-w{workers}"
        row = Row("me (cached)", "ours", workers, clients)
        report.rows.append(run_scenario(target, row, tag, me_requests(people, tag, me), opts))
    return peer


if __name__ == "__main__":
    sys.exit(main())
