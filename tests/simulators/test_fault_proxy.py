"""The fault proxy itself, in front of a tiny upstream whose answers we know byte for byte."""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from simulators.fault_proxy import FaultProxy
from tests.support.servers import ThreadedServer

BLOB = hashlib.sha256(b"fault-proxy").digest() * 4096  # 128 KiB, not one repeated byte
GET_BLOB = b"GET /blob?size=16 HTTP/1.1\r\nHost: upstream\r\n\r\n"


def _upstream_app(seen: list[str]) -> FastAPI:
    app = FastAPI()

    @app.get("/blob")
    async def blob(size: int) -> Response:
        seen.append(f"blob {size}")
        return Response(BLOB[:size], media_type="application/octet-stream")

    @app.post("/echo")
    async def echo(request: Request) -> Response:
        body = await request.body()
        seen.append(f"echo {len(body)}")
        return Response(body, media_type="application/octet-stream")

    return app


def _ask_raw(proxy: FaultProxy) -> bytes:
    with socket.create_connection(proxy.address, timeout=5) as sock:
        sock.sendall(GET_BLOB)
        return sock.recv(1024)


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    with ThreadedServer(_upstream_app(seen)) as server:
        yield server.url, seen


@pytest.fixture
def proxy(upstream: tuple[str, list[str]]) -> Iterator[FaultProxy]:
    with FaultProxy.for_url(upstream[0]) as running:
        yield running


def test_bytes_pass_through_both_ways(proxy: FaultProxy) -> None:
    with httpx.Client(base_url=proxy.url, timeout=10) as client:
        assert client.get("/blob", params={"size": len(BLOB)}).content == BLOB
        payload = BLOB[:50_000]
        assert client.post("/echo", content=payload).content == payload
    stats = proxy.stats()
    assert stats.connections == {"none": 1}  # one kept-alive connection carried both requests
    assert stats.bytes_to_client["none"] > len(BLOB) + len(payload)
    assert stats.bytes_to_upstream["none"] > len(payload)
    assert stats.resets == 0


def test_reset_closes_with_rst(proxy: FaultProxy) -> None:
    proxy.reset()
    # On loopback the RST may come back before connect() returns; a FIN would read b"" instead.
    with pytest.raises(ConnectionResetError):
        _ask_raw(proxy)
    with httpx.Client(base_url=proxy.url, timeout=5) as client, pytest.raises(httpx.TransportError):
        client.get("/blob", params={"size": 16})
    stats = proxy.stats()
    assert stats.resets == stats.connections["reset"] == 2
    assert not stats.bytes_to_client


def test_reset_also_hits_a_kept_alive_connection(proxy: FaultProxy) -> None:
    with httpx.Client(base_url=proxy.url, timeout=5) as client:
        assert client.get("/blob", params={"size": 16}).content == BLOB[:16]
        proxy.reset()
        with pytest.raises(httpx.TransportError):
            client.get("/blob", params={"size": 16})
    assert proxy.stats().resets >= 1


def test_hang_accepts_reads_and_never_answers(proxy: FaultProxy, upstream: tuple[str, list[str]]) -> None:
    seen = upstream[1]
    before = len(seen)
    proxy.hang()
    with (
        httpx.Client(base_url=proxy.url, timeout=httpx.Timeout(5, read=0.3)) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.post("/echo", content=b"x" * 1000)
    assert len(seen) == before  # the request never reached the upstream
    stats = proxy.stats()
    assert stats.connections == {"hang": 1}
    assert stats.bytes_swallowed > 1000
    assert not stats.bytes_to_upstream


def test_drop_is_the_same_blackhole(proxy: FaultProxy) -> None:
    proxy.drop()
    assert proxy.mode.kind == "hang"


def test_hang_also_swallows_a_kept_alive_connection(proxy: FaultProxy) -> None:
    with httpx.Client(base_url=proxy.url, timeout=httpx.Timeout(5, read=0.3)) as client:
        assert client.get("/blob", params={"size": 16}).content == BLOB[:16]
        proxy.hang()
        with pytest.raises(httpx.ReadTimeout):
            client.get("/blob", params={"size": 16})
        proxy.clear()
        # The client dropped the timed-out connection; a new one passes again.
        assert client.get("/blob", params={"size": 16}).content == BLOB[:16]


def test_slow_body_trickles_but_arrives_complete(proxy: FaultProxy) -> None:
    size = 40_000
    proxy.slow_body(100_000)
    pieces: list[bytes] = []
    # The read timeout is far shorter than the whole body takes: a trickle keeps it alive.
    with (
        httpx.Client(base_url=proxy.url, timeout=httpx.Timeout(10, read=1.0)) as client,
        client.stream("GET", "/blob", params={"size": size}) as response,
    ):
        pieces.extend(response.iter_raw())
    assert b"".join(pieces) == BLOB[:size]
    # Cut into 10 kB pieces a tenth of a second apart: several reads, not one (a busy reader
    # may take two pieces at once, so not exactly four).
    assert len(pieces) >= 3
    stats = proxy.stats()
    assert stats.bytes_to_client["slow_body"] > size
    assert stats.bytes_to_upstream["slow_body"] > 0  # the request went up unthrottled


def test_latency_delays_without_changing_the_bytes(proxy: FaultProxy, upstream: tuple[str, list[str]]) -> None:
    proxy.latency(600)
    with (
        httpx.Client(base_url=proxy.url, timeout=httpx.Timeout(5, read=0.1)) as impatient,
        pytest.raises(httpx.ReadTimeout),
    ):
        impatient.get("/blob", params={"size": 16})
    with httpx.Client(base_url=proxy.url, timeout=10) as patient:
        assert patient.post("/echo", content=BLOB[:20_000]).content == BLOB[:20_000]
    assert proxy.stats().bytes_to_client["latency"] > 20_000


def test_a_delayed_request_finishes_after_a_later_clean_one(upstream: tuple[str, list[str]]) -> None:
    finished: list[str] = []
    with FaultProxy.for_url(upstream[0]) as slow, FaultProxy.for_url(upstream[0]) as clean:
        slow.latency(1000)

        def fetch(name: str, proxy: FaultProxy) -> None:
            with httpx.Client(base_url=proxy.url, timeout=30) as client:
                assert client.get("/blob", params={"size": 64}).content == BLOB[:64]
            finished.append(name)

        first = threading.Thread(target=fetch, args=("delayed", slow))
        first.start()
        fetch("clean", clean)
        first.join(timeout=30)
    assert finished == ["clean", "delayed"]


def test_stop_closes_open_connections_and_the_listener(upstream: tuple[str, list[str]]) -> None:
    proxy = FaultProxy.for_url(upstream[0]).start()
    address = proxy.address
    proxy.hang()
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(GET_BLOB)
        # Wait until the proxy has read the request (unread bytes would turn the close into an RST).
        for _ in range(250):
            if proxy.stats().bytes_swallowed == len(GET_BLOB):
                break
            threading.Event().wait(0.02)
        assert proxy.stats().open_connections == 1
        proxy.stop()
        assert proxy.stats().open_connections == 0
        assert sock.recv(1024) == b""  # closed, not left hanging
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=5).close()
