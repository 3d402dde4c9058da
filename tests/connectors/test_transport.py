"""The department transport, against a live HTTP server: what it sends, what it gives back, and
how it reports a department that is not there or hangs up."""

from __future__ import annotations

import gzip
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from aiohttp import web

from connectors.base import query_string
from connectors.transport import DepartmentTransport

TIMEOUT = httpx.Timeout(2.0).as_dict()


async def echo(request: web.Request) -> web.Response:
    response = web.json_response(
        {"cookie": request.headers.get("Cookie"), "query": dict(request.query), "path": request.raw_path}
    )
    # A department (or a proxy before it) that sets a session cookie on every answer.
    response.set_cookie("SESSION", request.query.get("person", "?"))
    return response


async def zipped(_request: web.Request) -> web.Response:
    return web.Response(
        body=gzip.compress("办件".encode() * 100),
        headers={"Content-Encoding": "gzip", "Content-Type": "text/plain; charset=utf-8"},
    )


async def hang_up(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Length": "1000"})
    await response.prepare(request)
    await response.write(b"{")
    assert request.transport is not None
    request.transport.close()
    return response


@pytest_asyncio.fixture(loop_scope="function")
async def server() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/echo", echo)
    app.router.add_get("/zipped", zipped)
    app.router.add_get("/hang-up", hang_up)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest_asyncio.fixture(loop_scope="function")
async def transport() -> AsyncIterator[DepartmentTransport]:
    transport = DepartmentTransport(max_connections=4)
    yield transport
    await transport.aclose()


def get(url: str) -> httpx.Request:
    return httpx.Request("GET", url, extensions={"timeout": TIMEOUT})


async def test_one_person_s_cookie_never_reaches_another_person_s_call(
    server: str, transport: DepartmentTransport
) -> None:
    # By name, not by IP address: cookie jars keep no cookies from IP addresses.
    by_name = server.replace("127.0.0.1", "localhost")
    first = await transport.handle_async_request(get(f"{by_name}/echo?person=alice"))
    assert first.cookies.get("SESSION") == "alice"
    second = await transport.handle_async_request(get(f"{by_name}/echo?person=bob"))
    assert second.json()["cookie"] is None


async def test_the_target_arrives_as_encoded_and_signed(server: str, transport: DepartmentTransport) -> None:
    url = httpx.URL(f"{server}/echo", params={"name": "张三 李", "tag": "a&b=c"})
    answer = await transport.handle_async_request(get(str(url)))
    assert answer.status_code == 200
    assert answer.json()["path"] == url.raw_path.decode()
    assert answer.json()["query"] == {"name": "张三 李", "tag": "a&b=c"}


async def test_an_encoded_answer_is_decoded(server: str, transport: DepartmentTransport) -> None:
    answer = await transport.handle_async_request(get(f"{server}/zipped"))
    assert answer.text == "办件" * 100


async def test_a_department_that_is_not_there_is_a_connect_error(transport: DepartmentTransport) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(httpx.ConnectError):
        await transport.handle_async_request(get(f"http://127.0.0.1:{port}/echo"))


async def test_a_department_that_hangs_up_mid_answer_is_a_transport_error_not_a_timeout(
    server: str, transport: DepartmentTransport
) -> None:
    with pytest.raises(httpx.TransportError) as raised:
        await transport.handle_async_request(get(f"{server}/hang-up"))
    assert not isinstance(raised.value, httpx.TimeoutException)


@pytest.mark.parametrize(
    "params",
    [
        {"holder_id": "530102199003153217", "holder_id_type": "111"},
        {"status": ["ACCEPTED", "FINISHED"], "page": 2, "page_size": 20},
        {"name": "张三 李&四=", "flag": True, "off": False, "none": None, "ratio": 1.5},
        {"status": ("a b", "c+d"), "empty": ""},
    ],
)
def test_query_strings_are_written_as_httpx_writes_them(params: dict[str, object]) -> None:
    assert query_string(params) == str(httpx.QueryParams(params))  # type: ignore[arg-type]
