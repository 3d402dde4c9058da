"""The appointments connector against the live simulator: halls, slots, book, cancel, refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from connectors.appointments.client import AppointmentRefused, AppointmentsClient
from connectors.appointments.models import BookingRequest
from tests.support.people import fresh_id_number
from tests.support.stateful import call_context, department_client, new_key

CITIZEN_ID = "530102199003153217"
ELDER_ID = "530402194309211022"


@pytest_asyncio.fixture(loop_scope="function")
async def appointments(simulator_urls: dict[str, str]) -> AsyncIterator[AppointmentsClient]:
    base = department_client("appointments", simulator_urls["appointments"])
    yield AppointmentsClient(base)
    await base.aclose()


async def test_halls_and_slots_round_trip(appointments: AppointmentsClient) -> None:
    halls = await appointments.halls(call_context(), prefecture_code="532900")
    assert {h.name for h in halls} == {"大理白族自治州政务服务中心", "大理市政务服务中心"}
    hall = await appointments.hall("H532901", call_context())
    assert "GA-011" in hall.item_codes
    assert hall.level == "县级"
    grid = await appointments.slots("H532901", "GA-011", call_context())
    assert grid.item_name == "普通护照签发"
    assert grid.open_slots()
    first_day = grid.days[0].date
    narrowed = await appointments.slots("H532901", "GA-011", call_context(), date_from=first_day, date_to=first_day)
    assert [d.date for d in narrowed.days] == [first_day]


async def test_book_then_cancel(appointments: AppointmentsClient) -> None:
    grid = await appointments.slots("H530400", "RS-001", call_context())
    day, slot = grid.open_slots()[0]
    holder = fresh_id_number("530402")
    request = BookingRequest(
        hall_id="H530400", item_code="RS-001", date=day, start=slot.start, holder_id=holder, holder_name="测试"
    )
    key = new_key()
    made = await appointments.book(request, call_context(), idempotency_key=key)
    assert made.status == "已预约"
    assert (await appointments.book(request, call_context(), idempotency_key=key)).appointment_id == made.appointment_id
    mine = await appointments.of_holder(holder, call_context(), when="upcoming")
    assert [a.appointment_id for a in mine.items] == [made.appointment_id]
    cancelled = await appointments.cancel(made.appointment_id, holder, call_context(), idempotency_key=new_key())
    assert cancelled.status == "已取消"
    assert (await appointments.appointment(made.appointment_id, call_context())).status == "已取消"


async def test_refusals_carry_the_halls_code(appointments: AppointmentsClient) -> None:
    grid = await appointments.slots("H530100", "GA-017", call_context())
    full = next((day, s) for day, s in ((d.date, s) for d in grid.days for s in d.slots) if s.available == 0)
    request = BookingRequest(
        hall_id="H530100",
        item_code="GA-017",
        date=full[0],
        start=full[1].start,
        holder_id=fresh_id_number(),
        holder_name="测试",
    )
    with pytest.raises(AppointmentRefused) as refused:
        await appointments.book(request, call_context(), idempotency_key=new_key())
    assert refused.value.refusal == "SLOT_FULL"
    upcoming = (await appointments.of_holder(ELDER_ID, call_context(), when="upcoming")).items[0]
    with pytest.raises(AppointmentRefused) as not_mine:
        await appointments.cancel(upcoming.appointment_id, CITIZEN_ID, call_context(), idempotency_key=new_key())
    assert not_mine.value.refusal == "NOT_HOLDER"


async def test_demo_users_see_their_upcoming_appointments(appointments: AppointmentsClient) -> None:
    for holder in (CITIZEN_ID, ELDER_ID):
        page = await appointments.of_holder(holder, call_context(), when="upcoming")
        assert page.total >= 1
        assert all(a.status == "已预约" for a in page.items)
    company = await appointments.of_holder("91530102MA6K8R2Q1N", call_context(), holder_id_type="001")
    assert company.items[0].holder_name == "昆明滇味香餐饮管理有限公司"
