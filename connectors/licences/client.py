"""Client of the licence store: lookups by holder, by id, and in batches."""

from __future__ import annotations

from urllib.parse import quote

from connectors.base import CallContext, DepartmentClient
from connectors.errors import NotFound
from connectors.licences.models import Licence, LicenceBatch, LicencePage
from kit.identifiers import is_valid_licence_identifier


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
        # The id goes into the URL path: anything but a licence identifier could reach another resource.
        if not is_valid_licence_identifier(licence_id):
            raise NotFound(self.base.name, self.base.config.department, "malformed licence id")
        return await self.base.get_json(f"/api/v1/licences/{quote(licence_id, safe='')}", Licence, call)

    async def batch(self, licence_ids: list[str], call: CallContext) -> LicenceBatch:
        return await self.base.post_json(
            "/api/v1/licences/batch-get", LicenceBatch, call, {"ids": licence_ids}, idempotent_read=True
        )
