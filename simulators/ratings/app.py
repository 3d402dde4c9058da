"""好差评 simulator: ratings by rater or company, lookup by cases (to find 待评价), rate, appeal."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Path, Query, Response

from simulators.common.app import SimulatorAuth, create_simulator_app
from simulators.common.lifecycle import IdempotencyKey, install_stateful
from simulators.common.population import population
from simulators.ratings.data import build_ratings
from simulators.ratings.schemas import (
    AppealRequest,
    LookupRequest,
    LookupResult,
    NewRating,
    Rating,
    RatingPage,
    RatingStats,
)
from simulators.ratings.store import RatingStore

RatingId = Annotated[str, Path(pattern=r"^PJ\d{14}$", description="评价编号")]


def create_app(auth: SimulatorAuth) -> FastAPI:
    app = create_simulator_app(
        "ratings",
        "政务服务好差评系统",
        auth,
        description="好差评：按评价人或企业查询、按办件批量查询（得出待评价办件）、提交评价（幂等，一事一评）、"
        "差评整改与回访、部门申诉复核；整改和复核随时间推进并回调网关。",
    )
    seeded, ids, known_cases = build_ratings(population())
    store = RatingStore(seeded, ids, known_cases, auth.secret)
    stateful = install_stateful(app, "ratings", auth.secret, store)

    @app.get("/api/v1/ratings", tags=["ratings"])
    async def list_by_subject(
        subject_id: Annotated[str, Query(min_length=18, max_length=18, description="评价人身份证号或企业信用代码")],
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> RatingPage:
        ratings = store.for_subject(subject_id)
        return RatingPage(items=ratings[offset : offset + limit], total=len(ratings))

    @app.get("/api/v1/ratings/{rating_id}", tags=["ratings"])
    async def get_rating(rating_id: RatingId) -> Rating:
        return store.get(rating_id)

    @app.post("/api/v1/ratings/lookup", tags=["ratings"])
    async def lookup(request: LookupRequest) -> LookupResult:
        found, unrated = store.for_cases(request.case_ids)
        return LookupResult(items=found, unrated=unrated)

    @app.post("/api/v1/ratings", tags=["ratings"], status_code=201)
    async def create_rating(request: NewRating, response: Response, idempotency_key: IdempotencyKey = None) -> Rating:
        replayed = stateful.idempotency.replay("create", idempotency_key, request)
        if replayed is not None:
            response.status_code = 200
            return store.get(replayed)
        rating = store.create(request)
        stateful.idempotency.remember("create", idempotency_key, request, rating.rating_id)
        if rating.is_bad:
            stateful.ticker.watch(rating.rating_id)
        return rating

    @app.post("/api/v1/ratings/{rating_id}/appeal", tags=["ratings"])
    async def appeal(rating_id: RatingId, request: AppealRequest, idempotency_key: IdempotencyKey = None) -> Rating:
        scope = f"appeal:{rating_id}"
        if stateful.idempotency.replay(scope, idempotency_key, request) is not None:
            return store.get(rating_id)
        stateful.emit(store.appeal(rating_id, request.department, request.reason))
        stateful.idempotency.remember(scope, idempotency_key, request, rating_id)
        stateful.ticker.watch(rating_id)
        return store.get(rating_id)

    @app.get("/_admin/stats", tags=["admin"])
    async def stats() -> RatingStats:
        return store.stats(len(stateful.idempotency))

    return app
