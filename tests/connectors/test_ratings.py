"""The 好差评 connector against the live simulators: round trips, 待评价 derived from the case
system and the rating system together, rating a case made through the case connector."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from connectors.cases.client import CasesClient
from connectors.cases.models import NewCase
from connectors.cases.models import Party as CaseParty
from connectors.errors import DepartmentRejected, DepartmentUnavailable
from connectors.ratings.client import LOOKUP_BATCH, RatingsClient
from connectors.ratings.models import NewRating, Party
from simulators.common.population import population
from tests.support.stateful import admin, call_context, department_client, new_key, requests_seen

DEMO_COMPANY = "91530102MA6K8R2Q1N"


@pytest_asyncio.fixture(loop_scope="function")
async def ratings(simulator_urls: dict[str, str]) -> AsyncIterator[RatingsClient]:
    base = department_client("ratings", simulator_urls["ratings"])
    yield RatingsClient(base)
    await base.aclose()


@pytest_asyncio.fixture(loop_scope="function")
async def cases(simulator_urls: dict[str, str]) -> AsyncIterator[CasesClient]:
    base = department_client("cases", simulator_urls["cases"])
    yield CasesClient(base)
    await base.aclose()


async def test_ratings_round_trip_typed(ratings: RatingsClient) -> None:
    elder = population().demo_people["elder"].id_number
    page = await ratings.by_subject(elder, call_context())
    assert page.total >= 3
    assert {r.target_type for r in page.items} == {"case", "service"}
    for rating in page.items:
        assert rating == await ratings.by_id(rating.rating_id, call_context())
    company = await ratings.by_subject(DEMO_COMPANY, call_context())
    assert all(r.applicant_id == DEMO_COMPANY for r in company.items)


async def test_cases_awaiting_a_rating_are_derived_from_both_systems(
    ratings: RatingsClient, cases: CasesClient
) -> None:
    for holder, id_type in ((population().demo_people["citizen"].id_number, "111"), (DEMO_COMPANY, "001")):
        finished = await cases.finished(holder, call_context(), holder_id_type=id_type)
        ids = [c.case_id for c in finished]
        looked_up = await ratings.for_cases(ids, call_context())
        rated = {r.case_id for r in looked_up.items}
        assert rated | set(looked_up.unrated) == set(ids)
        assert not rated & set(looked_up.unrated)
        assert looked_up.unrated, "the seed leaves some finished cases to rate"
        assert rated, "and some already rated"


async def test_a_case_filed_through_the_connector_is_rated_once_finished(
    ratings: RatingsClient, cases: CasesClient, simulator_urls: dict[str, str]
) -> None:
    someone = population().people[1200]
    applicant = CaseParty(id_type="111", id_number=someone.id_number, name=someone.name)
    case = await cases.create(
        NewCase(item_code="GA-010", applicant=applicant), call_context(), idempotency_key=new_key()
    )
    before = await ratings.for_cases([case.case_id], call_context())
    assert before.unrated == [case.case_id]
    admin(simulator_urls["cases"], "/_admin/advance", {"id": case.case_id, "steps": 4})
    assert (await cases.by_id(case.case_id, call_context())).status == "办结"

    rating = NewRating(
        target_type="case",
        case_id=case.case_id,
        item_code="GA-010",
        level="满意",
        rater=Party(id_type="111", id_number=someone.id_number, name=someone.name),
    )
    key = new_key()
    given = await ratings.create(rating, call_context(), idempotency_key=key)
    assert (await ratings.create(rating, call_context(), idempotency_key=key)).rating_id == given.rating_id
    after = await ratings.for_cases([case.case_id], call_context())
    assert after.unrated == []
    assert after.items[0].rating_id == given.rating_id
    with pytest.raises(DepartmentRejected, match="409"):
        await ratings.create(rating, call_context(), idempotency_key=new_key())


async def test_long_lookups_go_in_batches(ratings: RatingsClient, simulator_urls: dict[str, str]) -> None:
    base = simulator_urls["ratings"]
    before = requests_seen(base, "POST /api/v1/ratings/lookup")
    ids = [f"5399992099010{n:07d}" for n in range(LOOKUP_BATCH + 50)]
    looked_up = await ratings.for_cases(ids, call_context())
    assert looked_up.unrated == ids
    assert requests_seen(base, "POST /api/v1/ratings/lookup") == before + 2


async def test_a_rating_is_never_retried(ratings: RatingsClient, simulator_urls: dict[str, str]) -> None:
    base = simulator_urls["ratings"]
    admin(base, "/_admin/faults", {"error_rate": 1.0})
    before = requests_seen(base, "POST /api/v1/ratings")
    someone = population().people[1201]
    rating = NewRating(
        target_type="service",
        service_id="FW-CONNECTOR-0001",
        item_code="GA-021",
        level="满意",
        rater=Party(id_type="111", id_number=someone.id_number, name=someone.name),
    )
    with pytest.raises(DepartmentUnavailable):
        await ratings.create(rating, call_context(), idempotency_key=new_key())
    assert requests_seen(base, "POST /api/v1/ratings") == before + 1
