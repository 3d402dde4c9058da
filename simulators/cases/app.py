"""统一申办受理 simulator: cases by holder and by number, new cases, supplements (补正)."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Path, Query, Response

from simulators.cases.data import seeded_cases
from simulators.cases.schemas import Case, CasePage, CaseStats, CaseStatus, NewCase, SupplementRequest
from simulators.cases.store import CaseStore
from simulators.common.app import SimulatorAuth, create_simulator_app
from simulators.common.lifecycle import IdempotencyKey, install_stateful

CaseId = Annotated[str, Path(pattern=r"^\d{20}$", description="办件编号")]


def create_app(auth: SimulatorAuth) -> FastAPI:
    app = create_simulator_app(
        "cases",
        "统一申办受理系统",
        auth,
        description="办件查询（按申请人、按办件编号）、网上申报（幂等）、补正材料；办件状态随时间推进并回调网关。",
    )
    seeded, ids = seeded_cases()
    store = CaseStore(seeded, ids, auth.secret)
    stateful = install_stateful(app, "cases", auth.secret, store)

    @app.get("/api/v1/cases", tags=["cases"])
    async def list_by_holder(
        holder_id: Annotated[str, Query(min_length=18, max_length=18)],
        holder_id_type: Annotated[str, Query(pattern=r"^(111|001)$")] = "111",
        status: Annotated[list[CaseStatus] | None, Query()] = None,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> CasePage:
        cases = store.for_holder(holder_id_type, holder_id, set(status) if status else None)
        return CasePage(items=cases[offset : offset + limit], total=len(cases))

    @app.get("/api/v1/cases/{case_id}", tags=["cases"])
    async def get_case(case_id: CaseId) -> Case:
        return store.get(case_id)

    @app.post("/api/v1/cases", tags=["cases"], status_code=201)
    async def create_case(request: NewCase, response: Response, idempotency_key: IdempotencyKey = None) -> Case:
        replayed = stateful.idempotency.replay("create", idempotency_key, request)
        if replayed is not None:
            response.status_code = 200
            return store.get(replayed)
        case = store.create(request)
        stateful.idempotency.remember("create", idempotency_key, request, case.case_id)
        stateful.ticker.watch(case.case_id)
        return case

    @app.post("/api/v1/cases/{case_id}/supplements", tags=["cases"])
    async def supplement(case_id: CaseId, request: SupplementRequest, idempotency_key: IdempotencyKey = None) -> Case:
        scope = f"supplement:{case_id}"
        if stateful.idempotency.replay(scope, idempotency_key, request) is not None:
            return store.get(case_id)
        transition = store.supplement(case_id, request.materials)
        stateful.idempotency.remember(scope, idempotency_key, request, case_id)
        stateful.emit(transition)
        stateful.ticker.watch(case_id)
        return store.get(case_id)

    @app.get("/_admin/stats", tags=["admin"])
    async def stats() -> CaseStats:
        return store.stats(len(stateful.idempotency))

    return app
