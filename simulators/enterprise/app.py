"""市场主体登记系统 simulator: companies by USCC, by legal representative, staff authorisations."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Path, Query, Response
from pydantic import BaseModel, Field

from simulators.common.app import SimulatorAuth, create_simulator_app
from simulators.common.lifecycle import IdempotencyKey, IdempotencyStore, SimulatorError, not_found, now
from simulators.common.population import population
from simulators.common.reads import (
    PageNumber,
    PageSize,
    bad_request,
    check_person_id,
    check_uscc,
    install_error_handlers,
    page_of,
)
from simulators.enterprise.data import (
    MAX_GRANT_DAYS,
    ROLE_ADMIN,
    ROLE_LEGAL_REP,
    SCOPES,
    STATUS_ACTIVE,
    STATUS_REVOKED,
    Authorisation,
    Registration,
    build_register,
    today,
)

Scope = Literal["licences", "cases", "workorders", "ratings", "appointments", "records", "bills", "staff"]
GrantStatus = Literal["有效", "已过期", "已撤销"]
IdNumber = Annotated[str, Field(min_length=18, max_length=18)]
UsccPath = Annotated[str, Path(min_length=18, max_length=18)]


class GrantRequest(BaseModel):
    staff_name: str = Field(min_length=2, max_length=30)
    staff_id_number: IdNumber
    scopes: list[Scope] = Field(min_length=1, max_length=len(SCOPES))
    expires_on: date
    granted_by_id_number: IdNumber


class RevokeRequest(BaseModel):
    revoked_by_id_number: IdNumber


def create_app(auth: SimulatorAuth) -> FastAPI:
    app = create_simulator_app(
        "enterprise",
        "市场主体登记系统",
        auth,
        description="全省市场主体登记信息：按统一社会信用代码、法定代表人查询；电子营业执照授权管理（授权、撤销、查询）。",
    )
    install_error_handlers(app)
    register = build_register(population())
    idempotency = IdempotencyStore()
    secret = auth.secret

    def registration(uscc: str) -> Registration:
        found = register.registrations.get(check_uscc(uscc))
        if found is None:
            raise not_found("市场主体")
        return found

    def acting_role(reg: Registration, id_number: str, on: date) -> tuple[str, str]:
        """Who may manage authorisations: the legal representative, or a staff member holding `staff`."""
        company = reg.company
        if id_number == company.legal_representative_id:
            return company.legal_representative_name, ROLE_LEGAL_REP
        grant = register.active_grant(company.uscc, id_number, on)
        if grant is not None and "staff" in grant.scopes:
            return grant.staff_name, ROLE_ADMIN
        raise SimulatorError(403, "NOT_AUTHORISED", "仅法定代表人或具有授权管理权限的管理员可以办理授权")

    @app.get("/api/v1/companies/{uscc}", tags=["companies"])
    async def company(uscc: UsccPath) -> dict[str, Any]:
        return registration(uscc).view(secret)

    @app.get("/api/v1/companies", tags=["companies"])
    async def companies_of_representative(
        legal_representative_id: Annotated[str, Query(min_length=18, max_length=18)],
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> dict[str, Any]:
        id_number = check_person_id(legal_representative_id)
        found = [register.registrations[u].summary() for u in register.by_representative.get(id_number, [])]
        return page_of(found, page, page_size)

    @app.get("/api/v1/companies/{uscc}/authorisations", tags=["authorisations"])
    async def company_grants(
        uscc: UsccPath, status: GrantStatus | None = None, page: PageNumber = 1, page_size: PageSize = 50
    ) -> dict[str, Any]:
        reg = registration(uscc)
        on = today()
        grants = [g.view(secret, on) for g in register.grants_of_company(reg.company.uscc)]
        return page_of([g for g in grants if status is None or g["status"] == status], page, page_size)

    @app.get("/api/v1/authorisations", tags=["authorisations"])
    async def staff_grants(
        staff_id: Annotated[str, Query(min_length=18, max_length=18)],
        status: GrantStatus | None = None,
        page: PageNumber = 1,
        page_size: PageSize = 50,
    ) -> dict[str, Any]:
        on = today()
        grants = [g.view(secret, on) for g in register.grants_of_staff(check_person_id(staff_id))]
        return page_of([g for g in grants if status is None or g["status"] == status], page, page_size)

    @app.post("/api/v1/companies/{uscc}/authorisations", tags=["authorisations"], status_code=201)
    async def grant(
        uscc: UsccPath, request: GrantRequest, response: Response, idempotency_key: IdempotencyKey = None
    ) -> dict[str, Any]:
        if idempotency_key is None:
            raise bad_request("IDEMPOTENCY_KEY_REQUIRED", "授权请求必须携带 Idempotency-Key")
        reg = registration(uscc)
        on = today()
        scope = f"grant:{reg.company.uscc}"
        replayed = idempotency.replay(scope, idempotency_key, request)
        if replayed is not None:
            response.status_code = 200
            return register.grants[replayed].view(secret, on)
        staff_id = check_person_id(request.staff_id_number)
        grantor_id = check_person_id(request.granted_by_id_number)
        if reg.company.status != "存续":
            raise SimulatorError(409, "COMPANY_NOT_ACTIVE", f"该市场主体登记状态为{reg.company.status}，不能办理授权")
        if staff_id == reg.company.legal_representative_id:
            raise SimulatorError(422, "GRANTEE_IS_LEGAL_REPRESENTATIVE", "法定代表人本人无需授权")
        if not on < request.expires_on <= on + timedelta(days=MAX_GRANT_DAYS):
            raise SimulatorError(422, "INVALID_EXPIRY", "授权截止日期须晚于今天，且不超过五年")
        grantor_name, role = acting_role(reg, grantor_id, on)
        if role == ROLE_ADMIN and "staff" in request.scopes:
            raise SimulatorError(403, "ONLY_LEGAL_REP_APPOINTS_ADMIN", "管理员权限只能由法定代表人授予")
        at = now()
        previous = register.active_grant(reg.company.uscc, staff_id, on)
        if previous is not None:
            # A new grant to the same person replaces the old one, which stays on record as revoked.
            previous.revoked_at = at
            previous.revoked_by_name = grantor_name
        made = Authorisation(
            grant_id=register.next_grant_id(),
            uscc=reg.company.uscc,
            company_name=reg.company.name,
            staff_name=request.staff_name,
            staff_id=staff_id,
            scopes=sorted(set(request.scopes)),
            granted_by_name=grantor_name,
            granted_by_role=role,
            granted_at=at,
            expires_on=request.expires_on,
            replaces=previous.grant_id if previous else None,
        )
        register.grants[made.grant_id] = made
        idempotency.remember(scope, idempotency_key, request, made.grant_id)
        return made.view(secret, on)

    @app.post("/api/v1/companies/{uscc}/authorisations/{grant_id}/revoke", tags=["authorisations"])
    async def revoke(
        uscc: UsccPath, grant_id: Annotated[str, Path(max_length=16)], request: RevokeRequest
    ) -> dict[str, Any]:
        reg = registration(uscc)
        found = register.grants.get(grant_id)
        if found is None or found.uscc != reg.company.uscc:
            raise not_found("授权记录")
        on = today()
        revoker_name, _ = acting_role(reg, check_person_id(request.revoked_by_id_number), on)
        # Revoking is idempotent by nature: a second revoke returns the record as it stands.
        if found.status(on) != STATUS_REVOKED:
            found.revoked_at = now()
            found.revoked_by_name = revoker_name
        return found.view(secret, on)

    @app.get("/_admin/stats", tags=["admin"])
    async def stats() -> dict[str, int]:
        on = today()
        statuses = [r.company.status for r in register.registrations.values()]
        grants = list(register.grants.values())
        return {
            "companies": len(statuses),
            "companies_active": statuses.count("存续"),
            "companies_deregistered": statuses.count("注销"),
            "companies_revoked": statuses.count("吊销"),
            "legal_representatives": len(register.by_representative),
            "authorisations": len(grants),
            "authorisations_active": sum(1 for g in grants if g.status(on) == STATUS_ACTIVE),
            "idempotency_keys": len(idempotency),
        }

    app.state.register = register
    return app
