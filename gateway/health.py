"""Readiness: our own parts must answer; department systems are reported, not required."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from gateway.state import AppState


async def _sql(state: AppState) -> str:
    async with state.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return "up"


async def _cache(state: AppState) -> str:
    return "up" if await state.cache.ping() else "down"


async def _search(state: AppState) -> str:
    search = state.services.search
    return await search.health() if search is not None else "down: not configured"


async def _check(name: str, probe: Any) -> tuple[str, str]:
    try:
        return name, await asyncio.wait_for(probe, timeout=2.0)
    except Exception as exc:
        return name, f"down: {type(exc).__name__}"


async def readiness(state: AppState) -> dict[str, Any]:
    probes = (_check("sql", _sql(state)), _check("cache", _cache(state)), _check("search", _search(state)))
    parts = dict(await asyncio.gather(*probes))
    departments = {}
    for name, client in state.connectors.systems.items():
        departments[name] = {
            "title": client.config.title,
            "department": client.config.department,
            "state": client.health.state(await client.breaker_open()),
            "lastError": client.health.last_error,
            "calls": client.health.calls,
            "failures": client.health.failures,
        }
    ready = all(value == "up" for value in parts.values())
    return {"ready": ready, "parts": parts, "departments": departments}
