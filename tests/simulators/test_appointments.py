"""The appointments simulator over HTTP: halls, slots, booking and cancelling by key."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from kit.working_days import is_working_day
from simulators.common.lifecycle import now
from tests.support.departments import HTTP, signed
from tests.support.people import fresh_id_number
from tests.support.stateful import new_key

CITIZEN_ID = "530102199003153217"
ELDER_ID = "530402194309211022"
PREFECTURE_HALLS = 16


def call(base: str, method: str, path: str, body: Any = None, key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else None
    return signed(method, base, path, "appointments", json=body, headers=headers)


def grid(base: str, hall_id: str, item_code: str) -> dict[str, Any]:
    response = call(base, "GET", f"/api/v1/halls/{hall_id}/slots?item_code={item_code}")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def slot_of(base: str, hall_id: str, item_code: str, day: str, start: str) -> dict[str, Any]:
    days = {d["date"]: d for d in grid(base, hall_id, item_code)["days"]}
    return next(s for s in days[day]["slots"] if s["start"] == start)


def booking(hall_id: str, item_code: str, day: str, start: str, holder_id: str | None = None) -> dict[str, Any]:
    return {
        "hall_id": hall_id,
        "item_code": item_code,
        "date": day,
        "start": start,
        "holder_id_type": "111",
        "holder_id": holder_id or fresh_id_number(),
        "holder_name": "测试申请人",
    }


def today() -> date:
    # The halls keep Beijing time, whatever the clock of the machine running the tests says.
    return now().date()


@pytest.fixture
def base(simulator_urls: dict[str, str]) -> str:
    return simulator_urls["appointments"]


def test_halls_of_every_prefecture_and_some_counties(base: str) -> None:
    halls = call(base, "GET", "/api/v1/halls").json()["items"]
    prefecture = [h for h in halls if h["level"] == "州市级"]
    assert len(prefecture) == PREFECTURE_HALLS
    assert len({h["prefecture_code"] for h in prefecture}) == PREFECTURE_HALLS
    assert any(h["level"] == "县级" for h in halls)
    for hall in halls:
        assert hall["name"].endswith("政务服务中心")
        assert hall["address"].startswith("云南省")
        assert hall["opening_hours"]
    kunming = call(base, "GET", "/api/v1/halls?prefecture_code=530100").json()["items"]
    assert {h["hall_id"] for h in kunming} == {"H530100", "H530102", "H530111"}
    # County halls take appointments for people's items only; company items go to the prefecture.
    for_companies = call(base, "GET", "/api/v1/halls?item_code=SJ-009").json()["items"]
    assert {h["level"] for h in for_companies} == {"州市级"}


def test_slot_grid_covers_working_days_in_half_hours(base: str) -> None:
    result = grid(base, "H530100", "GA-002")
    assert result["item_name"] == "居民身份证换领"
    assert len(result["days"]) == 10
    for day in result["days"]:
        assert is_working_day(date.fromisoformat(day["date"]))
        assert date.fromisoformat(day["date"]) > today()
        assert [s["start"] for s in day["slots"]][:2] == ["09:00", "09:30"]
        assert len(day["slots"]) == 14
        for slot in day["slots"]:
            assert slot["available"] == slot["capacity"] - slot["booked"] >= 0
    assert any(s["available"] == 0 for d in result["days"] for s in d["slots"]), "some slots are already full"
    refused = call(base, "GET", "/api/v1/halls/H530102/slots?item_code=SJ-009")
    assert refused.status_code == 422
    assert refused.json()["code"] == "ITEM_NOT_SERVED_HERE"


def test_booking_is_idempotent_and_a_full_slot_is_409(base: str) -> None:
    result = grid(base, "H530300", "GA-011")
    day, slot = next((d["date"], s) for d in result["days"] for s in d["slots"] if s["available"] >= 2)
    start = slot["start"]
    key = new_key()
    body = booking("H530300", "GA-011", day, start)
    first = call(base, "POST", "/api/v1/appointments", body, key)
    assert first.status_code == 201, first.text
    made = first.json()
    assert made["status"] == "已预约"
    assert made["item_name"] == "普通护照签发"
    replay = call(base, "POST", "/api/v1/appointments", body, key)
    assert replay.status_code == 200
    assert replay.json()["appointment_id"] == made["appointment_id"]
    assert slot_of(base, "H530300", "GA-011", day, start)["booked"] == slot["booked"] + 1
    reused = call(base, "POST", "/api/v1/appointments", {**body, "start": "16:30"}, key)
    assert reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    for _ in range(slot["available"] - 1):
        assert (
            call(base, "POST", "/api/v1/appointments", booking("H530300", "GA-011", day, start), new_key()).status_code
            == 201
        )
    full = call(base, "POST", "/api/v1/appointments", booking("H530300", "GA-011", day, start), new_key())
    assert full.status_code == 409
    assert full.json()["code"] == "SLOT_FULL"
    # The first request, resubmitted with its key, still gets its booking back.
    assert call(base, "POST", "/api/v1/appointments", body, key).json()["appointment_id"] == made["appointment_id"]


def test_cancel_frees_the_place_and_is_idempotent(base: str) -> None:
    result = grid(base, "H532900", "GA-015")
    day, slot = next((d["date"], s) for d in result["days"] for s in d["slots"] if s["available"] >= 1)
    holder = fresh_id_number()
    made = call(
        base, "POST", "/api/v1/appointments", booking("H532900", "GA-015", day, slot["start"], holder), new_key()
    )
    appointment_id = made.json()["appointment_id"]
    path = f"/api/v1/appointments/{appointment_id}/cancel"
    assert call(base, "POST", path, {"holder_id": fresh_id_number()}).json()["code"] == "NOT_HOLDER"
    once = call(base, "POST", path, {"holder_id": holder})
    assert once.status_code == 200
    assert once.json()["status"] == "已取消"
    twice = call(base, "POST", path, {"holder_id": holder})
    assert twice.status_code == 200
    assert twice.json()["cancelled_at"] == once.json()["cancelled_at"]
    assert slot_of(base, "H532900", "GA-015", day, slot["start"])["booked"] == slot["booked"]
    assert call(base, "GET", f"/api/v1/appointments/{appointment_id}").json()["status"] == "已取消"


def test_booking_rules_are_refused_with_codes(base: str) -> None:
    result = grid(base, "H530100", "GA-003")
    day, slot = next((d["date"], s) for d in result["days"] for s in d["slots"] if s["available"] >= 2)
    holder = fresh_id_number()
    assert (
        call(
            base, "POST", "/api/v1/appointments", booking("H530100", "GA-003", day, slot["start"], holder), new_key()
        ).status_code
        == 201
    )
    again = booking("H530100", "GA-003", day, slot["start"], holder)
    assert call(base, "POST", "/api/v1/appointments", again, new_key()).json()["code"] == "DUPLICATE_BOOKING"
    rest_day = next(d for d in (today() + timedelta(days=i) for i in range(1, 15)) if not is_working_day(d))
    for day_off in (rest_day.isoformat(), "2030-06-03"):
        refused = call(base, "POST", "/api/v1/appointments", booking("H530100", "GA-003", day_off, "09:00"), new_key())
        assert refused.json()["code"] == "OUTSIDE_BOOKING_WINDOW"
    assert (
        call(base, "POST", "/api/v1/appointments", booking("H530100", "GA-003", day, "12:30"), new_key()).json()["code"]
        == "INVALID_SLOT"
    )
    company_item = booking("H530100", "SJ-009", day, "09:00")
    assert call(base, "POST", "/api/v1/appointments", company_item, new_key()).json()["code"] == "HOLDER_TYPE_MISMATCH"
    assert (
        call(base, "POST", "/api/v1/appointments", booking("H530100", "XX-999", day, "09:00"), new_key()).json()["code"]
        == "UNKNOWN_ITEM"
    )
    assert (
        call(base, "POST", "/api/v1/appointments", booking("H530100", "GA-003", day, "09:00")).json()["code"]
        == "IDEMPOTENCY_KEY_REQUIRED"
    )


def test_demo_users_have_upcoming_and_past_appointments(base: str) -> None:
    for holder in (CITIZEN_ID, ELDER_ID):
        upcoming = call(base, "GET", f"/api/v1/appointments?holder_id={holder}&when=upcoming").json()["items"]
        assert upcoming, holder
        assert all(a["status"] == "已预约" for a in upcoming)
        assert [a["date"] for a in upcoming] == sorted(a["date"] for a in upcoming)
        past = call(base, "GET", f"/api/v1/appointments?holder_id={holder}&when=past").json()["items"]
        assert past
        assert all(a["date"] <= today().isoformat() for a in past)
    elder_next = call(base, "GET", f"/api/v1/appointments?holder_id={ELDER_ID}&when=upcoming").json()["items"][0]
    assert elder_next["hall_name"] == "玉溪市红塔区政务服务中心"
    company = call(base, "GET", "/api/v1/appointments?holder_id=91530102MA6K8R2Q1N&holder_id_type=001").json()
    assert {a["item_code"] for a in company["items"]} >= {"SJ-009"}
    assert call(base, "GET", "/api/v1/appointments?holder_id=530102199003153218").json()["code"] == "INVALID_ID_NUMBER"


def test_api_key_is_required(base: str) -> None:
    assert HTTP.get(f"{base}/api/v1/halls").status_code == 401
    assert HTTP.get(f"{base}/api/v1/halls", headers={"X-Api-Key": "wrong"}).status_code == 401


def test_openapi_and_stats(base: str) -> None:
    assert "/api/v1/appointments/{appointment_id}/cancel" in HTTP.get(f"{base}/openapi.json").json()["paths"]
    stats = HTTP.get(f"{base}/_admin/stats").json()
    assert stats["halls"] == stats["halls_prefecture"] + stats["halls_county"]
    assert stats["halls_prefecture"] == PREFECTURE_HALLS
    assert stats["appointments_upcoming"] >= 2
    assert stats["slots_per_working_day"] == stats["hall_items"] * 14
