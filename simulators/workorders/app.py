"""12345 hotline simulator: work orders by caller or company, create, add information, rate, reopen."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Path, Query, Response

from simulators.common.app import SimulatorAuth, create_simulator_app
from simulators.common.lifecycle import IdempotencyKey, install_stateful
from simulators.common.population import population
from simulators.workorders.data import build_work_orders
from simulators.workorders.schemas import (
    InformationRequest,
    NewWorkOrder,
    RatingRequest,
    ReopenRequest,
    WorkOrder,
    WorkOrderPage,
    WorkOrderStats,
)
from simulators.workorders.store import WorkOrderStore

OrderId = Annotated[str, Path(pattern=r"^YN\d{14}$", description="工单编号")]


def create_app(auth: SimulatorAuth) -> FastAPI:
    app = create_simulator_app(
        "workorders",
        "12345政务服务便民热线",
        auth,
        description="工单查询（按来电人或企业）、新建诉求（幂等）、补充信息、满意度评价、不满意重办；"
        "工单随时间派单、回复并回调网关。",
    )
    seeded, ids = build_work_orders(population())
    store = WorkOrderStore(seeded, ids, auth.secret)
    stateful = install_stateful(app, "workorders", auth.secret, store)

    @app.get("/api/v1/workorders", tags=["workorders"])
    async def list_by_subject(
        subject_id: Annotated[str, Query(min_length=18, max_length=18, description="来电人身份证号或企业信用代码")],
        subject_id_type: Annotated[str, Query(pattern=r"^(111|001)$")] = "111",
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> WorkOrderPage:
        orders = store.for_subject(subject_id_type, subject_id)
        return WorkOrderPage(items=orders[offset : offset + limit], total=len(orders))

    @app.get("/api/v1/workorders/{order_id}", tags=["workorders"])
    async def get_order(order_id: OrderId) -> WorkOrder:
        return store.get(order_id)

    @app.post("/api/v1/workorders", tags=["workorders"], status_code=201)
    async def create_order(
        request: NewWorkOrder, response: Response, idempotency_key: IdempotencyKey = None
    ) -> WorkOrder:
        replayed = stateful.idempotency.replay("create", idempotency_key, request)
        if replayed is not None:
            response.status_code = 200
            return store.get(replayed)
        order = store.create(request)
        stateful.idempotency.remember("create", idempotency_key, request, order.order_id)
        stateful.ticker.watch(order.order_id)
        return order

    @app.post("/api/v1/workorders/{order_id}/information", tags=["workorders"])
    async def add_information(
        order_id: OrderId, request: InformationRequest, idempotency_key: IdempotencyKey = None
    ) -> WorkOrder:
        scope = f"information:{order_id}"
        if stateful.idempotency.replay(scope, idempotency_key, request) is not None:
            return store.get(order_id)
        order = store.add_information(order_id, request.content)
        stateful.idempotency.remember(scope, idempotency_key, request, order_id)
        return order

    @app.post("/api/v1/workorders/{order_id}/rating", tags=["workorders"])
    async def rate(order_id: OrderId, request: RatingRequest, idempotency_key: IdempotencyKey = None) -> WorkOrder:
        scope = f"rating:{order_id}"
        if stateful.idempotency.replay(scope, idempotency_key, request) is not None:
            return store.get(order_id)
        stateful.emit(store.rate(order_id, request.level, request.comment))
        stateful.idempotency.remember(scope, idempotency_key, request, order_id)
        return store.get(order_id)

    @app.post("/api/v1/workorders/{order_id}/reopen", tags=["workorders"])
    async def reopen(order_id: OrderId, request: ReopenRequest, idempotency_key: IdempotencyKey = None) -> WorkOrder:
        scope = f"reopen:{order_id}"
        if stateful.idempotency.replay(scope, idempotency_key, request) is not None:
            return store.get(order_id)
        stateful.emit(store.reopen(order_id, request.reason))
        stateful.idempotency.remember(scope, idempotency_key, request, order_id)
        stateful.ticker.watch(order_id)
        return store.get(order_id)

    @app.get("/_admin/stats", tags=["admin"])
    async def stats() -> WorkOrderStats:
        return store.stats(len(stateful.idempotency))

    return app
