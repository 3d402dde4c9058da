"""Start real servers for tests: the simulators as a child process, ASGI apps on threads."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from kit.sockets import listening_socket

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A port for a child process to bind. Racy (something else may take it first), so servers
    of our own process bind their socket up front instead (see ThreadedServer)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def simulators_process(only: list[str] | None = None, env: dict[str, str] | None = None) -> Iterator[dict[str, str]]:
    args = [sys.executable, "-m", "simulators", "--random-ports"]
    if only:
        args += ["--only", ",".join(only)]
    process = subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("READY "):
        process.kill()
        raise RuntimeError(f"simulators did not start: {line!r}")
    try:
        yield json.loads(line.removeprefix("READY "))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


class ThreadedServer:
    """An ASGI app served by uvicorn on a background thread, on a free loopback port."""

    def __init__(self, app: Any, port: int | None = None, sock: socket.socket | None = None) -> None:
        # Bound now, served later: the port is known before the server starts, and no one else
        # can take it in between.
        self.socket = sock or listening_socket(port=port or 0)
        self.port = int(self.socket.getsockname()[1])
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False, log_config=None
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
