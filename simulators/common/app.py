"""The simulator app factory: authentication of the gateway, faults, health, OpenAPI."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from kit import signing
from simulators.common.faults import Faults, FaultState

Call = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class SimulatorAuth:
    mode: Literal["hmac", "api_key"]
    key_id: str
    secret: str


def create_simulator_app(name: str, title: str, auth: SimulatorAuth, description: str = "") -> FastAPI:
    app = FastAPI(title=f"{title} (simulator: {name})", description=description, version="1.0")
    faults = FaultState()
    app.state.faults = faults
    app.state.simulator_name = name

    @app.middleware("http")
    async def guard(request: Request, call_next: Call) -> Response:
        if not request.url.path.startswith("/api/"):
            return await call_next(request)
        body = await request.body()
        reason = _authenticate(auth, request, body)
        if reason:
            return JSONResponse({"code": "UNAUTHORIZED", "message": reason}, status_code=401)
        await faults.delay()
        if faults.should_fail():
            return JSONResponse({"code": "INJECTED_FAULT", "message": "服务暂不可用"}, status_code=503)
        response = await call_next(request)
        if faults.current.malformed:
            return Response(b'{"items": [{"broken', status_code=200, media_type="application/json")
        return response

    @app.post("/_admin/faults", tags=["admin"])
    async def set_faults(new: Faults) -> Faults:
        faults.set(new)
        return faults.current

    @app.delete("/_admin/faults", tags=["admin"])
    async def clear_faults() -> Faults:
        faults.clear()
        return faults.current

    @app.get("/_admin/faults", tags=["admin"])
    async def get_faults() -> Faults:
        return faults.current

    @app.get("/healthz", tags=["admin"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "system": name}

    return app


def _authenticate(auth: SimulatorAuth, request: Request, body: bytes) -> str | None:
    if auth.mode == "api_key":
        presented = request.headers.get(signing.API_KEY_HEADER, "")
        return None if hmac.compare_digest(presented, auth.secret) else "bad or missing API key"
    if request.headers.get(signing.KEY_HEADER) != auth.key_id:
        return "unknown key id"
    # Sign over the bytes on the wire, exactly as the client built them.
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string", b"")
    target = (raw_path + (b"?" + query if query else b"")).decode("latin-1")
    return signing.verify(auth.secret, request.method, target, body, request.headers)
