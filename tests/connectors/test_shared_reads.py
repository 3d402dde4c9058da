"""Identical reads of one request, in flight together, share one department call.

Sections of the personal space often need the same read (the case list feeds several of them);
the connector base sends it once per request. What reached the simulator is read from its
request counter; a latency fault keeps the reads in flight together.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from connectors.base import DepartmentClient
from connectors.errors import DepartmentUnavailable
from connectors.records.client import RecordsClient
from tests.support.departments import request_counts, reset_requests, set_faults
from tests.support.stateful import call_context, department_client

CITIZEN_ID = "530102199003153217"
ELDER_ID = "530402194309211022"
LIMITS = {"deadline_seconds": 3.0, "read_timeout_seconds": 2.5, "read_attempts": 2, "breaker_threshold": 50}


@pytest.fixture
def records_url(simulator_urls: dict[str, str]) -> str:
    reset_requests(simulator_urls["records"])
    return simulator_urls["records"]


@pytest_asyncio.fixture(loop_scope="function")
async def records(records_url: str) -> AsyncIterator[RecordsClient]:
    base: DepartmentClient = department_client("records", records_url, **LIMITS)
    yield RecordsClient(base)
    await base.aclose()


def seen(base: str) -> int:
    return int(request_counts(base)["total"])


async def test_identical_reads_of_one_request_make_one_call(records: RecordsClient, records_url: str) -> None:
    set_faults(records_url, latency_ms=300)
    call = call_context()
    first, second, third = await asyncio.gather(*(records.social_insurance_summary(CITIZEN_ID, call) for _ in range(3)))
    assert first.holder_name == second.holder_name == third.holder_name == "李建华"
    assert seen(records_url) == 1


async def test_different_reads_or_requests_are_not_shared(records: RecordsClient, records_url: str) -> None:
    set_faults(records_url, latency_ms=300)
    call = call_context()
    await asyncio.gather(
        records.social_insurance_summary(CITIZEN_ID, call),
        records.social_insurance_summary(ELDER_ID, call),  # other parameters
        records.social_insurance_summary(CITIZEN_ID, call_context()),  # another request
    )
    assert seen(records_url) == 3


async def test_reads_made_one_after_another_are_each_sent(records: RecordsClient, records_url: str) -> None:
    call = call_context()
    await records.social_insurance_summary(CITIZEN_ID, call)
    await records.social_insurance_summary(CITIZEN_ID, call)
    assert seen(records_url) == 2


async def test_a_failure_reaches_every_caller_of_the_shared_read(records: RecordsClient, records_url: str) -> None:
    set_faults(records_url, error_rate=1.0, latency_ms=200)
    call = call_context()
    outcomes = await asyncio.gather(
        *(records.social_insurance_summary(CITIZEN_ID, call) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(outcome, DepartmentUnavailable) for outcome in outcomes)
    assert seen(records_url) == LIMITS["read_attempts"]  # one read, retried once, for all three


async def test_when_the_first_caller_gives_up_the_others_still_get_an_answer(
    records: RecordsClient, records_url: str
) -> None:
    set_faults(records_url, latency_ms=500)
    call = call_context()
    first = asyncio.create_task(records.social_insurance_summary(CITIZEN_ID, call))
    await asyncio.sleep(0)  # the first caller's read is under way
    second = asyncio.create_task(records.social_insurance_summary(CITIZEN_ID, call))
    await asyncio.sleep(0.05)  # the second now waits on the first's read (or reads itself: either must answer)
    first.cancel()
    summary = await second
    assert summary.holder_name == "李建华"
    with pytest.raises(asyncio.CancelledError):
        await first
