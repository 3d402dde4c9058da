"""The case connector against the live case simulator: typed round trips, idempotent writes,
writes never retried, ids checked before they reach a URL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from connectors.cases.client import CasesClient
from connectors.cases.models import NewCase, Party
from connectors.errors import DepartmentRejected, DepartmentUnavailable, NotFound
from simulators.common.population import population
from tests.support.stateful import HTTP, admin, call_context, department_client, new_key, requests_seen

DEMO_COMPANY = "91530102MA6K8R2Q1N"


@pytest_asyncio.fixture(loop_scope="function")
async def cases(simulator_urls: dict[str, str]) -> AsyncIterator[CasesClient]:
    base = department_client("cases", simulator_urls["cases"])
    yield CasesClient(base)
    await base.aclose()


def generated_person(index: int) -> Party:
    # Writes in the shared simulators go to generated people, never to the demo users others test.
    someone = population().people[1000 + index]
    return Party(id_type="111", id_number=someone.id_number, name=someone.name)


async def test_a_citizens_cases_round_trip_typed(cases: CasesClient) -> None:
    citizen = population().demo_people["citizen"].id_number
    page = await cases.by_holder(citizen, call_context())
    assert page.total == len(page.items) == 8
    assert {c.item_code for c in page.items} >= {"GA-015", "YB-001", "GJJ-002", "ZR-003", "RS-003", "SF-001"}
    assert [c.created_at for c in page.items] == sorted((c.created_at for c in page.items), reverse=True)
    remote = next(c for c in page.items if c.cross_province_mode)
    assert remote.cross_province_mode == "全程网办"
    for case in page.items:
        assert case == await cases.by_id(case.case_id, call_context())
        assert case.timeline[0].status == "申请"
        assert case.status == case.timeline[-1].status


async def test_a_companys_cases_and_status_filters(cases: CasesClient) -> None:
    company = await cases.by_holder(DEMO_COMPANY, call_context(), holder_id_type="001")
    assert company.total == 7
    assert all(c.applicant.id_type == "001" and c.submitted_by is not None for c in company.items)
    finished = await cases.finished(DEMO_COMPANY, call_context(), holder_id_type="001")
    assert {c.status for c in finished} == {"办结", "不予受理"}
    assert len(finished) == sum(1 for c in company.items if c.finished)
    first = await cases.by_holder(DEMO_COMPANY, call_context(), holder_id_type="001", limit=3)
    rest = await cases.by_holder(DEMO_COMPANY, call_context(), holder_id_type="001", offset=3, limit=10)
    assert len(first.items) == 3
    assert len(rest.items) == 4
    assert not {c.case_id for c in first.items} & {c.case_id for c in rest.items}


async def test_create_with_the_same_key_makes_one_case(cases: CasesClient) -> None:
    application = NewCase(item_code="RS-001", applicant=generated_person(1), materials=["身份证", "照片"])
    key = new_key()
    first = await cases.create(application, call_context(), idempotency_key=key)
    again = await cases.create(application, call_context(), idempotency_key=key)
    assert first.case_id == again.case_id
    assert first.item_name == "社会保障卡申领"
    assert first.promised_days == 15
    mine = await cases.by_holder(application.applicant.id_number, call_context())
    assert [c.case_id for c in mine.items].count(first.case_id) == 1


async def test_a_write_is_never_retried(cases: CasesClient, simulator_urls: dict[str, str]) -> None:
    base = simulator_urls["cases"]
    admin(base, "/_admin/faults", {"error_rate": 1.0})
    before = requests_seen(base, "POST /api/v1/cases")
    application = NewCase(item_code="RS-001", applicant=generated_person(2))
    with pytest.raises(DepartmentUnavailable):
        await cases.create(application, call_context(), idempotency_key=new_key())
    assert requests_seen(base, "POST /api/v1/cases") == before + 1
    # A read on the same faulted system is retried (read_attempts = 2 in the systems file).
    case_id = "53010220260101000001"
    reads_before = requests_seen(base, f"GET /api/v1/cases/{case_id}")
    with pytest.raises(DepartmentUnavailable):
        await cases.by_id(case_id, call_context())
    assert requests_seen(base, f"GET /api/v1/cases/{case_id}") == reads_before + 2


async def test_ids_are_checked_before_they_reach_a_url(cases: CasesClient, simulator_urls: dict[str, str]) -> None:
    before = admin_total(simulator_urls["cases"])
    with pytest.raises(NotFound):
        await cases.by_id("../licences", call_context())
    assert admin_total(simulator_urls["cases"]) == before
    with pytest.raises(NotFound):
        await cases.by_id("53010220990101999999", call_context())


async def test_a_refused_application_is_a_rejection(cases: CasesClient) -> None:
    unknown = NewCase(item_code="ZZ-999", applicant=generated_person(3))
    with pytest.raises(DepartmentRejected, match="事项编码"):
        await cases.create(unknown, call_context(), idempotency_key=new_key())


def admin_total(base: str) -> int:
    total: int = HTTP.get(f"{base}/_admin/requests").json()["total"]
    return total
