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
    requests = RequestCounter()
    app.state.requests = requests

    @app.middleware("http")
    async def guard(request: Request, call_next: Call) -> Response:
        if not request.url.path.startswith("/api/"):
            return await call_next(request)
        # Counted before auth and faults: tests prove what reached us (retries, an open breaker).
        generation = requests.arrive(request.method, request.url.path)
        try:
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
        finally:
            requests.leave(generation)

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

    @app.get("/_admin/requests", tags=["admin"])
    async def get_requests() -> dict[str, object]:
        return requests.snapshot()

    @app.delete("/_admin/requests", tags=["admin"])
    async def reset_requests() -> dict[str, object]:
        requests.reset()
        return requests.snapshot()

    @app.get("/healthz", tags=["admin"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "system": name}

    return app


class RequestCounter:
    """How many /api/ requests arrived since the last reset, in total and per `METHOD path`
    (query left out), and how many were in progress at once at most (a client's concurrency cap).

    Requests still held from before a reset (a `hang` fault keeps them for an hour) belong to an
    older generation and count in neither figure.
    """

    def __init__(self) -> None:
        self.generation = 0
        self.total = 0
        self.by_route: dict[str, int] = {}
        self.in_flight: dict[int, int] = {}
        self.max_in_flight = 0

    def arrive(self, method: str, path: str) -> int:
        self.total += 1
        route = f"{method} {path}"
        self.by_route[route] = self.by_route.get(route, 0) + 1
        current = self.in_flight.get(self.generation, 0) + 1
        self.in_flight[self.generation] = current
        self.max_in_flight = max(self.max_in_flight, current)
        return self.generation

    def leave(self, generation: int) -> None:
        self.in_flight[generation] -= 1
        if not self.in_flight[generation] and generation != self.generation:
            del self.in_flight[generation]

    def reset(self) -> None:
        if not self.in_flight.get(self.generation):
            self.in_flight.pop(self.generation, None)
        self.generation += 1
        self.total = 0
        self.by_route = {}
        self.max_in_flight = 0

    def snapshot(self) -> dict[str, object]:
        return {
            "total": self.total,
            "by_route": dict(self.by_route),
            "in_flight": self.in_flight.get(self.generation, 0),
            "max_in_flight": self.max_in_flight,
        }


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
