"""The records connector against the live simulator: every read round-trips into typed models."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
import pytest_asyncio

from connectors.errors import DepartmentRejected, NotFound
from connectors.records.client import RecordsClient
from tests.support.stateful import call_context, department_client

CITIZEN_ID = "530102199003153217"
CITIZEN2_ID = "532901199206182420"
ELDER_ID = "530402194309211022"
DEMO_USCC = "91530102MA6K8R2Q1N"


@pytest_asyncio.fixture(loop_scope="function")
async def records(simulator_urls: dict[str, str]) -> AsyncIterator[RecordsClient]:
    base = department_client("records", simulator_urls["records"])
    yield RecordsClient(base)
    await base.aclose()


async def test_social_insurance_round_trips(records: RecordsClient) -> None:
    summary = await records.social_insurance_summary(CITIZEN_ID, call_context())
    assert summary.category == "职工"
    assert summary.current_base is not None
    assert summary.current_base > Decimal("4000")
    page = await records.contributions(CITIZEN_ID, call_context(), from_month="2026-01", insurance_code="110")
    assert (page.from_month, page.to_month) == ("2026-01", "2026-10")
    assert page.total == 10
    assert all(isinstance(row.total, Decimal) for row in page.items)
    employer = await records.employer_contributions(DEMO_USCC, call_context(), from_month="2026-10")
    assert {row.insurance_code for row in employer.items} == {"110", "210", "310", "410"}
    elder = await records.social_insurance_summary(ELDER_ID, call_context())
    assert elder.retirement is not None
    assert elder.retirement.monthly_pension > 0


async def test_housing_fund_and_medical_round_trip(records: RecordsClient) -> None:
    account = await records.housing_fund_account(CITIZEN_ID, call_context())
    history = await records.housing_fund_history(CITIZEN_ID, call_context(), page_size=1)
    assert history.items[0].balance_after == account.balance
    with pytest.raises(NotFound):
        await records.housing_fund_account(CITIZEN2_ID, call_context())
    medical = await records.medical_account(ELDER_ID, call_context())
    settlements = await records.medical_settlements(ELDER_ID, call_context(), page_size=5)
    assert medical.settlements_in_history >= settlements.total > 0
    for s in settlements.items:
        assert s.fund_paid + s.account_paid + s.cash_paid == s.total


async def test_bad_input_is_rejected_not_retried(records: RecordsClient) -> None:
    with pytest.raises(DepartmentRejected):
        await records.contributions("530102199003153210", call_context())
    with pytest.raises(DepartmentRejected):
        await records.contributions(CITIZEN_ID, call_context(), from_month="2026-06", to_month="2026-01")
    assert records.base.health.failures == 0
