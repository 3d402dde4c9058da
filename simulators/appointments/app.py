"""预约服务系统 simulator: halls, half-hour slots per item, book and cancel (idempotent)."""

from __future__ import annotations

from collections import Counter
from datetime import date, time
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Path, Query, Response
from pydantic import BaseModel, Field

from simulators.appointments.data import (
    BOOKED,
    CANCELLED,
    SLOT_MINUTES,
    SLOT_STARTS,
    Appointment,
    Book,
    Hall,
    bookable_days,
    build_halls,
    seed_appointments,
)
from simulators.common.app import SimulatorAuth, create_simulator_app
from simulators.common.lifecycle import IdempotencyKey, IdempotencyStore, SimulatorError, conflict, not_found, now
from simulators.common.population import population
from simulators.common.reads import (
    COMPANY_ID_TYPE,
    PERSON_ID_TYPE,
    HolderIdType,
    PageNumber,
    PageSize,
    bad_request,
    check_holder,
    install_error_handlers,
    page_of,
)
from simulators.common.service_items import ITEM_CODE_PATTERN, ServiceItem, service_items

STATUS_KEYS = {"已预约": "booked", "已完成": "done", "已取消": "cancelled", "爽约": "no_show"}
HallId = Annotated[str, Path(pattern=r"^H\d{6}$")]
ItemCode = Annotated[str, Query(pattern=ITEM_CODE_PATTERN)]


class BookRequest(BaseModel):
    hall_id: str = Field(pattern=r"^H\d{6}$")
    item_code: str = Field(pattern=ITEM_CODE_PATTERN)
    date: date
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM, the start of a half-hour slot")
    holder_id_type: Literal["111", "001"] = "111"
    holder_id: str = Field(min_length=18, max_length=18)
    holder_name: str = Field(min_length=2, max_length=60)


class CancelRequest(BaseModel):
    holder_id: str = Field(min_length=18, max_length=18)


def create_app(auth: SimulatorAuth) -> FastAPI:
    app = create_simulator_app(
        "appointments",
        "预约服务系统",
        auth,
        description="全省政务服务大厅预约：大厅、事项时段余量、预约（幂等）、取消（幂等）、个人/单位预约记录。",
    )
    install_error_handlers(app)
    items = service_items()
    book = Book(halls=build_halls())
    seed_appointments(book, population(), now().date())
    idempotency = IdempotencyStore()

    def hall_of(hall_id: str) -> Hall:
        hall = book.halls.get(hall_id)
        if hall is None:
            raise not_found("服务大厅")
        return hall

    def served_item(hall: Hall, item_code: str) -> ServiceItem:
        item = items.get(item_code)
        if item is None:
            raise SimulatorError(422, "UNKNOWN_ITEM", "事项编码不存在")
        if item_code not in hall.item_codes:
            message = f"{hall.name}不受理该事项的预约，请选择州市级政务服务中心"
            raise SimulatorError(422, "ITEM_NOT_SERVED_HERE", message)
        return item

    def appointment_of(appointment_id: str) -> Appointment:
        found = book.appointments.get(appointment_id)
        if found is None:
            raise not_found("预约记录")
        return found

    @app.get("/api/v1/halls", tags=["halls"])
    async def halls(
        prefecture_code: Annotated[str | None, Query(pattern=r"^53\d{4}$")] = None,
        item_code: Annotated[str | None, Query(pattern=ITEM_CODE_PATTERN)] = None,
    ) -> dict[str, Any]:
        found = [
            h.view()
            for h in book.halls.values()
            if (prefecture_code is None or h.prefecture_code == prefecture_code)
            and (item_code is None or item_code in h.item_codes)
        ]
        return {"items": found, "total": len(found)}

    @app.get("/api/v1/halls/{hall_id}", tags=["halls"])
    async def hall(hall_id: HallId) -> dict[str, Any]:
        found = hall_of(hall_id)
        return {**found.view(), "item_codes": sorted(found.item_codes)}

    @app.get("/api/v1/halls/{hall_id}/slots", tags=["slots"])
    async def slots(
        hall_id: HallId, item_code: ItemCode, date_from: date | None = None, date_to: date | None = None
    ) -> dict[str, Any]:
        found = hall_of(hall_id)
        item = served_item(found, item_code)
        days = [
            d
            for d in bookable_days(now().date())
            if (date_from is None or d >= date_from) and (date_to is None or d <= date_to)
        ]
        return {
            "hall_id": found.hall_id,
            "hall_name": found.name,
            "item_code": item.code,
            "item_name": item.name,
            "slot_minutes": SLOT_MINUTES,
            "days": [
                {"date": d.isoformat(), "slots": [slot_view(found, item.code, d, start) for start in SLOT_STARTS]}
                for d in days
            ],
        }

    def slot_view(hall: Hall, item_code: str, day: date, start: time) -> dict[str, Any]:
        taken = book.booked(hall, item_code, day, start)
        end_minutes = start.hour * 60 + start.minute + SLOT_MINUTES
        return {
            "start": start.strftime("%H:%M"),
            "end": f"{end_minutes // 60:02d}:{end_minutes % 60:02d}",
            "capacity": hall.capacity_per_slot,
            "booked": taken,
            "available": hall.capacity_per_slot - taken,
        }

    @app.post("/api/v1/appointments", tags=["appointments"], status_code=201)
    async def book_slot(
        request: BookRequest, response: Response, idempotency_key: IdempotencyKey = None
    ) -> dict[str, Any]:
        if idempotency_key is None:
            raise bad_request("IDEMPOTENCY_KEY_REQUIRED", "预约请求必须携带 Idempotency-Key")
        at = now()
        replayed = idempotency.replay("book", idempotency_key, request)
        if replayed is not None:
            response.status_code = 200
            return book.appointments[replayed].view(at)
        holder_id = check_holder(request.holder_id, request.holder_id_type)
        found = hall_of(request.hall_id)
        item = served_item(found, request.item_code)
        wanted_type = COMPANY_ID_TYPE if item.for_companies else PERSON_ID_TYPE
        if request.holder_id_type != wanted_type:
            holder = "单位" if item.for_companies else "个人"
            raise SimulatorError(422, "HOLDER_TYPE_MISMATCH", f"该事项须以{holder}名义预约")
        if request.date not in bookable_days(at.date()):
            raise SimulatorError(422, "OUTSIDE_BOOKING_WINDOW", "只能预约明天起10个工作日内的时段")
        start = time.fromisoformat(request.start)
        if start not in SLOT_STARTS:
            raise SimulatorError(422, "INVALID_SLOT", "预约时段须为大厅开放时间内的整点或半点")
        for other in book.of_holder(request.holder_id_type, holder_id):
            if other.item.code == item.code and other.day == request.date and other.current_status(at) == BOOKED:
                raise conflict("DUPLICATE_BOOKING", "同一事项同一天已有预约，请勿重复预约")
        if book.booked(found, item.code, request.date, start) >= found.capacity_per_slot:
            raise conflict("SLOT_FULL", "该时段已约满，请选择其他时段")
        appointment_id, ticket = book.next_ids(request.date, start)
        made = Appointment(
            appointment_id=appointment_id,
            ticket_no=ticket,
            hall=found,
            item=item,
            day=request.date,
            start=start,
            holder_id_type=request.holder_id_type,
            holder_id=holder_id,
            holder_name=request.holder_name,
            created_at=at,
        )
        book.add(made)
        idempotency.remember("book", idempotency_key, request, made.appointment_id)
        return made.view(at)

    @app.get("/api/v1/appointments/{appointment_id}", tags=["appointments"])
    async def appointment(appointment_id: Annotated[str, Path(max_length=32)]) -> dict[str, Any]:
        return appointment_of(appointment_id).view(now())

    @app.post("/api/v1/appointments/{appointment_id}/cancel", tags=["appointments"])
    async def cancel(appointment_id: Annotated[str, Path(max_length=32)], request: CancelRequest) -> dict[str, Any]:
        found = appointment_of(appointment_id)
        if request.holder_id.upper() != found.holder_id:
            raise SimulatorError(403, "NOT_HOLDER", "只能取消本人（本单位）的预约")
        at = now()
        status = found.current_status(at)
        if status == CANCELLED:
            return found.view(at)  # cancelling twice is the same as once
        if status != BOOKED:
            raise conflict("NOT_CANCELLABLE", f"预约状态为{status}，不能取消")
        if found.starts_at <= at:
            raise conflict("TOO_LATE", "预约时段已开始，不能取消")
        found.status = CANCELLED
        found.cancelled_at = at
        book.release(found)
        return found.view(at)

    @app.get("/api/v1/appointments", tags=["appointments"])
    async def appointments_of_holder(
        holder_id: Annotated[str, Query(min_length=18, max_length=18)],
        holder_id_type: HolderIdType = PERSON_ID_TYPE,
        when: Literal["upcoming", "past", "all"] = "all",
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> dict[str, Any]:
        at = now()
        mine = book.of_holder(holder_id_type, check_holder(holder_id, holder_id_type))
        upcoming = sorted((a for a in mine if a.ends_at > at), key=lambda a: a.starts_at)
        past = sorted((a for a in mine if a.ends_at <= at), key=lambda a: a.starts_at, reverse=True)
        chosen = {"upcoming": upcoming, "past": past, "all": upcoming + past}[when]
        return page_of([a.view(at) for a in chosen], page, page_size)

    @app.get("/_admin/stats", tags=["admin"])
    async def stats() -> dict[str, int]:
        at = now()
        statuses = Counter(a.current_status(at) for a in book.appointments.values())
        halls = list(book.halls.values())
        return {
            "halls": len(halls),
            "halls_prefecture": sum(1 for h in halls if h.level == "州市级"),
            "halls_county": sum(1 for h in halls if h.level == "县级"),
            "hall_items": sum(len(h.item_codes) for h in halls),
            "slots_per_working_day": sum(len(h.item_codes) for h in halls) * len(SLOT_STARTS),
            "bookable_working_days": len(bookable_days(at.date())),
            "appointments": len(book.appointments),
            "appointments_upcoming": sum(1 for a in book.appointments.values() if a.ends_at > at),
            **{f"appointments_{STATUS_KEYS[status]}": count for status, count in statuses.items()},
            "idempotency_keys": len(idempotency),
        }

    app.state.book = book
    return app
