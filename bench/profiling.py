"""Sampling profiles of a gateway worker under load (py-spy), summarised for the report.

py-spy attaches to a running process from outside, so the gateway runs exactly as in
production while it is sampled. The summary groups samples by the package of the frame that
was running (self time) and lists the hottest functions, ours and the libraries'.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

PY_SPY = Path(sys.executable).with_name("py-spy")
# `function (/full/path/to/file.py:line)` as py-spy writes a frame with --function --full-filenames.
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")
# uvloop runs tasks from C: below Runner.run come the coroutines themselves.
_LOOP_FRAMES = ("Handle._run ", "Thread.run ", "Runner.run ")
OUR_PACKAGES = ("gateway", "schema", "resolvers", "personal_space", "search", "connectors", "kit")
# Library families, by a marker in the frame's file path.
FAMILIES = [
    ("graphql-core / strawberry", ("/graphql/", "/strawberry/")),
    ("pydantic", ("/pydantic/", "pydantic_core")),
    ("httpx / httpcore (department calls)", ("/httpx/", "/httpcore/", "/h11/", "/anyio/")),
    ("sqlalchemy / aiosqlite / sqlite", ("/sqlalchemy/", "/aiosqlite/", "sqlite3")),
    ("uvicorn / starlette / fastapi", ("/uvicorn/", "/starlette/", "/fastapi/", "httptools", "uvloop")),
    ("logging", ("/logging/",)),
    ("stamina / purgatory", ("/stamina/", "/purgatory/", "/tenacity/")),
    ("prometheus_client", ("/prometheus_client/",)),
    ("jwt / cryptography", ("/jwt/", "/cryptography/")),
    ("asyncio", ("/asyncio/",)),
]


# What a request spends its CPU on: each sample goes to the first phase whose marker is on its
# stack (a department call's SQL-free work is the call's; SQL anywhere is SQL; and so on).
PHASES: list[tuple[str, tuple[str, ...]]] = [
    (
        "department calls (connectors/base.py: httpx, retries, breaker, validation of answers)",
        ("DepartmentClient._call ",),
    ),
    ("SQL (SQLAlchemy, aiosqlite)", ("/sqlalchemy/", "/aiosqlite/")),
    ("GraphQL validation", ("validate_document ", "ValidationCache.on_validate ")),
    ("GraphQL parsing", ("ParserCache.on_parse ", "parse_document ")),
    ("authentication (JWT, account lookup)", ("authenticate ",)),
    ("search and answers", ("/search/",)),
    ("GraphQL execution (resolvers, building the answer)", ("Schema._execute_operation ", "Executor.")),
    ("HTTP server, middlewares, JSON encoding", ("/uvicorn/", "/starlette/", "/fastapi/", "/strawberry/")),
]


@dataclass
class Profile:
    samples: int = 0
    by_family: Counter[str] = field(default_factory=Counter)
    self_time: Counter[str] = field(default_factory=Counter)
    ours_inclusive: Counter[str] = field(default_factory=Counter)
    inclusive: Counter[str] = field(default_factory=Counter)
    by_phase: Counter[str] = field(default_factory=Counter)
    error: str | None = None

    def share(self, count: int) -> str:
        return f"{100 * count / self.samples:.1f}%" if self.samples else "-"

    def hottest_inclusive(self, count: int) -> list[tuple[str, int]]:
        """Inclusive time below the event loop, hottest first."""
        return self.inclusive.most_common(count)


def available() -> bool:
    return PY_SPY.exists() or shutil.which("py-spy") is not None


def start(pid: int, duration_s: float, output: Path) -> subprocess.Popen[bytes]:
    """Sample `pid` for `duration_s` in the background (rate 200 Hz, without pausing it)."""
    binary = str(PY_SPY) if PY_SPY.exists() else "py-spy"
    args = [binary, "record", "-p", str(pid), "-d", str(max(1, round(duration_s))), "-r", "200"]
    # --gil: only samples that hold the GIL, i.e. Python actually running (threads waiting for the
    # GIL, or for SQLite in the aiosqlite thread, would otherwise look busy).
    args += ["--nonblocking", "--gil", "--function", "--full-filenames", "-f", "raw", "-o", str(output)]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish(process: subprocess.Popen[bytes], output: Path) -> Profile:
    try:
        _, stderr = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        return Profile(error="py-spy did not finish")
    if process.returncode != 0 or not output.exists():
        return Profile(error=f"py-spy failed: {stderr.decode(errors='replace').strip()[-300:]}")
    return summarise(output)


def _family(file: str) -> str:
    for name, markers in FAMILIES:
        if any(marker in file for marker in markers):
            return name
    for package in OUR_PACKAGES:
        if f"/{package}/" in file and "site-packages" not in file:
            return f"ours: {package}/"
    return "other (stdlib, orjson, idle)"


def _phase(frames: list[str]) -> str:
    for name, markers in PHASES:
        if any(marker in frame for frame in frames for marker in markers):
            return name
    return "other (event loop, threads, garbage collection)"


def _ours(file: str) -> str | None:
    for package in OUR_PACKAGES:
        marker = f"/{package}/"
        if marker in file and "site-packages" not in file:
            return package + "/" + file.split(marker, 1)[1]
    return None


def _short(file: str) -> str:
    if "site-packages/" in file:
        return file.rsplit("site-packages/", 1)[1]
    if "/lib/python3" in file:
        return "stdlib/" + file.rsplit("/", 1)[-1]
    return _ours(file) or file


def summarise(raw: Path) -> Profile:
    """Collapsed stacks (`frame;frame;... count`, outermost first) → shares by family and function."""
    profile = Profile()
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        profile.samples += count
        leaf = _FRAME.match(frames[-1])
        leaf_file = leaf.group("file") if leaf else frames[-1]
        profile.by_family[_family(leaf_file)] += count
        profile.self_time[f"{leaf.group('func') if leaf else frames[-1]} ({_short(leaf_file)})"] += count
        profile.by_phase[_phase(frames)] += count
        seen: set[str] = set()
        # Inclusive time starts below the event loop (or a thread's run): the frames above it are
        # the same in every sample and say nothing.
        start = max((i + 1 for i, f in enumerate(frames) if f.startswith(_LOOP_FRAMES)), default=0)
        for frame in frames[start:]:
            match = _FRAME.match(frame)
            if not match:
                continue
            key = f"{match.group('func')} ({_short(match.group('file'))})"
            if key in seen:
                continue
            seen.add(key)
            profile.inclusive[key] += count
            if _ours(match.group("file")):
                profile.ours_inclusive[key] += count
    return profile
