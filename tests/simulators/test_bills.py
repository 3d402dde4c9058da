"""The utility-bills simulator over HTTP: accounts and bills of people and companies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.support.departments import HTTP, signed
from tests.support.people import fresh_id_number, with_wrong_check_char

CITIZEN_ID = "530102199003153217"
CITIZEN2_ID = "532901199206182420"
DEMO_USCC = "91530102MA6K8R2Q1N"


def get(base: str, path: str) -> httpx.Response:
    return signed("GET", base, path, "bills")


def ok(base: str, path: str) -> Any:
    response = get(base, path)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def base(simulator_urls: dict[str, str]) -> str:
    return simulator_urls["bills"]


def test_people_and_companies_have_utility_accounts(base: str) -> None:
    citizen = ok(base, f"/api/v1/accounts?holder_id={CITIZEN_ID}")["items"]
    assert {a["utility"] for a in citizen} == {"water", "electricity", "gas"}
    assert {a["category"] for a in citizen} == {"居民"}
    electricity = next(a for a in citizen if a["utility"] == "electricity")
    assert electricity["provider"] == "云南电网有限责任公司昆明供电局"
    company = ok(base, f"/api/v1/accounts?holder_id={DEMO_USCC}&holder_id_type=001")["items"]
    assert {a["utility"] for a in company} == {"water", "electricity", "gas"}
    assert {a["category"] for a in company} == {"非居民"}


def test_bills_page_newest_first_with_filters(base: str) -> None:
    year = ok(base, f"/api/v1/bills?holder_id={CITIZEN_ID}&page_size=100")
    assert year["total"] == 12 * 3
    periods = [b["period"] for b in year["items"]]
    assert periods == sorted(periods, reverse=True)
    water = ok(base, f"/api/v1/bills?holder_id={CITIZEN_ID}&utility=water&from=2025-01&to=2025-12")
    assert [b["period"] for b in water["items"]][:3] == ["2025-12", "2025-11", "2025-10"]
    assert water["total"] == 12
    assert {b["unit"] for b in water["items"]} == {"吨"}
    winter = next(b for b in water["items"] if b["period"] == "2025-12")
    assert winter["due_on"] == "2026-01-25"
    page2 = ok(base, f"/api/v1/bills?holder_id={CITIZEN_ID}&page_size=5&page=2")
    assert page2["items"] == year["items"][5:10]


def test_payment_status_and_what_is_owed(base: str) -> None:
    unpaid = ok(base, f"/api/v1/bills?holder_id={CITIZEN_ID}&status={quote('未缴')}")["items"]
    assert [(b["utility"], b["period"]) for b in unpaid] == [("electricity", "2026-10")]
    assert unpaid[0]["amount_due"] == unpaid[0]["amount"]
    overdue = ok(base, f"/api/v1/bills?holder_id={CITIZEN2_ID}&status={quote('逾期')}")["items"]
    assert [(b["utility"], b["period"]) for b in overdue] == [("water", "2026-09")]
    assert Decimal(overdue[0]["late_fee"]) > 0
    assert Decimal(overdue[0]["amount_due"]) == Decimal(overdue[0]["amount"]) + Decimal(overdue[0]["late_fee"])
    paid = ok(base, f"/api/v1/bills?holder_id={CITIZEN_ID}&status={quote('已缴')}&page_size=100")["items"]
    assert all(b["amount_due"] == "0.00" and b["paid_at"] and b["pay_channel"] for b in paid)
    summary = ok(base, f"/api/v1/bills/summary?holder_id={CITIZEN2_ID}")
    [water] = summary["outstanding"]
    assert (water["utility"], water["bills"], water["overdue_bills"]) == ("water", 2, 1)
    owed = ok(base, f"/api/v1/bills?holder_id={CITIZEN2_ID}&utility=water&from=2026-09")["items"]
    assert Decimal(summary["total_due"]) == sum(Decimal(b["amount_due"]) for b in owed)
    company = ok(base, f"/api/v1/bills/summary?holder_id={DEMO_USCC}&holder_id_type=001")
    assert {o["utility"] for o in company["outstanding"]} == {"electricity", "gas"}


def test_one_bill_by_id(base: str) -> None:
    first = ok(base, f"/api/v1/bills?holder_id={DEMO_USCC}&holder_id_type=001&page_size=1")["items"][0]
    assert ok(base, f"/api/v1/bills/{first['bill_id']}") == first
    assert get(base, f"/api/v1/bills/{first['bill_id'][:-6]}199901").status_code == 404
    assert get(base, "/api/v1/bills/not-a-bill").status_code == 422


def test_bad_and_unknown_holders(base: str) -> None:
    bad = get(base, f"/api/v1/bills?holder_id={with_wrong_check_char(CITIZEN_ID)}")
    assert (bad.status_code, bad.json()["code"]) == (400, "INVALID_ID_NUMBER")
    assert get(base, f"/api/v1/accounts?holder_id={fresh_id_number()}").status_code == 404
    company_as_person = get(base, f"/api/v1/accounts?holder_id={DEMO_USCC}")
    assert company_as_person.json()["code"] == "INVALID_ID_NUMBER"
    assert get(base, f"/api/v1/bills?holder_id={CITIZEN_ID}&utility=oil").status_code == 422


def test_api_key_is_required_and_stats_count(base: str) -> None:
    assert HTTP.get(f"{base}/api/v1/accounts?holder_id={CITIZEN_ID}").status_code == 401
    assert "/api/v1/bills/summary" in HTTP.get(f"{base}/openapi.json").json()["paths"]
    stats = HTTP.get(f"{base}/_admin/stats", timeout=30).json()
    assert stats["bills"] == stats["bills_paid"] + stats["bills_unpaid"] + stats["bills_overdue"]
    assert stats["accounts"] == stats["accounts_water"] + stats["accounts_electricity"] + stats["accounts_gas"]
    assert stats["bills_overdue"] > 0
