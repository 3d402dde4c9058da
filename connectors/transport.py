"""The HTTP transport of the department clients: aiohttp's connection pool under httpx's API.

httpcore's pool inspects every pooled connection on every request (an expiry check that asks
anyio for the socket's attributes, a `getpeername` each); with the tens of keep-alive
connections a busy system holds, that was 4–5 ms of CPU per department call against ~0.6 ms
through aiohttp's pool (measured on loopback, 40 calls in flight). httpx-aiohttp keeps httpx's
request and response types, so signing, timeouts and the connector code stay as they are.

Its exception mapping reports a connection the department drops or refuses as
`ConnectTimeout`. Our errors tell a timeout (maybe slow, retry later) from a system that is
not there, and a dropped connection after the request went out from one that never started,
so the original aiohttp error decides here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport


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
    return None


@contextmanager
def _mapped(request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except httpx.TransportError as exc:
        better = _as_httpx(exc.__cause__, request) if exc.__cause__ is not None else None
        if better is None:
            raise
        raise better from exc.__cause__
    except (TimeoutError, aiohttp.ClientError) as exc:
        better = _as_httpx(exc, request)
        if better is None:
            raise
        raise better from exc


class _MappedStream(httpx.AsyncByteStream):
    """The response body, with the same error mapping while it is read."""

    def __init__(self, inner: httpx.AsyncByteStream, request: httpx.Request) -> None:
        self._inner = inner
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _mapped(self._request):
            async for chunk in self._inner:
                yield chunk

    async def aclose(self) -> None:
        with _mapped(self._request):
            await self._inner.aclose()


class DepartmentTransport(AiohttpTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        with _mapped(request):
            response = await super().handle_async_request(request)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _MappedStream(response.stream, request)
        return response


def department_transport(max_connections: int) -> DepartmentTransport:
    return DepartmentTransport(
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        # Department endpoints are configured explicitly; proxies from the environment do not apply.
        trust_env=False,
    )
