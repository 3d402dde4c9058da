"""Request id + access log, and rate limits, as plain ASGI middleware.

Starlette's `@app.middleware("http")` (BaseHTTPMiddleware) runs the rest of the app in a new
task with memory streams for every request; with two of them that was a measurable share of a
request's CPU. Plain ASGI does the same work inline.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
import uuid
from typing import Any

import orjson

from gateway.logging import request_id_var
from gateway.persisted import ASGIApp, Message, Receive, Scope, Send
from gateway.state import AppState

log = logging.getLogger("citizen.http")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


class RequestContext:
    """Every response, rejected or not, carries a request id; every request is logged once
    with its path only (query strings and headers — tokens — never reach the log)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id") or ""
        request_id = incoming if 8 <= len(incoming) <= 64 and incoming.isascii() else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", request_id.encode())]
            await send(message)

        token = request_id_var.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "request_id": request_id,
                },
            )


class RateLimit:
    """Per client IP and per caller on the GraphQL endpoint: HTTP 429 with Retry-After."""

    def __init__(self, app: ASGIApp, *, path: str = "/graphql") -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.path):
            await self.app(scope, receive, send)
            return
        state: AppState = scope["app"].state.citizen
        settings = state.settings
        client = scope.get("client")
        checks = [(f"ip:{client[0] if client else 'unknown'}", settings.rate_limit_per_ip)]
        authorization = _header(scope, b"authorization")
        if authorization:
            # Keyed by a hash of the token: one signed-in caller, without decoding it twice.
            caller_key = hashlib.sha256(authorization.encode()).hexdigest()[:32]
            checks.append((f"caller:{caller_key}", settings.rate_limit_per_caller))
        for key, limit in checks:
            verdict = await state.rate_limiter.hit(key, limit, settings.rate_limit_window_seconds)
            if not verdict.allowed:
                await _too_many(send, max(1, math.ceil(verdict.retry_after_seconds)))
                return
        await self.app(scope, receive, send)


async def _too_many(send: Send, retry_after: int) -> None:
    body = orjson.dumps(
        {"data": None, "errors": [{"message": "请求过于频繁，请稍后再试", "extensions": {"code": "RATE_LIMITED"}}]}
    )
    headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(retry_after).encode()),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})
