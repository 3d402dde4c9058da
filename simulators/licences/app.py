"""电子证照库 simulator: lookups by holder, by identifier, and in batches."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import FastAPI, HTTPException, Query
from pydantic import BaseModel, Field

from simulators.common.app import SimulatorAuth, create_simulator_app
from simulators.common.population import population
from simulators.licences.data import build_licences


class BatchRequest(BaseModel):
    ids: list[str] = Field(min_length=1, max_length=100)


def create_app(auth: SimulatorAuth) -> FastAPI:
    app = create_simulator_app(
        "licences", "电子证照库", auth, description="全省电子证照共享服务：按持证主体、证照标识查询，批量查询。"
    )
    licences = build_licences(population())
    by_id: dict[str, dict[str, Any]] = {str(item["licence_id"]): item for item in licences}
    by_holder: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for item in licences:
        by_holder[(str(item["holder_id_type"]), str(item["holder_id"]))].append(item)
    app.state.stats = {"licences": len(licences), "holders": len(by_holder)}

    @app.get("/api/v1/licences", tags=["licences"])
    async def list_by_holder(
        holder_id: str = Query(min_length=5, max_length=32),
        holder_id_type: str = Query(default="111", pattern=r"^\d{3}$"),
    ) -> dict[str, Any]:
        items = by_holder.get((holder_id_type, holder_id.upper()), [])
        return {"items": items, "total": len(items)}

    @app.get("/api/v1/licences/{licence_id}", tags=["licences"])
    async def get_one(licence_id: str) -> dict[str, Any]:
        item = by_id.get(licence_id)
        if item is None:
            raise HTTPException(status_code=404, detail="证照不存在")
        return item

    @app.post("/api/v1/licences/batch-get", tags=["licences"])
    async def batch_get(request: BatchRequest) -> dict[str, Any]:
        found = [by_id[i] for i in request.ids if i in by_id]
        missing = [i for i in request.ids if i not in by_id]
        return {"items": found, "missing": missing}

    @app.get("/_admin/stats", tags=["admin"])
    async def stats() -> dict[str, int]:
        return dict(app.state.stats)

    return app
