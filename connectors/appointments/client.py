"""Client of the appointments system: halls, slots, book and cancel, a holder's appointments."""

from __future__ import annotations

from datetime import date
from typing import Literal
from urllib.parse import quote

from connectors.appointments.models import (
    Appointment,
    AppointmentPage,
    BookingRequest,
    Hall,
    HallList,
    HolderIdType,
    SlotGrid,
)
from connectors.base import CallContext, DepartmentClient, rejection_code
from connectors.errors import DepartmentRejected

# The refusals a person can act on (choose another slot, keep the one they have …).
BOOKING_REFUSALS = frozenset(
    {
        "SLOT_FULL",
        "DUPLICATE_BOOKING",
        "OUTSIDE_BOOKING_WINDOW",
        "INVALID_SLOT",
        "ITEM_NOT_SERVED_HERE",
        "HOLDER_TYPE_MISMATCH",
        "UNKNOWN_ITEM",
    }
)
CANCEL_REFUSALS = frozenset({"TOO_LATE", "NOT_CANCELLABLE", "NOT_HOLDER"})


class AppointmentRefused(DepartmentRejected):
    """The hall said no for a reason the person can act on; `refusal` is the system's code."""

    def __init__(self, rejected: DepartmentRejected, refusal: str) -> None:
        super().__init__(rejected.system, rejected.department, rejected.reason)
        self.refusal = refusal


class AppointmentsClient:
    def __init__(self, base: DepartmentClient) -> None:
        self.base = base

    async def halls(
        self, call: CallContext, *, prefecture_code: str | None = None, item_code: str | None = None
    ) -> list[Hall]:
        params = {k: v for k, v in {"prefecture_code": prefecture_code, "item_code": item_code}.items() if v}
        return (await self.base.get_json("/api/v1/halls", HallList, call, params=params)).items

    async def hall(self, hall_id: str, call: CallContext) -> Hall:
        return await self.base.get_json(f"/api/v1/halls/{_segment(hall_id)}", Hall, call)

    async def slots(
        self,
        hall_id: str,
        item_code: str,
        call: CallContext,
        *,
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> SlotGrid:
        params: dict[str, str] = {"item_code": item_code}
        if date_from is not None:
            params["date_from"] = date_from.isoformat()
        if date_to is not None:
            params["date_to"] = date_to.isoformat()
        return await self.base.get_json(f"/api/v1/halls/{_segment(hall_id)}/slots", SlotGrid, call, params=params)

    async def book(self, request: BookingRequest, call: CallContext, *, idempotency_key: str) -> Appointment:
        """A write, sent once: the outbox redelivers with the same key, which books nothing twice.

        Raises `AppointmentRefused` (SLOT_FULL, DUPLICATE_BOOKING …) when the hall refuses.
        """
        try:
            return await self.base.post_json(
                "/api/v1/appointments",
                Appointment,
                call,
                request.model_dump(mode="json"),
                idempotency_key=idempotency_key,
            )
        except DepartmentRejected as exc:
            refused = _refused(exc, BOOKING_REFUSALS)
            if refused is None:
                raise
            raise refused from exc

    async def cancel(
        self, appointment_id: str, holder_id: str, call: CallContext, *, idempotency_key: str
    ) -> Appointment:
        """Cancelling is idempotent at the hall: a second cancel returns the cancelled booking."""
        try:
            return await self.base.post_json(
                f"/api/v1/appointments/{_segment(appointment_id)}/cancel",
                Appointment,
                call,
                {"holder_id": holder_id},
                idempotency_key=idempotency_key,
            )
        except DepartmentRejected as exc:
            refused = _refused(exc, CANCEL_REFUSALS)
            if refused is None:
                raise
            raise refused from exc

    async def appointment(self, appointment_id: str, call: CallContext) -> Appointment:
        return await self.base.get_json(f"/api/v1/appointments/{_segment(appointment_id)}", Appointment, call)

    async def of_holder(
        self,
        holder_id: str,
        call: CallContext,
        *,
        holder_id_type: HolderIdType = "111",
        when: Literal["upcoming", "past", "all"] = "all",
        page: int = 1,
        page_size: int = 20,
    ) -> AppointmentPage:
        """Upcoming ones soonest first, then past ones latest first."""
        params: dict[str, str | int] = {
            "holder_id": holder_id,
            "holder_id_type": holder_id_type,
            "when": when,
            "page": page,
            "page_size": page_size,
        }
        return await self.base.get_json("/api/v1/appointments", AppointmentPage, call, params=params)


def _refused(exc: DepartmentRejected, known: frozenset[str]) -> AppointmentRefused | None:
    refusal = rejection_code(exc)
    return AppointmentRefused(exc, refusal) if refusal is not None and refusal in known else None


def _segment(value: str) -> str:
    # Identifiers go into the path: escape them so none can reach another route.
    return quote(value, safe="")
