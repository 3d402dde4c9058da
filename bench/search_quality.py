"""Search and answer quality, both engines and a naive baseline, in one table.

    .venv/bin/python bench/search_quality.py [--reference DIR] [--misses]

Rows: the naive baseline (BM25 on character unigrams of item names, what an untuned engine gives),
the embedded engine, Elasticsearch when CITIZEN_ELASTICSEARCH_URL (or /tmp/citizen-services/env)
points at a reachable node, and "dev-blind" rows: the same engines indexed without any alias,
keyword or FAQ phrasing identical to a judged query, an estimate for queries nobody wrote down.
Latency is measured in process (the analyzer and the engine, no HTTP).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from search.analyzer import normalize  # noqa: E402
from search.catalogue import Catalogue  # noqa: E402
from search.embedded import EmbeddedEngine  # noqa: E402
from search.engine import SearchEngine  # noqa: E402
from search.evaluation import (  # noqa: E402
    AskCase,
    AskReport,
    SearchCase,
    SearchReport,
    blind_to,
    catalogue_codes,
    evaluate_ask,
    evaluate_search,
    load_ask_cases,
    load_search_cases,
    percentile,
    reference_dir,
)
from search.factory import build_service  # noqa: E402
from search.faq import load_seed  # noqa: E402
from search.service import SearchService  # noqa: E402
from simulators.catalogue.data import catalogue_snapshot  # noqa: E402

SERVICES_ENV = Path("/tmp/citizen-services/env")  # noqa: S108 - written by scripts/services.sh
REPEATS = 5  # latency: every query this many times after a warm-up


@dataclass
class Row:
    name: str
    search: SearchReport
    ask: AskReport | None
    search_p50: float
    search_p95: float
    search_cpu_p50: float


class CharacterBaseline:
    """BM25 over single characters of item and bundle names (SQLite FTS5, nothing else)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE names USING fts5(code UNINDEXED, chars)")
        records = [*catalogue.items.values(), *catalogue.bundles.values()]
        self.db.executemany(
            "INSERT INTO names(code, chars) VALUES (?, ?)", [(r.code, " ".join(r.name)) for r in records]
        )

    async def rank(self, query: str) -> list[str]:
        chars = [c for c in query if not c.isspace()]
        if not chars:
            return []
        match = " OR ".join('"' + c.replace('"', '""') + '"' for c in chars)
        try:
            rows = self.db.execute(
                "SELECT code FROM names WHERE names MATCH ? ORDER BY bm25(names), code LIMIT 10", (match,)
            ).fetchall()
        except sqlite3.OperationalError:
            return []
        return [code for (code,) in rows]


def elasticsearch_url() -> str | None:
    url = os.environ.get("CITIZEN_ELASTICSEARCH_URL")
    if url:
        return url
    if SERVICES_ENV.exists():
        for line in SERVICES_ENV.read_text().splitlines():
            if line.startswith("CITIZEN_ELASTICSEARCH_URL="):
                return line.split("=", 1)[1].strip()
    return None


async def elasticsearch_engine(url: str, index: str) -> SearchEngine | None:
    from search.elastic import ElasticsearchEngine

    engine = ElasticsearchEngine(url, index=index)
    try:
        await engine.client.options(request_timeout=3).cluster.health()
    except Exception as exc:
        print(f"Elasticsearch at {url} not reachable ({type(exc).__name__}); its rows are skipped", file=sys.stderr)
        await engine.aclose()
        return None
    return engine


async def timed(rank: Callable[[str], Awaitable[list[str]]], queries: list[str]) -> tuple[float, float, float]:
    """Wall-clock p50 and p95, and the p50 of CPU time (what a busy shared machine does not inflate)."""
    for query in queries:
        await rank(query)
    samples = []
    cpu = []
    for _ in range(REPEATS):
        for query in queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            await rank(query)
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
    return percentile(samples, 0.5), percentile(samples, 0.95), percentile(cpu, 0.5)


async def measure_service(
    name: str, service: SearchService, search_cases: list[SearchCase], ask_cases: list[AskCase]
) -> Row:
    async def rank(query: str) -> list[str]:
        page = await service.search(query, size=10)
        return catalogue_codes((hit.kind, hit.code) for hit in page.hits)

    async def ask(question: str) -> tuple[bool, float, list[str]]:
        answer = await service.ask(question)
        return answer.answered, answer.confidence, list(answer.faq.item_codes) if answer.faq else []

    search_report = await evaluate_search(rank, search_cases)
    ask_report = await evaluate_ask(ask, ask_cases)
    ask_samples = []
    for _ in range(REPEATS):
        ask_samples += (await evaluate_ask(ask, ask_cases)).latencies_ms
    ask_report.latencies_ms = ask_samples
    p50, p95, cpu = await timed(rank, [c.query for c in search_cases])
    return Row(name, search_report, ask_report, p50, p95, cpu)


def render(rows: list[Row], console: Console) -> None:
    kinds = sorted({kind for row in rows for kind in row.search.mrr_by_kind})
    table = Table(title="search_dev.tsv / ask_dev.tsv", show_lines=False)
    for column in [
        "engine",
        "MRR@10",
        "R@3",
        *kinds,
        "ask acc",
        "abst P",
        "abst R",
        "search p50/p95 ms",
        "ask p50/p95 ms",
    ]:
        table.add_column(column, justify="left" if column == "engine" else "right")
    for row in rows:
        ask = row.ask
        table.add_row(
            row.name,
            f"{row.search.mrr:.3f}",
            f"{row.search.recall_at_3:.3f}",
            *(f"{row.search.mrr_by_kind.get(kind, 0.0):.2f}" for kind in kinds),
            f"{ask.accuracy:.2f}" if ask else "–",
            f"{ask.abstain_precision:.2f}" if ask else "–",
            f"{ask.abstain_recall:.2f}" if ask else "–",
            f"{row.search_p50:.2f} / {row.search_p95:.2f}",
            f"{row.search_cpu_p50:.2f}",
            f"{percentile(ask.latencies_ms, 0.5):.2f} / {percentile(ask.latencies_ms, 0.95):.2f}" if ask else "–",
        )
    console.print(table)
    load = os.getloadavg()[0]
    console.print(f"latency in process; load average {load:.1f} on {os.cpu_count()} cores while measuring")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", type=Path, default=reference_dir(REPO))
    parser.add_argument("--misses", action="store_true", help="list the queries not ranked first")
    args = parser.parse_args()
    console = Console(width=200)
    search_cases = load_search_cases(args.reference / "search_dev.tsv")
    ask_cases = load_ask_cases(args.reference / "ask_dev.tsv")
    catalogue = Catalogue.from_snapshot(catalogue_snapshot())
    faqs = load_seed()
    judged = [c.query for c in search_cases] + [c.question for c in ask_cases]
    blind_catalogue, blind_faqs = blind_to(catalogue, faqs, judged)

    rows: list[Row] = []
    baseline = CharacterBaseline(catalogue)
    baseline_report = await evaluate_search(lambda q: baseline.rank(normalize(q)), search_cases)
    p50, p95, cpu = await timed(lambda q: baseline.rank(normalize(q)), [c.query for c in search_cases])
    rows.append(Row("baseline (char BM25 on names)", baseline_report, None, p50, p95, cpu))

    engines: list[tuple[str, Callable[[str], Awaitable[SearchEngine | None]]]] = [
        ("embedded", lambda _index: _embedded()),
    ]
    url = elasticsearch_url()
    if url:
        engines.append(("elasticsearch", lambda index: elasticsearch_engine(url, index)))
    for label, make in engines:
        for blind in (False, True):
            engine = await make(f"bench-search-quality{'-blind' if blind else ''}-{os.getpid()}")
            if engine is None:
                continue
            service = build_service(engine)
            try:
                await service.load(*((blind_catalogue, blind_faqs) if blind else (catalogue, faqs)))
                name = f"{label}{' (dev-blind)' if blind else ''}"
                rows.append(await measure_service(name, service, search_cases, ask_cases))
            finally:
                drop = getattr(engine, "drop", None)
                if drop is not None:
                    await drop()
                await engine.aclose()
    render(rows, console)
    if args.misses:
        for row in rows:
            for query, codes, relevant in row.search.misses:
                console.print(f"[dim]{row.name}[/dim] {query} → {codes} (judged {sorted(relevant)})")
            for question, answered, confidence, codes in row.ask.wrong if row.ask else []:
                console.print(f"[dim]{row.name}[/dim] ask {question} answered={answered} {confidence:.2f} {codes}")


async def _embedded() -> SearchEngine:
    return EmbeddedEngine()


if __name__ == "__main__":
    asyncio.run(main())
