"""One simulator process serves both test gateways (embedded and real backends); this relay
forwards each signed webhook, bytes and headers untouched, to every gateway registered."""

from __future__ import annotations

import httpx
from fastapi import FastAPI, Request, Response

FORWARDED = ("content-type", "x-ca-key", "x-ca-timestamp", "x-ca-nonce", "x-ca-signature", "x-webhook-id")


def relay_app(targets: list[str]) -> FastAPI:
    app = FastAPI()

    @app.post("/webhooks/departments")
    async def relay(request: Request) -> Response:
        body = await request.body()
        headers = {name: value for name, value in request.headers.items() if name.lower() in FORWARDED}
        status = 204
        async with httpx.AsyncClient(timeout=5) as client:
            for target in list(targets):
                try:
                    answer = await client.post(f"{target}/webhooks/departments", content=body, headers=headers)
                    status = max(status, answer.status_code) if answer.status_code >= 300 else status
                except httpx.HTTPError:
                    status = 502
        return Response(status_code=status)

    return app
