"""Client of the 12345 hotline: orders by caller or company, file, add information, rate, reopen."""

from __future__ import annotations

import re
from typing import Any

from connectors.base import CallContext, DepartmentClient
from connectors.errors import NotFound
from connectors.workorders.models import ORDER_ID_PATTERN, NewWorkOrder, Satisfaction, WorkOrder, WorkOrderPage

PERSON = "111"
COMPANY = "001"


class WorkOrdersClient:
    def __init__(self, base: DepartmentClient) -> None:
        self.base = base

    async def by_subject(
        self, subject_id: str, call: CallContext, *, subject_id_type: str = PERSON, offset: int = 0, limit: int = 50
    ) -> WorkOrderPage:
        """A caller's orders (by ID number) or a company's (by USCC), newest first."""
        params = {"subject_id": subject_id, "subject_id_type": subject_id_type, "offset": offset, "limit": limit}
        return await self.base.get_json("/api/v1/workorders", WorkOrderPage, call, params=params)

    async def by_id(self, order_id: str, call: CallContext) -> WorkOrder:
        return await self.base.get_json(f"/api/v1/workorders/{self._checked(order_id)}", WorkOrder, call)

    async def create(self, order: NewWorkOrder, call: CallContext, *, idempotency_key: str) -> WorkOrder:
        """File a 诉求; the same key returns the order made the first time."""
        return await self._write(
            "/api/v1/workorders", order.model_dump(mode="json", exclude_none=True), call, idempotency_key
        )

    async def add_information(
        self, order_id: str, content: str, call: CallContext, *, idempotency_key: str
    ) -> WorkOrder:
        return await self._write(
            f"/api/v1/workorders/{self._checked(order_id)}/information", {"content": content}, call, idempotency_key
        )

    async def rate(
        self,
        order_id: str,
        level: Satisfaction,
        call: CallContext,
        *,
        idempotency_key: str,
        comment: str | None = None,
    ) -> WorkOrder:
        body: dict[str, Any] = {"level": level}
        if comment:
            body["comment"] = comment
        return await self._write(f"/api/v1/workorders/{self._checked(order_id)}/rating", body, call, idempotency_key)

    async def reopen(self, order_id: str, reason: str, call: CallContext, *, idempotency_key: str) -> WorkOrder:
        """Ask for the order to be handled again (重办) after an unsatisfied rating."""
        return await self._write(
            f"/api/v1/workorders/{self._checked(order_id)}/reopen", {"reason": reason}, call, idempotency_key
        )

    async def _write(self, path: str, body: dict[str, Any], call: CallContext, idempotency_key: str) -> WorkOrder:
        return await self.base.post_json(path, WorkOrder, call, body, idempotency_key=idempotency_key)

    def _checked(self, order_id: str) -> str:
        # An id goes into the URL path: anything but an order number could reach another resource.
        if not re.fullmatch(ORDER_ID_PATTERN, order_id):
            raise NotFound(self.base.name, self.base.config.department, "malformed work order id")
        return order_id
