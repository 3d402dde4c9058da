"""Client of the utility-bills system: accounts, bills with payment status, what is owed."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from connectors.base import CallContext, DepartmentClient
from connectors.bills.models import (
    Bill,
    BillPage,
    BillStatus,
    BillSummary,
    HolderIdType,
    UtilityAccount,
    UtilityAccountList,
    UtilityCode,
)


class BillsClient:
    """A holder is a person (`111`, ID number) or a company (`001`, USCC)."""

    def __init__(self, base: DepartmentClient) -> None:
        self.base = base

    async def accounts(
        self, holder_id: str, call: CallContext, *, holder_id_type: HolderIdType = "111"
    ) -> list[UtilityAccount]:
        params = {"holder_id": holder_id, "holder_id_type": holder_id_type}
        return (await self.base.get_json("/api/v1/accounts", UtilityAccountList, call, params=params)).items

    async def bills(
        self,
        holder_id: str,
        call: CallContext,
        *,
        holder_id_type: HolderIdType = "111",
        utility: UtilityCode | None = None,
        status: BillStatus | None = None,
        from_month: str | None = None,
        to_month: str | None = None,
        page: int = 1,
        page_size: int = 20,
    ) -> BillPage:
        """Bills newest period first; the last twelve periods unless a range is given."""
        values: dict[str, Any] = {
            "holder_id": holder_id,
            "holder_id_type": holder_id_type,
            "utility": utility,
            "status": status,
            "from": from_month,
            "to": to_month,
            "page": page,
            "page_size": page_size,
        }
        params = {key: value for key, value in values.items() if value is not None}
        return await self.base.get_json("/api/v1/bills", BillPage, call, params=params)

    async def bill(self, bill_id: str, call: CallContext) -> Bill:
        return await self.base.get_json(f"/api/v1/bills/{quote(bill_id, safe='')}", Bill, call)

    async def summary(self, holder_id: str, call: CallContext, *, holder_id_type: HolderIdType = "111") -> BillSummary:
        """What is owed per utility (unpaid and overdue bills, late fees included)."""
        params = {"holder_id": holder_id, "holder_id_type": holder_id_type}
        return await self.base.get_json("/api/v1/bills/summary", BillSummary, call, params=params)
