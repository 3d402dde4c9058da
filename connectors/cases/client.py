"""Client of the case system: cases by holder and by number, new applications, supplements (补正)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from connectors.base import CallContext, DepartmentClient
from connectors.cases.models import CASE_ID_PATTERN, FINISHED_STATUSES, Case, CasePage, CaseStatus, NewCase
from connectors.errors import NotFound

PERSON = "111"
COMPANY = "001"
MAX_PAGE = 200


class CasesClient:
    def __init__(self, base: DepartmentClient) -> None:
        self.base = base

    async def by_holder(
        self,
        holder_id: str,
        call: CallContext,
        *,
        holder_id_type: str = PERSON,
        statuses: Sequence[CaseStatus] = (),
        offset: int = 0,
        limit: int = 50,
    ) -> CasePage:
        """A holder's cases (a person by ID number, a company by USCC), newest first."""
        params: dict[str, Any] = {
            "holder_id": holder_id,
            "holder_id_type": holder_id_type,
            "offset": offset,
            "limit": min(limit, MAX_PAGE),
        }
        if statuses:
            params["status"] = list(statuses)
        return await self.base.get_json("/api/v1/cases", CasePage, call, params=params)

    async def finished(self, holder_id: str, call: CallContext, *, holder_id_type: str = PERSON) -> list[Case]:
        """Every ended case of a holder (办结 or 不予受理): what can be rated."""
        cases: list[Case] = []
        offset = 0
        while True:
            page = await self.by_holder(
                holder_id,
                call,
                holder_id_type=holder_id_type,
                statuses=FINISHED_STATUSES,
                offset=offset,
                limit=MAX_PAGE,
            )
            cases.extend(page.items)
            offset += len(page.items)
            if not page.items or offset >= page.total:
                return cases

    async def by_id(self, case_id: str, call: CallContext) -> Case:
        return await self.base.get_json(f"/api/v1/cases/{self._checked(case_id)}", Case, call)

    async def create(self, application: NewCase, call: CallContext, *, idempotency_key: str) -> Case:
        """File an application; the same key returns the case made the first time."""
        return await self.base.post_json(
            "/api/v1/cases",
            Case,
            call,
            application.model_dump(mode="json", exclude_none=True),
            idempotency_key=idempotency_key,
        )

    async def supplement(
        self, case_id: str, materials: list[str], call: CallContext, *, idempotency_key: str, note: str | None = None
    ) -> Case:
        """Hand in what a 补正 asked for; the case resumes review and its clock runs again."""
        body: dict[str, Any] = {"materials": materials}
        if note:
            body["note"] = note
        return await self.base.post_json(
            f"/api/v1/cases/{self._checked(case_id)}/supplements", Case, call, body, idempotency_key=idempotency_key
        )

    def _checked(self, case_id: str) -> str:
        # An id goes into the URL path: anything but a case number could reach another resource.
        if not re.fullmatch(CASE_ID_PATTERN, case_id):
            raise NotFound(self.base.name, self.base.config.department, "malformed case id")
        return case_id
