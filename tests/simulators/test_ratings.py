"""好差评 simulator over live HTTP: one rating per case, 差评 rectification, appeals, 待评价."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from connectors.cases.client import CasesClient
from connectors.errors import DepartmentRejected
from connectors.ratings.client import RatingsClient
from connectors.ratings.models import NewRating, Party, Rating
from kit.working_days import add_working_days
from simulators.common.population import population
from tests.support.stateful import HTTP, WebhookInbox, admin, call_context, department_client, new_key, signed, wait_for

DEMO_COMPANY = "91530102MA6K8R2Q1N"


@pytest_asyncio.fixture(loop_scope="function")
async def ratings(stateful_urls: dict[str, str]) -> AsyncIterator[RatingsClient]:
    base = department_client("ratings", stateful_urls["ratings"])
    yield RatingsClient(base)
    await base.aclose()


@pytest_asyncio.fixture(loop_scope="function")
async def cases(stateful_urls: dict[str, str]) -> AsyncIterator[CasesClient]:
    base = department_client("cases", stateful_urls["cases"])
    yield CasesClient(base)
    await base.aclose()


def demo(username: str) -> Party:
    person = population().demo_people[username]
    return Party(id_type="111", id_number=person.id_number, name=person.name)


def stranger(index: int) -> Party:
    person = population().people[300 + index]
    return Party(id_type="111", id_number=person.id_number, name=person.name)


def service_rating(index: int, level: str = "不满意", **extra: object) -> NewRating:
    reasons = ["办事效率低", "多次跑动"] if level in ("不满意", "非常不满意") else []
    return NewRating.model_validate(
        {
            "target_type": "service",
            "service_id": f"FW-TEST-{index:04d}",
            "item_code": "GA-021",
            "level": level,
            "reasons": reasons,
            "rater": stranger(index).model_dump(),
            **extra,
        }
    )


def advance(url: str, rating_id: str, steps: int = 1, event: str | None = None) -> httpx.Response:
    return HTTP.post(f"{url}/_admin/advance", json={"id": rating_id, "steps": steps, "event": event}, timeout=10)


async def test_finished_cases_not_yet_rated_can_be_derived(ratings: RatingsClient, cases: CasesClient) -> None:
    finished = await cases.finished(demo("citizen").id_number, call_context())
    by_item = {case.item_code: case.case_id for case in finished}
    assert set(by_item) == {"GA-015", "YB-001", "GJJ-002", "SF-001", "GA-010"}
    looked_up = await ratings.for_cases(list(by_item.values()), call_context())
    assert {r.item_code for r in looked_up.items} == {"GA-015", "YB-001", "GA-010"}
    assert set(looked_up.unrated) == {by_item["GJJ-002"], by_item["SF-001"]}
    assert all(r.rater.id_number == demo("citizen").id_number for r in looked_up.items)


async def test_every_demo_user_and_the_demo_company_have_ratings(ratings: RatingsClient) -> None:
    for username in ("citizen", "citizen2", "elder", "legal-rep", "staff"):
        page = await ratings.by_subject(demo(username).id_number, call_context())
        assert page.total >= 1, username
    company = await ratings.by_subject(DEMO_COMPANY, call_context())
    assert {r.item_code for r in company.items} == {"SJ-008", "SJ-003"}
    legal_rep = await ratings.by_subject(demo("legal-rep").id_number, call_context())
    bad = next(r for r in legal_rep.items if r.is_bad)
    assert bad.level == "非常不满意"
    assert bad.reasons
    assert bad.rectification
    assert bad.rectification.status == "整改中"
    assert bad.rectification.visits
    assert bad.appeal
    assert bad.appeal.status == "复核中"


async def test_a_finished_case_is_rated_once_by_its_applicant(
    ratings: RatingsClient, cases: CasesClient, stateful_urls: dict[str, str]
) -> None:
    finished = await cases.finished(demo("staff").id_number, call_context())
    health = next(c for c in finished if c.item_code == "WJ-008")
    new = NewRating(
        target_type="case", case_id=health.case_id, item_code="WJ-008", level="非常满意", rater=demo("staff")
    )
    key = new_key()
    rating = await ratings.create(new, call_context(), idempotency_key=key)
    assert rating.score == 5
    assert not rating.is_bad
    assert rating.rectification is None
    assert rating.department == health.department
    assert (await ratings.create(new, call_context(), idempotency_key=key)).rating_id == rating.rating_id
    with pytest.raises(DepartmentRejected, match="409"):
        await ratings.create(new, call_context(), idempotency_key=new_key())
    assert (await ratings.for_cases([health.case_id], call_context())).unrated == []

    elder_finished = await cases.finished(demo("elder").id_number, call_context())
    elders_case = next(c.case_id for c in elder_finished if c.item_code == "RS-016")
    someone_elses = {**new.model_dump(mode="json"), "case_id": elders_case, "item_code": "RS-016"}
    refused = signed("POST", stateful_urls["ratings"], "/api/v1/ratings", "ratings", json=someone_elses)
    assert (refused.status_code, refused.json()["code"]) == (403, "NOT_THE_APPLICANT")


async def test_an_unfinished_case_cannot_be_rated(ratings: RatingsClient, cases: CasesClient) -> None:
    page = await cases.by_holder(demo("citizen").id_number, call_context(), statuses=["审查"])
    open_case = page.items[0]
    new = NewRating(
        target_type="case",
        case_id=open_case.case_id,
        item_code=open_case.item_code,
        level="满意",
        rater=demo("citizen"),
    )
    with pytest.raises(DepartmentRejected, match="尚未办结"):
        await ratings.create(new, call_context(), idempotency_key=new_key())


async def test_a_bad_rating_needs_a_reason(stateful_urls: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="差评"):
        NewRating(
            target_type="service", service_id="FW-TEST-9999", item_code="GA-021", level="不满意", rater=demo("citizen")
        )
    body = {
        "target_type": "service",
        "service_id": "FW-TEST-9998",
        "item_code": "GA-021",
        "level": "非常不满意",
        "rater": demo("citizen").model_dump(),
    }
    refused = signed("POST", stateful_urls["ratings"], "/api/v1/ratings", "ratings", json=body)
    assert (refused.status_code, refused.json()["code"]) == (422, "INVALID_REQUEST")
    praise_with_reasons = {**body, "level": "满意", "reasons": ["其他"]}
    assert (
        signed("POST", stateful_urls["ratings"], "/api/v1/ratings", "ratings", json=praise_with_reasons).status_code
        == 422
    )


async def test_a_bad_rating_opens_a_rectification_with_visits(
    ratings: RatingsClient, stateful_urls: dict[str, str], webhook_inbox: WebhookInbox
) -> None:
    url = stateful_urls["ratings"]
    rating = await ratings.create(service_rating(1), call_context(), idempotency_key=new_key())
    assert rating.is_bad
    assert rating.score == 2
    rectification = rating.rectification
    assert rectification is not None
    assert rectification.status == "待回访"
    assert rectification.deadline == add_working_days(rating.rated_at.date(), 15)

    visited = Rating.model_validate(advance(url, rating.rating_id).json()["object"])
    assert visited.rectification
    assert visited.rectification.status == "整改中"
    assert len(visited.rectification.visits) == 1
    done = Rating.model_validate(advance(url, rating.rating_id).json()["object"])
    assert done.rectification
    assert done.rectification.status == "已整改"
    assert done.rectification.measures
    assert "最多跑一次" in done.rectification.measures
    assert len(done.rectification.visits) == 2
    assert advance(url, rating.rating_id).status_code == 409
    assert wait_for(lambda: webhook_inbox.statuses(rating.rating_id) == ["整改中", "已整改"])
    assert {e["event"] for e in webhook_inbox.events(rating.rating_id)} == {"rating.rectification_changed"}


async def test_the_department_may_appeal_a_bad_rating_once(
    ratings: RatingsClient, stateful_urls: dict[str, str], webhook_inbox: WebhookInbox
) -> None:
    url = stateful_urls["ratings"]
    rating = await ratings.create(service_rating(2, "非常不满意"), call_context(), idempotency_key=new_key())
    with pytest.raises(DepartmentRejected, match="422"):
        await ratings.appeal(rating.rating_id, "别的部门", "评价与事项无关", call_context(), idempotency_key=new_key())
    appealed = await ratings.appeal(
        rating.rating_id, rating.department, "评价内容与办理事项无关", call_context(), idempotency_key=new_key()
    )
    assert appealed.appeal
    assert appealed.appeal.status == "复核中"
    with pytest.raises(DepartmentRejected, match="409"):
        await ratings.appeal(
            rating.rating_id, rating.department, "再次申诉一下", call_context(), idempotency_key=new_key()
        )

    revoked = Rating.model_validate(advance(url, rating.rating_id, event="撤销差评").json()["object"])
    assert revoked.appeal
    assert revoked.appeal.status == "撤销差评"
    assert not revoked.counted
    assert revoked.rectification
    assert revoked.rectification.status == "无需整改"
    assert advance(url, rating.rating_id, event="维持差评").status_code == 409
    assert wait_for(lambda: webhook_inbox.statuses(rating.rating_id) == ["复核中", "撤销差评"])

    praise = await ratings.create(service_rating(3, "满意"), call_context(), idempotency_key=new_key())
    with pytest.raises(DepartmentRejected, match="409"):
        await ratings.appeal(
            praise.rating_id, praise.department, "好评也想申诉", call_context(), idempotency_key=new_key()
        )


async def test_the_clock_moves_a_rectification_on(
    ratings: RatingsClient, stateful_urls: dict[str, str], webhook_inbox: WebhookInbox
) -> None:
    admin(stateful_urls["ratings"], "/_admin/clock", {"speed": 400})
    rating = await ratings.create(service_rating(4), call_context(), idempotency_key=new_key())
    assert wait_for(lambda: webhook_inbox.statuses(rating.rating_id) == ["整改中", "已整改"])


def test_stats_are_served(stateful_urls: dict[str, str]) -> None:
    stats = admin(stateful_urls["ratings"], "/_admin/stats")
    print("ratings stats:", stats)
    assert stats["ratings"] > 2000
    assert set(stats["by_level"]) == {"非常满意", "满意", "基本满意", "不满意", "非常不满意"}
    assert stats["bad"] == stats["by_level"]["不满意"] + stats["by_level"]["非常不满意"]
    assert {"整改中", "已整改"} <= set(stats["rectification_by_status"])
    assert stats["service_ratings"] >= 400
