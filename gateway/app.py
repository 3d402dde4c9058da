"""The application factory."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway import webhooks
from gateway.graphql import graphql_router
from gateway.health import readiness
from gateway.lifespan import lifespan
from gateway.logging import configure_logging
from gateway.middleware import RateLimit, RequestContext
from gateway.persisted import GraphQLGate, load_allow_list
from gateway.settings import Environment, Settings
from schema.root import Limits, build_schema

log = logging.getLogger("citizen.http")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings.log_level)
    production = settings.env is Environment.PRODUCTION
    app = FastAPI(
        title="citizen-space",
        description="一部手机办事通 · 个人与企业服务空间 GraphQL 网关",
        lifespan=lifespan,
        docs_url=None if production else "/docs",
        redoc_url=None,
        openapi_url=None if production else "/openapi.json",
    )
    app.state.settings = settings

    # Starlette runs the last-added middleware first: request id, then rate limit, then the gate.
    app.add_middleware(
        GraphQLGate,
        path="/graphql",
        cache_getter=lambda: app.state.citizen.cache,
        max_body_bytes=settings.max_body_bytes,
        allow_list=load_allow_list(settings.persisted_queries_file),
        allow_list_only=settings.persisted_queries_only,
        max_tokens=settings.graphql_max_tokens,
    )
    app.add_middleware(RateLimit, path="/graphql")
    # Added last, so outermost: every response, rejected or not, carries a request id.
    app.add_middleware(RequestContext)

    limits = Limits(
        max_depth=settings.graphql_max_depth,
        max_aliases=settings.graphql_max_aliases,
        max_tokens=settings.graphql_max_tokens,
        max_cost=settings.graphql_max_cost,
        max_root_fields=settings.graphql_max_root_fields,
        max_directives=settings.graphql_max_directives,
    )
    schema = build_schema(production=production, limits=limits)
    app.include_router(graphql_router(schema, graphiql=not production), prefix="/graphql")

    app.include_router(webhooks.router)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"])
    async def readyz(request: Request) -> Response:
        report: dict[str, Any] = await readiness(request.app.state.citizen)
        return JSONResponse(report, status_code=200 if report["ready"] else 503)

    @app.get("/metrics", tags=["ops"])
    async def metrics(request: Request) -> Response:
        return Response(generate_latest(request.app.state.citizen.metrics), media_type=CONTENT_TYPE_LATEST)

    return app
