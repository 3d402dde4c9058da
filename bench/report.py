"""The printed result: one table of scenarios with ratios, then targets, memory and the profile."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from bench.floor import RouteLatency
from bench.profiling import Profile
from bench.scenarios import Row

# The targets of issue 9.
FLOOR_MARGIN_MS = 10.0
CACHED_VS_PEER = 5.0
SEARCH_SERVER_P50_MS = 5.0
# RSS may move by allocator noise; more than this over the soak counts as growth.
RSS_GROWTH_TOLERANCE = 0.03
# Rows measured with one client alone (no queue in front of the request).
SOLO_ME = "me (uncached) alone"
SOLO_SEARCH = "search alone"


@dataclass
class Memory:
    workers: int
    start: list[float]
    after_run: list[float] = field(default_factory=list)
    after_soak: list[float] = field(default_factory=list)
    soak_requests: int = 0
    soak_errors: int = 0
    soak_error_samples: list[str] = field(default_factory=list)

    @property
    def growth(self) -> float | None:
        if not self.after_soak or not self.after_run:
            return None
        return sum(self.after_soak) / sum(self.after_run) - 1


@dataclass
class Report:
    latency_ms: int
    clients: int
    duration_s: float
    soak_s: float
    sections: list[str] = field(default_factory=list)
    routes: dict[str, dict[str, int]] = field(default_factory=dict)
    floor: list[RouteLatency] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    memory: list[Memory] = field(default_factory=list)
    profile: Profile | None = None
    peer_fields: list[str] = field(default_factory=list)
    peer_left_out: list[str] = field(default_factory=list)
    peer_rss: list[list[float]] = field(default_factory=list)
    # Uncached me, ours / peer rps in each round that ran the two back to back, by worker count.
    round_ratios: dict[int, list[float]] = field(default_factory=dict)
    load_average: str = ""
    parts: str = "SQLite, in-process cache"

    @property
    def floor_ms(self) -> float | None:
        return self.floor[0].p50_ms if self.floor else None

    @property
    def dependent_routes(self) -> list[str]:
        """Reads of `me` that need an earlier answer (batch lookups by the ids another system sent)."""
        return [
            f"{system} {route}" for system, hits in self.routes.items() for route in hits if not route.startswith("GET")
        ]

    @property
    def critical_path_ms(self) -> float | None:
        """The floor of the whole query: the slowest read, plus one more read when some read must
        wait for another's answer (at least the fastest read's latency)."""
        if not self.floor:
            return None
        return self.floor[0].p50_ms + (self.floor[-1].p50_ms if self.dependent_routes else 0.0)

    def row(self, scenario: str, side: str, workers: int) -> Row | None:
        return next(
            (r for r in self.rows if r.scenario == scenario and r.side == side and r.workers == workers and r.result),
            None,
        )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def _notes(report: Report, row: Row) -> str:
    if row.note and row.result is None:
        return row.note
    notes = [row.note] if row.note else []
    assert row.result is not None
    peer = report.row("me (equivalent)", "peer", row.workers)
    if row.scenario == SOLO_ME and report.floor_ms:
        notes.append(f"p50/floor {_ratio(row.result.p(50), report.floor_ms)}")
        notes.append(f"p50 - floor {row.result.p(50) - report.floor_ms:+.1f} ms")
    if row.scenario == "me (uncached)":
        if report.floor_ms and report.critical_path_ms:
            notes.append(f"p50/floor {_ratio(row.result.p(50), report.floor_ms)}")
            if report.dependent_routes:
                notes.append(f"p50/critical path {_ratio(row.result.p(50), report.critical_path_ms)}")
        if peer and peer.result:
            notes.append(f"ours/peer rps {_ratio(row.result.rps, peer.result.rps)}")
            notes.append(f"p50 {_ratio(row.result.p(50), peer.result.p(50))}")
    if row.scenario == "me (cached)" and peer and peer.result:
        notes.append(f"ours/peer rps {_ratio(row.result.rps, peer.result.rps)}")
        notes.append(f"p50 {_ratio(row.result.p(50), peer.result.p(50))}")
    if row.result.not_found:
        notes.append(f"{row.result.not_found} answers with a department 404 (no record), not counted as errors")
    notes.append(f"{row.result.mean_bytes / 1024:.1f} KiB/answer")
    return "; ".join(notes)


def scenario_table(report: Report) -> Table:
    table = Table(
        title=f"citizen-space vs Hive Gateway · {report.clients} clients · {report.latency_ms} ms per department"
    )
    for column in (
        "scenario",
        "gateway",
        "w",
        "requests",
        "rps",
        "p50 ms",
        "p95",
        "p99",
        "errors",
        "server p50",
        "CPU ms/req",
        "sims CPU",
        "notes",
    ):
        table.add_column(column, justify="left" if column in ("scenario", "gateway", "notes") else "right")
    for workers in sorted({r.workers for r in report.rows}):
        for row in [r for r in report.rows if r.workers == workers]:
            result = row.result
            if result is None:
                table.add_row(row.scenario, row.side, str(row.workers), *["-"] * 9, _notes(report, row))
                continue
            table.add_row(
                row.scenario,
                "citizen-space" if row.side == "ours" else "hive-gateway",
                str(row.workers),
                str(result.requests),
                f"{result.rps:.0f}",
                _ms(result.p(50)),
                _ms(result.p(95)),
                _ms(result.p(99)),
                str(result.errors),
                _ms(row.server_p50),
                f"{row.server_cpu_ms:.1f}",
                f"{row.sims_cpu_ms:.1f}",
                _notes(report, row),
            )
        table.add_section()
    return table


def cpu_bound_ms(row: Row) -> float:
    """The least p50 this machine allows a closed loop of `row.clients` (Little's law): each
    request costs CPU in the gateway, the simulated departments and the load generator, all on
    these cores, so at most cores / CPU-per-request answers a second, and each client waits for
    the others' share: clients × CPU per request / cores, whatever the gateway does with its
    waiting."""
    if row.result is None or not row.result.requests:
        return 0.0
    client_cpu_ms = row.result.client_cpu_s * 1000 / row.result.requests
    return row.clients * (row.server_cpu_ms + row.sims_cpu_ms + client_cpu_ms) / (os.cpu_count() or 1)


def targets_table(report: Report) -> Table:
    table = Table(title="targets (issue 9)")
    for column in ("w", "target", "measured", "met"):
        table.add_column(column)

    def verdict(ok: bool | None) -> str:
        return "-" if ok is None else ("[green]yes[/green]" if ok else "[red]no[/red]")

    for workers in sorted({r.workers for r in report.rows}):
        me = report.row("me (uncached)", "ours", workers)
        cached = report.row("me (cached)", "ours", workers)
        peer = report.row("me (equivalent)", "peer", workers)
        search = report.row("search", "ours", workers)
        solo = report.row(SOLO_ME, "ours", workers)
        for row, who in ((me, f"{report.clients} clients"), (solo, "1 client")):
            if row and row.result and report.floor_ms:
                limit = report.floor_ms + FLOOR_MARGIN_MS
                p50 = row.result.p(50)
                bound = cpu_bound_ms(row)
                table.add_row(
                    str(workers),
                    f"uncached me p50 ≤ slowest backend + 10 ms ({who})",
                    f"{p50:.1f} ≤ {limit:.1f} ms" + (f" (CPU alone: ≥ {bound:.0f} ms)" if row.clients > 1 else ""),
                    verdict(p50 <= limit),
                )
        if me and me.result and peer and peer.result:
            ratio = me.result.rps / peer.result.rps
            rounds = report.round_ratios.get(workers, [])
            each = f" (rounds: {' '.join(f'×{r:.2f}' for r in rounds)})" if len(rounds) > 1 else ""
            table.add_row(str(workers), "uncached me rps ≥ peer", f"×{ratio:.2f}{each}", verdict(ratio >= 1.0))
        if cached and cached.result and peer and peer.result:
            ratio = cached.result.rps / peer.result.rps
            table.add_row(str(workers), "cached me rps ≥ 5 × peer", f"×{ratio:.2f}", verdict(ratio >= CACHED_VS_PEER))
        solo_search = report.row(SOLO_SEARCH, "ours", workers)
        for row, who in ((search, f"{report.clients} clients"), (solo_search, "1 client")):
            if row and row.server_p50 is not None:
                table.add_row(
                    str(workers),
                    f"search p50 ≤ 5 ms at the server ({who})",
                    f"{row.server_p50:.1f} ms",
                    verdict(row.server_p50 <= SEARCH_SERVER_P50_MS),
                )
    for memory in report.memory:
        if memory.growth is not None:
            table.add_row(
                str(memory.workers),
                f"no RSS growth over the soak (≤ {RSS_GROWTH_TOLERANCE:.0%})",
                f"{memory.growth:+.1%}",
                verdict(memory.growth <= RSS_GROWTH_TOLERANCE),
            )
    return table


def memory_table(report: Report) -> Table:
    table = Table(title=f"RSS per worker, MiB (soak {report.soak_s:.0f} s of mixed load)")
    for column in ("w", "at start", "after the run", "after the soak", "soak requests", "soak errors"):
        table.add_column(column, justify="right")
    for memory in report.memory:
        table.add_row(
            str(memory.workers),
            " / ".join(map(str, memory.start)),
            " / ".join(map(str, memory.after_run)),
            " / ".join(map(str, memory.after_soak)) or "-",
            str(memory.soak_requests) if memory.after_soak else "-",
            str(memory.soak_errors) if memory.after_soak else "-",
        )
    return table


def print_report(report: Report) -> str:
    """Print the report and return it as plain text."""
    console = Console(width=220, record=True)
    calls = sum(sum(h.values()) for h in report.routes.values())
    console.print(f"our gateway's parts: {report.parts}")
    console.print(f"me sections: {', '.join(report.sections)}")
    console.print(
        f"one uncached me = {calls} department calls to {len(report.routes)} systems: "
        + ", ".join(f"{system} {sum(h.values())}" for system, h in sorted(report.routes.items()))
    )
    if report.floor:
        slowest = report.floor[0]
        console.print(
            f"floor: slowest department read p50 {slowest.p50_ms:.1f} ms "
            f"({slowest.system} {slowest.route}, called directly)"
        )
    if report.dependent_routes and report.critical_path_ms:
        console.print(
            f"critical path ≈ {report.critical_path_ms:.1f} ms: {', '.join(report.dependent_routes)} "
            "must wait for an earlier answer"
        )
    console.print(scenario_table(report))
    console.print(targets_table(report))
    console.print(memory_table(report))
    if report.peer_rss:
        console.print(f"peer RSS after its run (MiB per process): {report.peer_rss}")
    if report.peer_fields:
        console.print(
            f"peer query: {len(report.peer_fields)} REST reads; left out: {', '.join(report.peer_left_out) or 'none'}"
        )
    profile = report.profile
    if profile is not None:
        if profile.error:
            console.print(f"profile: {profile.error}")
        else:
            table = Table(title=f"profile of one worker during uncached me ({profile.samples} samples holding the GIL)")
            table.add_column("what the request spent CPU on")
            table.add_column("share", justify="right")
            table.add_column("which code ran (self time, by package)")
            table.add_column("share", justify="right")
            phases = profile.by_phase.most_common()
            families = profile.by_family.most_common(len(phases) + 4)
            for i in range(max(len(phases), len(families))):
                a = phases[i] if i < len(phases) else ("", 0)
                b = families[i] if i < len(families) else ("", 0)
                table.add_row(a[0], profile.share(a[1]) if a[0] else "", b[0], profile.share(b[1]) if b[0] else "")
            console.print(table)
            hot = Table(title="hottest functions")
            hot.add_column("ours, inclusive (function and what it calls)")
            hot.add_column("share", justify="right")
            hot.add_column("self time")
            hot.add_column("share", justify="right")
            inclusive = profile.ours_inclusive.most_common(20)
            selfs = profile.self_time.most_common(20)
            for i in range(max(len(selfs), len(inclusive))):
                a = inclusive[i] if i < len(inclusive) else ("", 0)
                b = selfs[i] if i < len(selfs) else ("", 0)
                hot.add_row(
                    a[0][:100], profile.share(a[1]) if a[0] else "", b[0][:100], profile.share(b[1]) if b[0] else ""
                )
            console.print(hot)
    console.print(f"machine: {os.cpu_count()} cores; load average (1, 5, 15 min) at the end: {report.load_average}")
    return console.export_text()
