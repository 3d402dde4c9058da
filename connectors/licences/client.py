"""Client of the licence store: lookups by holder, by id, and in batches."""

from __future__ import annotations

from connectors.base import CallContext, DepartmentClient
from connectors.licences.models import Licence, LicenceBatch, LicencePage


class LicencesClient:
    def __init__(self, base: DepartmentClient) -> None:
        self.base = base

    async def by_holder(self, holder_id: str, call: CallContext, *, holder_id_type: str = "111") -> list[Licence]:
        page = await self.base.get_json(
            "/api/v1/licences",
            LicencePage,
            call,
            params={"holder_id": holder_id, "holder_id_type": holder_id_type},
        )
        return page.items

    async def by_id(self, licence_id: str, call: CallContext) -> Licence:
        return await self.base.get_json(f"/api/v1/licences/{licence_id}", Licence, call)

    async def batch(self, licence_ids: list[str], call: CallContext) -> LicenceBatch:
        return await self.base.post_json(
            "/api/v1/licences/batch-get", LicenceBatch, call, {"ids": licence_ids}, idempotent_read=True
        )
