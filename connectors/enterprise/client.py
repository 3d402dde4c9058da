"""Client of the enterprise registry: companies, and the staff authorisations of 电子营业执照."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote

from connectors.base import CallContext, DepartmentClient
from connectors.enterprise.models import (
    Authorisation,
    AuthorisationPage,
    Company,
    CompanyPage,
    GrantRequest,
    GrantStatus,
)

# A company has a handful of authorisations; one page of the maximum size holds them all.
GRANTS_PAGE_SIZE = 100


class EnterpriseClient:
    def __init__(self, base: DepartmentClient) -> None:
        self.base = base

    def person_key(self, id_number: str) -> str:
        """The registry's keyed reference to a person, computed from the secret we share with it,
        so we can recognise our caller in its answers without it ever sending an ID number."""
        mac = hmac.new(self.base.secret.encode(), b"person-key:" + id_number.upper().encode(), hashlib.sha256)
        return mac.hexdigest()[:32]

    def is_legal_representative(self, company: Company, id_number: str) -> bool:
        return hmac.compare_digest(company.legal_representative.person_key, self.person_key(id_number))

    def is_staff(self, grant: Authorisation, id_number: str) -> bool:
        return hmac.compare_digest(grant.staff_key, self.person_key(id_number))

    async def company(self, uscc: str, call: CallContext) -> Company:
        return await self.base.get_json(f"/api/v1/companies/{_segment(uscc)}", Company, call)

    async def companies_of_representative(
        self, id_number: str, call: CallContext, *, page: int = 1, page_size: int = 20
    ) -> CompanyPage:
        """Companies whose legal representative is this person (the number travels as a query
        parameter, never in the path, so it stays out of path-based logs)."""
        return await self.base.get_json(
            "/api/v1/companies",
            CompanyPage,
            call,
            params={"legal_representative_id": id_number, "page": page, "page_size": page_size},
        )

    async def authorisations(
        self, uscc: str, call: CallContext, *, status: GrantStatus | None = None
    ) -> list[Authorisation]:
        params: dict[str, str | int] = {"page_size": GRANTS_PAGE_SIZE}
        if status is not None:
            params["status"] = status
        page = await self.base.get_json(
            f"/api/v1/companies/{_segment(uscc)}/authorisations", AuthorisationPage, call, params=params
        )
        return page.items

    async def authorisations_of_staff(
        self, id_number: str, call: CallContext, *, status: GrantStatus | None = None
    ) -> list[Authorisation]:
        """The companies this person may act for, with what scopes."""
        params: dict[str, str | int] = {"staff_id": id_number, "page_size": GRANTS_PAGE_SIZE}
        if status is not None:
            params["status"] = status
        page = await self.base.get_json("/api/v1/authorisations", AuthorisationPage, call, params=params)
        return page.items

    async def grant(
        self, uscc: str, request: GrantRequest, call: CallContext, *, idempotency_key: str
    ) -> Authorisation:
        """A write: sent once (never retried here); the same key later returns the same grant."""
        return await self.base.post_json(
            f"/api/v1/companies/{_segment(uscc)}/authorisations",
            Authorisation,
            call,
            request.model_dump(mode="json"),
            idempotency_key=idempotency_key,
        )

    async def revoke(
        self, uscc: str, grant_id: str, revoked_by_id_number: str, call: CallContext, *, idempotency_key: str
    ) -> Authorisation:
        """Revoking is idempotent at the registry: revoking a revoked grant returns it unchanged."""
        return await self.base.post_json(
            f"/api/v1/companies/{_segment(uscc)}/authorisations/{_segment(grant_id)}/revoke",
            Authorisation,
            call,
            {"revoked_by_id_number": revoked_by_id_number},
            idempotency_key=idempotency_key,
        )


def _segment(value: str) -> str:
    # Identifiers go into the path: escape them so none can reach another route.
    return quote(value.upper(), safe="")
