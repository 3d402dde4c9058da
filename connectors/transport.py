"""The HTTP transport of the department clients: httpx's request and response types over
aiohttp's connection pool, answers read whole.

Why not httpx's own pool: httpcore inspects every pooled connection on every request (an
expiry check that asks anyio for the socket's attributes, a `getpeername` each); with the tens
of keep-alive connections a busy system holds, that was 4–5 ms of CPU per department call
against ~0.6 ms through aiohttp's pool (measured on loopback, 40 calls in flight).

Why not the httpx-aiohttp adapter (used until the profile of an uncached home screen showed
it): it hands aiohttp httpx's `Headers` and the URL as a string, which aiohttp walks and parses
again, and streams every answer through two wrappers. Department answers are small JSON
documents read whole, so this transport reads the body in one go, gives aiohttp the URL
already encoded (the bytes we signed are the bytes sent) and plain header pairs: about half
the transport's CPU per call (bench/cpu_profile.py).

Errors: a connection the department drops or refuses is told from a timeout (maybe slow,
retry later), and a dropped connection after the request went out from one that never started.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp
import httpx
import yarl

# httpx's timeout keys, as DepartmentClient puts them in each request's extensions.
_TimeoutKeys = tuple[float | None, float | None, float | None]


def _as_httpx(cause: BaseException, request: httpx.Request) -> httpx.TransportError | None:
    if isinstance(cause, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(str(cause) or "connect timeout", request=request)
    if isinstance(cause, aiohttp.ServerTimeoutError | asyncio.TimeoutError):
        return httpx.ReadTimeout(str(cause) or "read timeout", request=request)
    if isinstance(cause, aiohttp.ClientConnectorError):
        return httpx.ConnectError(str(cause), request=request)
    if isinstance(cause, aiohttp.ClientPayloadError):
        return httpx.ReadError(str(cause), request=request)
    if isinstance(cause, aiohttp.ClientConnectionError):
        return httpx.RemoteProtocolError(str(cause) or "connection closed", request=request)
    if isinstance(cause, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(str(cause), request=request)
    if isinstance(cause, aiohttp.ClientError):
        return httpx.TransportError(str(cause) or type(cause).__name__, request=request)
    return None


@contextmanager
def _mapped(request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except (TimeoutError, aiohttp.ClientError) as exc:
        better = _as_httpx(exc, request)
        if better is None:
            raise
        raise better from exc


class DepartmentTransport(httpx.AsyncBaseTransport):
    def __init__(self, *, max_connections: int) -> None:
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[_TimeoutKeys, aiohttp.ClientTimeout] = {}

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use: a session belongs to the event loop that runs the calls.
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._max_connections, limit_per_host=0)
            # No cookie jar: the gateway calls on behalf of many people and must never carry one
            # person's department cookie into another's call. Proxies from the environment do
            # not apply either: department endpoints are configured explicitly.
            self._session = aiohttp.ClientSession(
                connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False, auto_decompress=False
            )
        return self._session

    def _timeout(self, request: httpx.Request) -> aiohttp.ClientTimeout:
        given = request.extensions.get("timeout", {})
        keys = (given.get("connect"), given.get("read"), given.get("pool"))
        timeout = self._timeouts.get(keys)
        if timeout is None:
            timeout = self._timeouts[keys] = aiohttp.ClientTimeout(
                sock_connect=keys[0], sock_read=keys[1], connect=keys[2]
            )
        return timeout

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # httpx has already encoded the URL (and the signature covers that exact target).
        url = yarl.URL(str(request.url), encoded=True)
        headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers.raw]
        content = request.content or None
        with _mapped(request):
            async with self._client().request(
                request.method,
                url,
                headers=headers,
                data=content,
                allow_redirects=False,
                compress=False,
                timeout=self._timeout(request),
            ) as answer:
                body = await answer.read()
        # Still encoded as sent (auto_decompress is off): httpx decodes it by Content-Encoding.
        return httpx.Response(
            answer.status,
            headers=answer.raw_headers,
            content=body,
            request=request,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": (answer.reason or "").encode()},
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def department_transport(max_connections: int) -> DepartmentTransport:
    return DepartmentTransport(max_connections=max_connections)
