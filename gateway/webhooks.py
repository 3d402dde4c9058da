"""Signed webhooks from department systems: verified, de-duplicated, turned into updates."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from gateway.lifespan import secret_resolver
from gateway.state import AppState
from kit import signing
from personal_space import department_events

log = logging.getLogger("citizen.webhooks")
router = APIRouter()
WEBHOOK_ID_HEADER = "X-Webhook-Id"
DEDUP_SECONDS = 86_400


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status)


@router.post("/webhooks/departments", tags=["webhooks"])
async def department_webhook(request: Request) -> Response:
    state: AppState = request.app.state.citizen
    system = request.headers.get(signing.KEY_HEADER, "")
    client = state.connectors.systems.get(system)
    if client is None:
        return _error(401, "UNKNOWN_SYSTEM", "unknown or missing X-Ca-Key")
    body = await request.body()
    if len(body) > 64_000:
        return _error(413, "TOO_LARGE", "webhook body too large")
    target = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
    if request.url.query:
        target += "?" + request.url.query
    reason = signing.verify(secret_resolver(state.settings)(client.config), "POST", target, body, request.headers)
    if reason:
        log.warning("webhook rejected", extra={"system": system, "reason": reason})
        return _error(401, "BAD_SIGNATURE", reason)
    try:
        event = department_events.DepartmentEvent.model_validate_json(body)
    except ValidationError as exc:
        return _error(422, "BAD_EVENT", f"{exc.error_count()} invalid field(s)")
    if event.system != system:
        return _error(422, "BAD_EVENT", "system in body does not match the signing key")
    delivery_id = request.headers.get(WEBHOOK_ID_HEADER) or f"{event.object_id}:{event.status}:{event.at}"
    if not await state.cache.add(f"wh:{system}:{delivery_id}", b"1", DEDUP_SECONDS):
        return Response(status_code=204)  # a retry of something already handled
    async with state.sessionmaker() as session:
        told = await department_events.handle(
            session,
            event,
            linker=state.services.identity.linker,
            bus=state.services.bus,
            space=state.services.space,
            cache=state.cache,
        )
    log.info("webhook handled", extra={"system": system, "event": event.event, "accounts": told})
    return Response(status_code=204)
