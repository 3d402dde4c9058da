"""Child processes of the bench: start, wait for readiness, read their memory, stop them.

Every process started here is ended by its own id (never by name), and only loopback
addresses are ever contacted.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import httpx

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def require_loopback(url: str) -> str:
    """Load and soak traffic may only go to this machine."""
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK and not host.startswith("127."):
        raise ValueError(f"refusing to send bench traffic to a non-loopback address: {url}")
    return url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(url: str, process: subprocess.Popen[Any] | None, timeout: float, what: str) -> None:
    """Poll `url` until it answers 200; fail early when the process died."""
    require_loopback(url)
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} before it was ready")
        try:
            response = httpx.get(url, timeout=2.0)
            if response.status_code == 200:
                return
            last = f"HTTP {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        time.sleep(0.2)
    raise RuntimeError(f"{what} not ready after {timeout:.0f}s ({last})")


def stop(process: subprocess.Popen[Any], timeout: float = 15.0) -> None:
    """SIGINT (a graceful uvicorn shutdown), then SIGTERM, then SIGKILL, all by this process id."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGTERM, 5.0)):
        process.send_signal(sig)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
    process.kill()
    process.wait(timeout=5)


@contextmanager
def running(
    args: Sequence[str], *, cwd: Path, env: dict[str, str], log: Path, stdout_pipe: bool = False
) -> Iterator[subprocess.Popen[str]]:
    """A child process with its stderr (and stdout unless piped) appended to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as sink:
        stdout: int | IO[str] = subprocess.PIPE if stdout_pipe else sink
        process = subprocess.Popen(list(args), cwd=cwd, env=env, stdout=stdout, stderr=sink, text=True)
        try:
            yield process
        finally:
            stop(process)


# -- memory ----------------------------------------------------------------------------------


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def children_of(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return ""


def uvicorn_workers(pid: int) -> list[int]:
    """The processes that serve requests: the process itself with one worker, else its worker
    children (uvicorn's supervisor only watches them; multiprocessing's resource tracker is no worker)."""
    workers = [c for c in children_of(pid) if "resource_tracker" not in _cmdline(c)]
    return workers or [pid]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (from /proc, clock ticks)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks
