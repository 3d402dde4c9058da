"""A fault-injecting TCP proxy to put between the gateway and one department system.

The simulators' own faults (`/_admin/faults`) act inside the app, once a request has been
parsed. Faults below HTTP — a system that accepts a connection and never answers, a connection
reset, a body that trickles in — need something on the wire. Toxiproxy does this well, but it
is a Go server to install and drive over its own HTTP API, and the Python packages around it
(toxiproxy-python, the chaostoolkit extensions) are only clients for that server, last released
years ago. Tests and the bench want a proxy in the same process, switched between faults by a
plain method call, so this is a small asyncio proxy of our own. It runs its own event loop on
its own thread, so synchronous tests and the bench drive it as easily as async code.

Modes (switched at run time from any thread; they apply to connections already open too,
because the gateway keeps its connections alive):

- `none`: bytes pass through untouched.
- `latency(ms)`: every chunk, in either direction, waits `ms` before it is forwarded.
- `hang` (alias `drop`, the firewall sense of the word): connections are accepted and read,
  nothing is forwarded and nothing is answered — a blackhole.
- `reset`: connections are closed with a TCP RST (SO_LINGER 0), at once for new ones, at the
  next chunk for open ones.
- `slow_body(bytes_per_second)`: upstream → client is throttled; the request goes up at full
  speed and the answer arrives complete, only late.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

ModeKind = Literal["none", "latency", "hang", "reset", "slow_body"]
Direction = Literal["up", "down"]

# Pieces a throttled body is cut into per second: small enough to look like a trickle to the
# client's read timeout, large enough that a slow body does not cost a wake-up per byte.
_TRICKLE_PIECES_PER_SECOND = 10
_CHUNK_BYTES = 64 * 1024
_CLOSE_WAIT_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class FaultMode:
    kind: ModeKind = "none"
    latency_ms: float = 0.0
    bytes_per_second: int = 0

    def __post_init__(self) -> None:
        if self.kind == "latency" and self.latency_ms <= 0:
            raise ValueError("latency needs a positive latency_ms")
        if self.kind == "slow_body" and self.bytes_per_second <= 0:
            raise ValueError("slow_body needs a positive bytes_per_second")


@dataclass(frozen=True, slots=True)
class ProxyStats:
    """A snapshot of the counters, keyed by the mode in force when each was counted."""

    connections: dict[str, int] = field(default_factory=dict)
    bytes_to_upstream: dict[str, int] = field(default_factory=dict)
    bytes_to_client: dict[str, int] = field(default_factory=dict)
    bytes_swallowed: int = 0
    resets: int = 0
    open_connections: int = 0

    @property
    def total_connections(self) -> int:
        return sum(self.connections.values())


class _ResetRequested(Exception):
    """The mode turned to `reset` while a connection was open."""


class _PeerGone(Exception):
    """One side dropped the connection: the other has nothing more to wait for."""


class FaultProxy:
    """`with FaultProxy(host, port) as proxy:` listens on 127.0.0.1 at a free port; point a
    client at `proxy.url` and switch faults with `proxy.hang()`, `proxy.clear()`, …"""

    def __init__(self, upstream_host: str, upstream_port: int, *, listen_host: str = "127.0.0.1") -> None:
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.listen_host = listen_host
        self._lock = threading.Lock()
        self._mode = FaultMode()
        self._connections: Counter[str] = Counter()
        self._bytes_up: Counter[str] = Counter()
        self._bytes_down: Counter[str] = Counter()
        self._swallowed = 0
        self._resets = 0
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    def for_url(cls, base_url: str) -> FaultProxy:
        """A proxy in front of an `http://host:port` base URL."""
        parts = urlsplit(base_url)
        if parts.hostname is None or parts.port is None:
            raise ValueError(f"need an explicit host and port: {base_url!r}")
        return cls(parts.hostname, parts.port)

    # -- where it listens ---------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the proxy is not running")
        return self._port

    @property
    def address(self) -> tuple[str, int]:
        return self.listen_host, self.port

    @property
    def url(self) -> str:
        """The base URL to give a client instead of the upstream's."""
        return f"http://{self.listen_host}:{self.port}"

    # -- faults -------------------------------------------------------------------------------

    @property
    def mode(self) -> FaultMode:
        with self._lock:
            return self._mode

    def set_mode(self, mode: FaultMode) -> None:
        with self._lock:
            self._mode = mode

    def clear(self) -> None:
        self.set_mode(FaultMode())

    def latency(self, ms: float) -> None:
        self.set_mode(FaultMode("latency", latency_ms=ms))

    def hang(self) -> None:
        self.set_mode(FaultMode("hang"))

    drop = hang

    def reset(self) -> None:
        self.set_mode(FaultMode("reset"))

    def slow_body(self, bytes_per_second: int) -> None:
        self.set_mode(FaultMode("slow_body", bytes_per_second=bytes_per_second))

    def stats(self) -> ProxyStats:
        with self._lock:
            return ProxyStats(
                connections=dict(self._connections),
                bytes_to_upstream=dict(self._bytes_up),
                bytes_to_client=dict(self._bytes_down),
                bytes_swallowed=self._swallowed,
                resets=self._resets,
                open_connections=len(self._tasks),
            )

    @property
    def connections(self) -> int:
        """Connections accepted so far, in every mode."""
        with self._lock:
            return sum(self._connections.values())

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        if self._thread is not None:
            raise RuntimeError("the proxy was started already")
        self._thread = threading.Thread(target=self._run, name=f"fault-proxy:{self.upstream_port}", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout=10):
            raise RuntimeError("the fault proxy did not start")
        if self._startup_error is not None:
            raise RuntimeError("the fault proxy did not start") from self._startup_error
        return self

    def stop(self) -> None:
        """Close the listener and every open connection, and end the thread."""
        loop, stopping, thread = self._loop, self._stopping, self._thread
        if thread is None:
            return
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop ended on its own meanwhile
                loop.call_soon_threadsafe(stopping.set)
        thread.join(timeout=10)
        if thread.is_alive():
            raise RuntimeError("the fault proxy did not stop")
        self._thread = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to start(); the thread has no one else to tell
            self._startup_error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._handle, self.listen_host, 0)
        self._port = int(server.sockets[0].getsockname()[1])
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await server.wait_closed()

    # -- one connection -----------------------------------------------------------------------

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        mode = self.mode
        with self._lock:
            self._connections[mode.kind] += 1
        upstream_writer: asyncio.StreamWriter | None = None
        reset = False
        try:
            if mode.kind == "reset":
                reset = True
                return
            if mode.kind == "hang":
                await self._swallow(client_reader)
                return
            try:
                upstream_reader, upstream_writer = await asyncio.open_connection(self.upstream_host, self.upstream_port)
            except OSError:
                reset = True  # an upstream that refuses looks, to the client, like a refused connection
                return
            reset = await self._relay(client_reader, client_writer, upstream_reader, upstream_writer)
        except asyncio.CancelledError:
            # Only stop() cancels us. asyncio (3.11) logs an error for a cancelled connection
            # handler, so end normally: both sides get a plain close.
            reset = False
        finally:
            if reset:
                self._abort(client_writer)
            await _close(client_writer)
            if upstream_writer is not None:
                if reset:
                    upstream_writer.transport.abort()
                await _close(upstream_writer)
            self._tasks.discard(task)

    async def _relay(
        self,
        client_reader: asyncio.StreamReader,
        client_writer: asyncio.StreamWriter,
        upstream_reader: asyncio.StreamReader,
        upstream_writer: asyncio.StreamWriter,
    ) -> bool:
        """Pump both ways until the upstream is done; True when the connection must be reset."""
        up = asyncio.create_task(self._pump(client_reader, upstream_writer, "up"))
        down = asyncio.create_task(self._pump(upstream_reader, client_writer, "down"))
        try:
            # The client ending its side (EOF) does not end the exchange: the answer may still
            # be on its way. The upstream ending its side, or either side dropping, does.
            await asyncio.wait({up, down}, return_when=asyncio.FIRST_EXCEPTION)
            if not down.done() and up.exception() is None:
                await down
        finally:
            for pump in (up, down):
                pump.cancel()
            outcomes = await asyncio.gather(up, down, return_exceptions=True)
        return any(isinstance(outcome, _ResetRequested) for outcome in outcomes)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, direction: Direction) -> None:
        try:
            while data := await reader.read(_CHUNK_BYTES):
                mode = self.mode
                if mode.kind == "reset":
                    raise _ResetRequested
                if mode.kind == "hang":
                    with self._lock:
                        self._swallowed += len(data)
                    continue
                if mode.kind == "latency":
                    await asyncio.sleep(mode.latency_ms / 1000)
                if mode.kind == "slow_body" and direction == "down":
                    await self._trickle(writer, data)
                else:
                    await self._forward(writer, data, direction, mode.kind)
            if writer.can_write_eof() and not writer.is_closing():
                writer.write_eof()
        except OSError as exc:
            raise _PeerGone from exc

    async def _trickle(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        view = memoryview(data)
        while view:
            mode = self.mode
            if mode.kind != "slow_body":
                await self._forward(writer, bytes(view), "down", mode.kind)
                return
            piece = max(1, mode.bytes_per_second // _TRICKLE_PIECES_PER_SECOND)
            await self._forward(writer, bytes(view[:piece]), "down", mode.kind)
            view = view[piece:]
            await asyncio.sleep(piece / mode.bytes_per_second)

    async def _forward(self, writer: asyncio.StreamWriter, data: bytes, direction: Direction, kind: str) -> None:
        # Counted before the write, so that whoever received the bytes also sees them counted.
        with self._lock:
            (self._bytes_up if direction == "up" else self._bytes_down)[kind] += len(data)
        writer.write(data)
        await writer.drain()

    async def _swallow(self, reader: asyncio.StreamReader) -> None:
        """Read and drop everything until the client gives up."""
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(_CHUNK_BYTES):
                with self._lock:
                    self._swallowed += len(data)

    def _abort(self, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            # Linger on, timeout 0: close() sends RST instead of FIN.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
        with self._lock:
            self._resets += 1


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), _CLOSE_WAIT_SECONDS)
    except (TimeoutError, OSError):
        writer.transport.abort()  # a peer that stopped reading keeps its unsent bytes
