"""事项管理系统 simulator: the service-item catalogue with guides, versions and incremental sync."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from simulators.catalogue.data import build_store
from simulators.common.app import SimulatorAuth, create_simulator_app


class ItemChanges(BaseModel):
    """An operator's edit in the catalogue system (admin API, used to exercise incremental sync)."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=2, max_length=100)
    summary: str | None = Field(default=None, max_length=2000)
    aliases: list[str] | None = Field(default=None, max_length=100)
    keywords: list[str] | None = Field(default=None, max_length=100)


def create_app(auth: SimulatorAuth) -> FastAPI:
    app = create_simulator_app(
        "catalogue",
        "事项管理系统",
        auth,
        description="政务服务事项目录与办事指南：事项、一件事主题套餐、版本号与增量同步。",
    )
    store = build_store()
    app.state.store = store

    @app.get("/api/v1/items", tags=["items"])
    async def list_items(
        changed_since: Annotated[datetime | None, Query(description="只返回此时间之后更新的事项")] = None,
        cursor: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> dict[str, Any]:
        since = changed_since if changed_since is None or changed_since.tzinfo else changed_since.replace(tzinfo=UTC)
        records = store.changed_since(since)
        page = records[cursor : cursor + limit]
        following = cursor + limit if cursor + limit < len(records) else None
        return {
            "items": page,
            "total": len(records),
            "next_cursor": following,
            "server_time": datetime.now(UTC).isoformat(),
        }

    @app.get("/api/v1/items/{code}", tags=["items"])
    async def get_item(code: str) -> dict[str, Any]:
        record = store.items.get(code)
        if record is None:
            raise HTTPException(status_code=404, detail="事项不存在")
        return record

    @app.get("/api/v1/bundles", tags=["bundles"])
    async def list_bundles() -> dict[str, Any]:
        bundles = sorted(store.bundles.values(), key=lambda b: b["code"])
        return {"items": bundles, "total": len(bundles)}

    @app.get("/api/v1/bundles/{code}", tags=["bundles"])
    async def get_bundle(code: str) -> dict[str, Any]:
        record = store.bundles.get(code)
        if record is None:
            raise HTTPException(status_code=404, detail="主题套餐不存在")
        return record

    @app.patch("/_admin/items/{code}", tags=["admin"])
    async def edit_item(code: str, changes: ItemChanges) -> dict[str, Any]:
        if code not in store.items and code not in store.bundles:
            raise HTTPException(status_code=404, detail="事项不存在")
        return store.update(code, changes.model_dump(exclude_none=True), datetime.now(UTC))

    @app.get("/_admin/stats", tags=["admin"])
    async def stats() -> dict[str, int]:
        return {"items": len(store.items), "bundles": len(store.bundles)}

    return app
