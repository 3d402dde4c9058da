"""The records simulator over HTTP: social insurance, housing fund, medical insurance."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from typing import Any

import httpx
import pytest

from kit import signing
from simulators.common.population import population
from simulators.records.ledgers import contribution_count, contributions, medical_ledger, settlement_count
from simulators.records.profiles import build_profiles
from tests.support.departments import HTTP, signed
from tests.support.people import fresh_id_number, with_wrong_check_char

CITIZEN_ID = "530102199003153217"
CITIZEN2_ID = "532901199206182420"
ELDER_ID = "530402194309211022"
STAFF_ID = "530111199507023826"
DEMO_USCC = "91530102MA6K8R2Q1N"


def get(base: str, path: str) -> httpx.Response:
    return signed("GET", base, path, "records")


def ok(base: str, path: str) -> Any:
    response = get(base, path)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def base(simulator_urls: dict[str, str]) -> str:
    return simulator_urls["records"]


def test_summaries_tell_employee_flexible_and_retired_apart(base: str) -> None:
    citizen = ok(base, f"/api/v1/social-insurance/summary?holder_id={CITIZEN_ID}")
    assert citizen["category"] == "职工"
    assert citizen["status"] == "正常参保"
    assert citizen["employer_name"].startswith("昆明")
    assert {s["code"] for s in citizen["schemes"]} == {"110", "210", "310", "410"}
    assert citizen["months_paid"] > 150
    flexible = ok(base, f"/api/v1/social-insurance/summary?holder_id={CITIZEN2_ID}")
    assert flexible["category"] == "灵活就业"
    assert flexible["employer_name"] is None
    elder = ok(base, f"/api/v1/social-insurance/summary?holder_id={ELDER_ID}")
    assert elder["status"] == "已退休"
    assert elder["retirement"]["retired_on"] == "1998-10-01"
    assert Decimal(elder["retirement"]["monthly_pension"]) > 3000


def test_contributions_page_by_month_and_scheme(base: str) -> None:
    year = ok(base, f"/api/v1/social-insurance/contributions?holder_id={CITIZEN_ID}&page_size=100")
    assert year["total"] == 12 * 4
    assert (year["from"], year["to"]) == ("2025-11", "2026-10")
    months = [row["month"] for row in year["items"]]
    assert months == sorted(months, reverse=True)
    for row in year["items"]:
        assert Decimal(row["total"]) == Decimal(row["employer_amount"]) + Decimal(row["personal_amount"])
        assert row["employer_uscc"] == year["items"][0]["employer_uscc"]
    pension = [r for r in year["items"] if r["insurance_code"] == "110"]
    assert Decimal(pension[0]["personal_amount"]) == (Decimal(pension[0]["base"]) * Decimal("0.08")).quantize(
        Decimal("0.01")
    )
    first = ok(base, f"/api/v1/social-insurance/contributions?holder_id={CITIZEN_ID}&page_size=10")
    second = ok(base, f"/api/v1/social-insurance/contributions?holder_id={CITIZEN_ID}&page_size=10&page=2")
    assert first["items"] == year["items"][:10]
    assert second["items"] == year["items"][10:20]
    medical = ok(
        base,
        f"/api/v1/social-insurance/contributions?holder_id={CITIZEN_ID}&from=2024-01&to=2024-06&insurance_code=310",
    )
    assert [r["month"] for r in medical["items"]] == ["2024-06", "2024-05", "2024-04", "2024-03", "2024-02", "2024-01"]
    assert ok(base, f"/api/v1/social-insurance/contributions?holder_id={ELDER_ID}")["total"] == 0


def test_bad_holders_and_ranges_are_refused_with_codes(base: str) -> None:
    bad = get(base, f"/api/v1/social-insurance/contributions?holder_id={with_wrong_check_char(CITIZEN_ID)}")
    assert (bad.status_code, bad.json()["code"]) == (400, "INVALID_ID_NUMBER")
    unknown = get(base, f"/api/v1/social-insurance/summary?holder_id={fresh_id_number()}")
    assert unknown.status_code == 404
    backwards = get(base, f"/api/v1/social-insurance/contributions?holder_id={CITIZEN_ID}&from=2026-05&to=2026-01")
    assert backwards.json()["code"] == "INVALID_RANGE"
    too_long = get(base, f"/api/v1/social-insurance/contributions?holder_id={CITIZEN_ID}&from=2010-01&to=2026-01")
    assert too_long.json()["code"] == "RANGE_TOO_LONG"
    assert get(base, f"/api/v1/social-insurance/contributions?holder_id={CITIZEN_ID}&from=2026-13").status_code == 422


def test_housing_fund_balance_follows_its_history(base: str) -> None:
    account = ok(base, f"/api/v1/housing-fund/account?holder_id={STAFF_ID}")
    assert account["status"] == "正常"
    assert account["employer_uscc"] == DEMO_USCC
    assert account["employer_rate"] == account["personal_rate"] == "8%"
    history = ok(base, f"/api/v1/housing-fund/history?holder_id={STAFF_ID}&from=2024-01&page_size=100")
    entries = history["items"]
    assert entries[0]["balance_after"] == account["balance"]
    for newer, older in pairwise(entries):
        sign = 1 if newer["direction"] == "收入" else -1
        assert Decimal(newer["balance_after"]) == Decimal(older["balance_after"]) + sign * Decimal(newer["amount"])
    assert {e["kind"] for e in entries} == {"汇缴", "提取", "结息"}
    purchase = ok(base, f"/api/v1/housing-fund/history?holder_id={CITIZEN_ID}&from=2025-12&to=2025-12")
    assert any(e["note"] == "购买自住住房提取" for e in purchase["items"])
    assert get(base, f"/api/v1/housing-fund/account?holder_id={CITIZEN2_ID}").status_code == 404


def test_medical_settlements_add_up(base: str) -> None:
    elder = ok(base, f"/api/v1/medical-insurance/account?holder_id={ELDER_ID}")
    assert elder["retired"] is True
    assert elder["scheme_code"] == "310"
    assert elder["has_personal_account"] is True
    settlements = ok(base, f"/api/v1/medical-insurance/settlements?holder_id={ELDER_ID}&page_size=100")
    assert settlements["total"] >= 5
    assert any(s["kind"] == "门诊慢特病" for s in settlements["items"])
    for s in settlements["items"]:
        parts = Decimal(s["fund_paid"]) + Decimal(s["account_paid"]) + Decimal(s["cash_paid"])
        assert parts == Decimal(s["total"])
        assert "diagnosis" not in s
    times = [s["settled_at"] for s in settlements["items"]]
    assert times == sorted(times, reverse=True)


def test_employer_contributions_sum_the_staff(base: str) -> None:
    page = ok(base, f"/api/v1/social-insurance/employer-contributions?uscc={DEMO_USCC}&from=2026-10&to=2026-10")
    rows = {r["insurance_code"]: r for r in page["items"]}
    assert set(rows) == {"110", "210", "310", "410"}
    assert rows["110"]["headcount"] >= 2  # the legal representative and the authorised staff
    staff = ok(base, f"/api/v1/social-insurance/contributions?holder_id={STAFF_ID}&from=2026-10&to=2026-10")
    staff_pension = next(r for r in staff["items"] if r["insurance_code"] == "110")
    assert Decimal(rows["110"]["personal_amount"]) > Decimal(staff_pension["personal_amount"])
    assert get(base, "/api/v1/social-insurance/employer-contributions?uscc=91530102MA6K8R2Q1X").status_code == 400


def test_record_counts_match_the_records_served() -> None:
    # The stats count records without building them; building a sample must give the same counts.
    profiles = list(build_profiles(population()).values())
    for insured in profiles[::25]:
        assert contribution_count(insured) == len(contributions(insured))
        assert settlement_count(insured) == len(medical_ledger(insured).settlements)


def test_signature_is_required_and_stats_count(base: str) -> None:
    path = f"/api/v1/social-insurance/summary?holder_id={CITIZEN_ID}"
    assert HTTP.get(base + path).status_code == 401
    assert HTTP.get(base + path, headers=signing.sign("wrong", "GET", path, b"", "citizen-space")).status_code == 401
    assert "/api/v1/housing-fund/history" in HTTP.get(f"{base}/openapi.json").json()["paths"]
    stats = HTTP.get(f"{base}/_admin/stats", timeout=30).json()
    assert stats["insured_people"] == len(population().people)
    assert stats["contribution_records"] > 100_000
    assert 0 < stats["housing_fund_accounts"] < stats["insured_people"]
