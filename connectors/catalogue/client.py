"""Client of the catalogue system: full and incremental sync of items, bundles by code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from connectors.base import CallContext, DepartmentClient
from connectors.catalogue.models import Bundle, BundleList, ItemPage, ServiceItem

PAGE_SIZE = 200
# A sync walks every page; a runaway cursor from a broken system must not loop forever.
MAX_PAGES = 1000


@dataclass(frozen=True)
class ItemChanges:
    items: list[ServiceItem]
    # The system's clock when the walk began: the next `changed_since`, immune to our clock skew.
    server_time: datetime | None


class CatalogueClient:
    def __init__(self, base: DepartmentClient) -> None:
        self.base = base

    async def items_changed_since(self, since: datetime | None, call: CallContext) -> ItemChanges:
        """Every item updated after `since` (all of them when None), walking the pages."""
        items: list[ServiceItem] = []
        cursor: int | None = 0
        server_time: datetime | None = None
        for _ in range(MAX_PAGES):
            if cursor is None:
                break
            params: dict[str, str | int] = {"cursor": cursor, "limit": PAGE_SIZE}
            if since is not None:
                params["changed_since"] = since.isoformat()
            page = await self.base.get_json("/api/v1/items", ItemPage, call, params=params)
            server_time = server_time or page.server_time
            items.extend(page.items)
            cursor = page.next_cursor
        return ItemChanges(items=items, server_time=server_time)

    async def item(self, code: str, call: CallContext) -> ServiceItem:
        return await self.base.get_json(f"/api/v1/items/{code}", ServiceItem, call)

    async def bundles(self, call: CallContext) -> list[Bundle]:
        return (await self.base.get_json("/api/v1/bundles", BundleList, call)).items
