"""The utility-bills connector against the live simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
import pytest_asyncio

from connectors.bills.client import BillsClient
from connectors.errors import NotFound
from tests.support.people import fresh_id_number
from tests.support.stateful import call_context, department_client

CITIZEN_ID = "530102199003153217"
DEMO_USCC = "91530102MA6K8R2Q1N"


@pytest_asyncio.fixture(loop_scope="function")
async def bills(simulator_urls: dict[str, str]) -> AsyncIterator[BillsClient]:
    base = department_client("bills", simulator_urls["bills"])
    yield BillsClient(base)
    await base.aclose()


async def test_accounts_bills_and_summary_round_trip(bills: BillsClient) -> None:
    accounts = await bills.accounts(CITIZEN_ID, call_context())
    assert {a.utility for a in accounts} == {"water", "electricity", "gas"}
    unpaid = await bills.bills(CITIZEN_ID, call_context(), status="未缴")
    [electricity] = unpaid.items
    assert electricity.utility == "electricity"
    assert electricity.amount_due == electricity.amount > Decimal("0")
    summary = await bills.summary(CITIZEN_ID, call_context())
    assert summary.total_due == electricity.amount_due
    assert await bills.bill(electricity.bill_id, call_context()) == electricity


async def test_company_bills(bills: BillsClient) -> None:
    page = await bills.bills(DEMO_USCC, call_context(), holder_id_type="001", utility="gas", page_size=3)
    assert page.total == 12
    assert [b.period for b in page.items] == ["2026-10", "2026-09", "2026-08"]
    assert page.items[1].status == "逾期"
    assert page.items[1].late_fee > 0
    with pytest.raises(NotFound):
        await bills.accounts(fresh_id_number(), call_context())
