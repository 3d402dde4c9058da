"""Rate limits per caller and per client IP on the GraphQL endpoint (HTTP 429 + Retry-After)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Awaitable, Callable

import orjson
from fastapi import Request, Response

from gateway.state import AppState


async def rate_limit(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    if not request.url.path.startswith("/graphql"):
        return await call_next(request)
    state: AppState = request.app.state.citizen
    settings = state.settings
    checks: list[tuple[str, int]] = []
    client_ip = request.client.host if request.client else "unknown"
    checks.append((f"ip:{client_ip}", settings.rate_limit_per_ip))
    authorization = request.headers.get("authorization")
    if authorization:
        # Keyed by a hash of the token: one signed-in caller, without decoding it twice.
        caller_key = hashlib.sha256(authorization.encode()).hexdigest()[:32]
        checks.append((f"caller:{caller_key}", settings.rate_limit_per_caller))
    for key, limit in checks:
        verdict = await state.rate_limiter.hit(key, limit, settings.rate_limit_window_seconds)
        if not verdict.allowed:
            body = orjson.dumps(
                {
                    "data": None,
                    "errors": [{"message": "请求过于频繁，请稍后再试", "extensions": {"code": "RATE_LIMITED"}}],
                }
            )
            return Response(
                body,
                status_code=429,
                media_type="application/json",
                headers={"Retry-After": str(max(1, math.ceil(verdict.retry_after_seconds)))},
            )
    return await call_next(request)
