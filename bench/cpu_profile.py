"""CPU per request of one operation, in process, with a deterministic profile (cProfile).

The load bench (`run_all.py`) measures the gateway as deployed; this one answers "where does the
CPU of one `me` go?" without uvicorn, the load generator or other processes in the figure: the
app runs in this process behind httpx's ASGI transport, the simulators in their own process
with no injected latency, and only this process's CPU time is counted.

    .venv/bin/python bench/cpu_profile.py --scenario me-uncached --requests 200 --top 40
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import os
import pstats
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import profiling
from bench.queries import (
    ASK_QUESTIONS,
    SEARCH_QUERIES,
    ask_query,
    current_schema,
    enterprise_query,
    me_query,
    search_query,
)
from bench.scenarios import bench_people
from bench.stack import stack
from gateway.app import create_app
from gateway.settings import Settings

SCENARIOS = ("me-uncached", "me-cached", "search", "ask", "enterprise")


def bodies(scenario: str, count: int) -> list[dict[str, Any]]:
    schema = current_schema()
    if scenario.startswith("me"):
        query, _sections = me_query(schema)
        return [{"query": query}] * count
    if scenario == "search":
        return [search_query(SEARCH_QUERIES[n % len(SEARCH_QUERIES)]) for n in range(count)]
    if scenario == "ask":
        return [ask_query(ASK_QUESTIONS[n % len(ASK_QUESTIONS)]) for n in range(count)]
    operation = enterprise_query(schema)
    assert operation.query, operation.note
    return [{"query": operation.query}] * count


async def run(args: argparse.Namespace, tokens: list[str]) -> None:
    settings = Settings(section_fresh_seconds=0 if args.scenario == "me-uncached" else 300)
    app = create_app(settings)
    payloads = bodies(args.scenario, args.requests + args.warmup)
    if args.scenario == "enterprise":
        tokens = [tokens[-1]]
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as client:

            async def one(n: int) -> None:
                headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}
                response = await client.post("/graphql", json=payloads[n], headers=headers)
                body = response.json()
                if response.status_code != 200 or body.get("errors"):
                    raise RuntimeError(f"request {n}: {response.status_code} {str(body)[:300]}")

            async def batch(start: int, stop: int) -> None:
                semaphore = asyncio.Semaphore(args.concurrency)

                async def bounded(n: int) -> None:
                    async with semaphore:
                        await one(n)

                await asyncio.gather(*(bounded(n) for n in range(start, stop)))

            await batch(0, args.warmup)
            if args.gc_threshold:
                gc.set_threshold(args.gc_threshold, *gc.get_threshold()[1:])
            gc_time = [0.0, 0.0]

            def gc_clock(phase: str, _info: dict[str, Any]) -> None:
                if phase == "start":
                    gc_time[1] = time.process_time()
                else:
                    gc_time[0] += time.process_time() - gc_time[1]

            gc.callbacks.append(gc_clock)
            statements: Counter[str] = Counter()
            if args.sql:

                @event.listens_for(Engine, "before_cursor_execute")
                def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
                    statements[" ".join(statement.split())[:110]] += 1

            if args.py_spy:
                await sampled(batch, args)
                return
            profiler = cProfile.Profile() if args.top else None
            cpu0, wall0 = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            await batch(args.warmup, args.warmup + args.requests)
            if profiler:
                profiler.disable()
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            gc.callbacks.remove(gc_clock)
    print(f"{args.scenario}: {args.requests} requests, CPU {1000 * cpu / args.requests:.1f} ms/request", end="")
    print(f" (wall {wall:.1f} s, concurrency {args.concurrency}{', under cProfile' if profiler else ''})")
    print(f"  of which garbage collection: {1000 * gc_time[0] / args.requests:.1f} ms/request")
    if args.sql:
        print(f"SQL statements per request: {sum(statements.values()) / args.requests:.1f}")
        for statement, n in statements.most_common(25):
            print(f"  {n / args.requests:5.2f}  {statement}")
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        stats.sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())


async def sampled(batch: Callable[[int, int], Awaitable[None]], args: argparse.Namespace) -> None:
    """Sample this process with py-spy (as `make bench` samples a worker) while requests run."""
    with tempfile.TemporaryDirectory(prefix="py-spy-") as folder:
        output = Path(folder) / "profile.raw"
        spy = profiling.start(os.getpid(), args.py_spy, output)
        await asyncio.sleep(1.0)  # py-spy attaches
        served = 0
        while spy.poll() is None:
            await batch(args.warmup, args.warmup + args.requests)
            served += args.requests
        profile = profiling.finish(spy, output)
        if args.raw and output.exists():
            shutil.copyfile(output, args.raw)
    if profile.error:
        raise SystemExit(profile.error)
    print(f"py-spy: {profile.samples} samples over {served} requests")
    for title, counter in (("phase", profile.by_phase), ("library", profile.by_family)):
        print(f"by {title}:")
        for name, count in counter.most_common(12):
            print(f"  {profile.share(count):>6}  {name}")
    print("hottest (inclusive):")
    for name, count in profile.hottest_inclusive(args.top or 30):
        print(f"  {profile.share(count):>6}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=SCENARIOS, default="me-uncached")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--top", type=int, default=0, help="print the N hottest functions (0: no profile)")
    parser.add_argument("--py-spy", type=float, default=0, help="sample with py-spy for this many seconds")
    parser.add_argument("--raw", type=Path, help="with --py-spy: keep the collapsed stacks in this file")
    parser.add_argument("--gc-threshold", type=int, default=0, help="try another generation-0 GC threshold")
    parser.add_argument("--sql", action="store_true", help="count the SQL statements per request")
    parser.add_argument("--sort", default="tottime", help="pstats sort key: tottime, cumtime, …")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cpu-profile-") as workdir, stack(Path(workdir), latency_ms=0) as run_:
        people = bench_people(run_.idp, args.people)
        tokens = [p.token for p in people] + [run_.idp.mint_for("legal-rep")]
        asyncio.run(run(args, tokens))


if __name__ == "__main__":
    main()
