"""统一申办受理 simulator over live HTTP: data, lifecycle, 补正, idempotency, errors, webhooks."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
import pytest_asyncio

from connectors.cases.client import CasesClient
from connectors.cases.models import Case, NewCase, Party
from connectors.errors import DepartmentRejected
from kit import signing
from kit.working_days import promised_deadline
from simulators.common.lifecycle import SEED_CUTOFF
from simulators.common.population import population
from simulators.registry import dev_secret
from tests.support.stateful import HTTP, WebhookInbox, admin, call_context, department_client, new_key, signed, wait_for

DEMO_COMPANY = "91530102MA6K8R2Q1N"


# Function-scoped loop, like the tests: the client's connections belong to the test's loop.
@pytest_asyncio.fixture(loop_scope="function")
async def cases(stateful_urls: dict[str, str]) -> AsyncIterator[CasesClient]:
    base = department_client("cases", stateful_urls["cases"])
    yield CasesClient(base)
    await base.aclose()


def person(index: int) -> Party:
    someone = population().people[100 + index]
    return Party(id_type="111", id_number=someone.id_number, name=someone.name)


def application(index: int, item_code: str = "GA-015") -> NewCase:
    return NewCase(item_code=item_code, applicant=person(index), materials=["机动车驾驶证", "体检证明"])


def advance(url: str, case_id: str, steps: int = 1, event: str | None = None) -> httpx.Response:
    body: dict[str, object] = {"id": case_id, "steps": steps}
    if event:
        body["event"] = event
    return HTTP.post(f"{url}/_admin/advance", json=body, timeout=10)


async def test_every_demo_user_and_the_demo_company_have_cases(cases: CasesClient) -> None:
    pop = population()
    for username in ("citizen", "citizen2", "elder", "legal-rep", "staff"):
        page = await cases.by_holder(pop.demo_people[username].id_number, call_context())
        assert page.total >= 2, username
        assert all(c.applicant.id_number == pop.demo_people[username].id_number for c in page.items)
    company = await cases.by_holder(DEMO_COMPANY, call_context(), holder_id_type="001")
    assert company.total == 7
    assert {c.submitted_by.name for c in company.items if c.submitted_by} == {"赵敏", "王志强"}
    assert {"补正", "审查", "办结", "不予受理"} <= {c.status for c in company.items}


async def test_a_resumed_supplement_extends_the_promised_deadline(cases: CasesClient) -> None:
    elder = population().demo_people["elder"].id_number
    page = await cases.by_holder(elder, call_context(), statuses=["办结"])
    allowance = next(c for c in page.items if c.item_code == "MZ-007")
    assert [step.status for step in allowance.timeline] == ["申请", "受理", "审查", "补正", "审查", "决定", "办结"]
    assert allowance.paused_working_days > 0
    assert allowance.accepted_at is not None
    assert allowance.promised_deadline == promised_deadline(
        allowance.accepted_at.date(), allowance.promised_days, allowance.paused_working_days
    )


async def test_a_new_case_walks_its_timeline_and_calls_the_gateway_back(
    cases: CasesClient, stateful_urls: dict[str, str], webhook_inbox: WebhookInbox
) -> None:
    url = stateful_urls["cases"]
    case = await cases.create(application(1), call_context(), idempotency_key=new_key())
    assert case.status == "申请"
    assert case.item_name == "机动车驾驶证期满换证"
    assert case.promised_days == 1
    assert case.department == f"{population().people[101].prefecture}公安局"

    assert advance(url, case.case_id).json()["object"]["status"] == "受理"
    accepted = await cases.by_id(case.case_id, call_context())
    assert accepted.accepted_at is not None
    assert accepted.promised_deadline == promised_deadline(accepted.accepted_at.date(), 1)

    result = advance(url, case.case_id, steps=3).json()
    assert [t["status"] for t in result["transitions"]] == ["审查", "决定", "办结"]
    done = Case.model_validate(result["object"])
    assert [step.status for step in done.timeline] == ["申请", "受理", "审查", "决定", "办结"]
    assert done.result == "准予许可"
    assert done.finished_at is not None
    assert all(step.actor and step.note for step in done.timeline)
    assert [s.at for s in done.timeline] == sorted(s.at for s in done.timeline)

    ended = advance(url, case.case_id)
    assert ended.status_code == 409
    assert ended.json()["code"] == "NO_TRANSITION"

    assert wait_for(lambda: len(webhook_inbox.events(case.case_id)) == 4)
    events = webhook_inbox.events(case.case_id)
    assert [e["status"] for e in events] == ["受理", "审查", "决定", "办结"]
    expected_hash = hmac.new(
        dev_secret("cases").encode(), case.applicant.id_number.encode(), hashlib.sha256
    ).hexdigest()
    for event in events:
        assert event["system"] == "cases"
        assert event["event"] == "case.status_changed"
        assert event["subject_id_hash"] == expected_hash
        assert case.applicant.id_number not in str(event)


async def test_webhooks_are_signed_with_the_system_secret(
    cases: CasesClient, stateful_urls: dict[str, str], webhook_inbox: WebhookInbox
) -> None:
    case = await cases.create(application(2), call_context(), idempotency_key=new_key())
    advance(stateful_urls["cases"], case.case_id)
    assert wait_for(lambda: bool(webhook_inbox.for_object(case.case_id)))
    delivery = webhook_inbox.for_object(case.case_id)[0]
    assert delivery.verified
    assert delivery.headers[signing.KEY_HEADER] == "cases"
    path = webhook_inbox.path
    assert signing.verify(dev_secret("cases"), "POST", path, delivery.body, delivery.headers) is None
    assert signing.verify("another-secret", "POST", path, delivery.body, delivery.headers) is not None
    assert signing.verify(dev_secret("cases"), "POST", path, delivery.body + b" ", delivery.headers) is not None


async def test_a_refused_webhook_is_retried_with_the_same_id(
    cases: CasesClient, stateful_urls: dict[str, str], webhook_inbox: WebhookInbox
) -> None:
    case = await cases.create(application(3), call_context(), idempotency_key=new_key())
    before = admin(stateful_urls["cases"], "/_admin/webhooks")
    webhook_inbox.fail_next = 2
    advance(stateful_urls["cases"], case.case_id)
    assert wait_for(lambda: len(webhook_inbox.for_object(case.case_id)) == 3)
    deliveries = webhook_inbox.for_object(case.case_id)
    assert len({d.headers["x-webhook-id"] for d in deliveries}) == 1
    assert webhook_inbox.statuses(case.case_id) == ["受理"]
    after = admin(stateful_urls["cases"], "/_admin/webhooks")
    assert after["attempts"] - before["attempts"] == 3
    assert after["delivered"] - before["delivered"] == 1


async def test_supplement_pauses_the_clock_until_the_applicant_answers(
    cases: CasesClient, stateful_urls: dict[str, str], webhook_inbox: WebhookInbox
) -> None:
    url = stateful_urls["cases"]
    case = await cases.create(application(4, "RS-003"), call_context(), idempotency_key=new_key())
    advance(url, case.case_id, steps=2)
    paused = Case.model_validate(advance(url, case.case_id, event="补正").json()["object"])
    assert paused.status == "补正"
    assert paused.clock_paused
    assert paused.supplement_request

    # While paused, the clock does not move the case on by itself.
    admin(url, "/_admin/clock", {"speed": 1000})
    other = await cases.create(application(5, "RS-003"), call_context(), idempotency_key=new_key())
    assert wait_for(lambda: webhook_inbox.statuses(other.case_id)[-1:] == ["办结"])
    assert (await cases.by_id(case.case_id, call_context())).status == "补正"
    admin(url, "/_admin/clock", {"speed": 0})

    key = new_key()
    resumed = await cases.supplement(case.case_id, ["户口簿本人页"], call_context(), idempotency_key=key)
    assert resumed.status == "审查"
    assert not resumed.clock_paused
    assert "户口簿本人页" in resumed.materials
    assert resumed.timeline[-1].actor == "申请人"
    again = await cases.supplement(case.case_id, ["户口簿本人页"], call_context(), idempotency_key=key)
    assert again.updated_at == resumed.updated_at
    with pytest.raises(DepartmentRejected, match="409"):
        await cases.supplement(case.case_id, ["户口簿本人页"], call_context(), idempotency_key=new_key())


async def test_a_case_can_be_refused_at_the_door_and_ends_there(
    cases: CasesClient, stateful_urls: dict[str, str]
) -> None:
    url = stateful_urls["cases"]
    case = await cases.create(application(6, "SF-001"), call_context(), idempotency_key=new_key())
    refused = advance(url, case.case_id, event="不予受理").json()["object"]
    assert refused["status"] == "不予受理"
    assert refused["result"] == "不予受理"
    assert refused["timeline"][-1]["note"].startswith("不予受理：")
    assert advance(url, case.case_id).status_code == 409
    late = advance(url, case.case_id, event="补正")
    assert late.status_code == 409
    assert late.json()["code"] == "TRANSITION_NOT_ALLOWED"
    assert advance(url, case.case_id, event="加急").json()["code"] == "UNKNOWN_EVENT"


async def test_the_clock_moves_new_cases_on_by_itself(
    cases: CasesClient, stateful_urls: dict[str, str], webhook_inbox: WebhookInbox
) -> None:
    admin(stateful_urls["cases"], "/_admin/clock", {"speed": 400})
    case = await cases.create(application(7, "GA-010"), call_context(), idempotency_key=new_key())
    assert wait_for(lambda: webhook_inbox.statuses(case.case_id) == ["受理", "审查", "决定", "办结"])
    done = await cases.by_id(case.case_id, call_context())
    assert done.status == "办结"
    # An ended case leaves the clock's watch list.
    assert wait_for(lambda: admin(stateful_urls["cases"], "/_admin/clock")["watched"] == 0)


async def test_the_same_idempotency_key_makes_one_case(cases: CasesClient, stateful_urls: dict[str, str]) -> None:
    url = stateful_urls["cases"]
    before = admin(url, "/_admin/stats")["created_via_api"]
    key = new_key()
    first = await cases.create(application(8), call_context(), idempotency_key=key)
    second = await cases.create(application(8), call_context(), idempotency_key=key)
    assert first.case_id == second.case_id
    assert admin(url, "/_admin/stats")["created_via_api"] == before + 1
    holder = await cases.by_holder(first.applicant.id_number, call_context())
    assert [c.case_id for c in holder.items].count(first.case_id) == 1
    with pytest.raises(DepartmentRejected, match="422"):
        await cases.create(application(8, "GA-016"), call_context(), idempotency_key=key)


def test_bad_input_gets_a_clear_error_code(stateful_urls: dict[str, str]) -> None:
    url = stateful_urls["cases"]
    citizen = population().demo_people["citizen"]
    me = {"id_type": "111", "id_number": citizen.id_number, "name": citizen.name}

    def post(body: dict[str, object]) -> httpx.Response:
        return signed("POST", url, "/api/v1/cases", "cases", json=body)

    assert post({"item_code": "GA-015"}).json()["code"] == "INVALID_REQUEST"
    assert post({"item_code": "not-a-code", "applicant": me}).json()["code"] == "INVALID_REQUEST"
    bad_digit = {**me, "id_number": citizen.id_number[:-1] + ("0" if citizen.id_number[-1] != "0" else "1")}
    assert post({"item_code": "GA-015", "applicant": bad_digit}).json()["code"] == "INVALID_REQUEST"
    unknown = post({"item_code": "GA-999", "applicant": me})
    assert (unknown.status_code, unknown.json()["code"]) == (422, "UNKNOWN_ITEM")
    company = {"id_type": "001", "id_number": DEMO_COMPANY, "name": "昆明滇味香餐饮管理有限公司"}
    assert post({"item_code": "GA-015", "applicant": company}).json()["code"] == "AUDIENCE_MISMATCH"
    assert signed("GET", url, "/api/v1/cases/53010220260101999999", "cases").json()["code"] == "NOT_FOUND"
    assert signed("GET", url, "/api/v1/cases/ABC123", "cases").json()["code"] == "INVALID_REQUEST"
    assert signed("GET", url, "/api/v1/cases?holder_id=short", "cases").status_code == 422
    key = signed("POST", url, "/api/v1/cases", "cases", json={}, headers={"Idempotency-Key": "x" * 200})
    assert key.status_code == 422


def test_the_gateway_must_authenticate(stateful_urls: dict[str, str]) -> None:
    url = stateful_urls["cases"]
    path = f"/api/v1/cases?holder_id={population().demo_people['citizen'].id_number}"
    assert HTTP.get(url + path).status_code == 401
    assert signed("GET", url, path, "cases", auth="api_key").status_code == 401
    assert signed("GET", url, path, "cases").status_code == 200


def test_openapi_and_stats_are_served(stateful_urls: dict[str, str]) -> None:
    url = stateful_urls["cases"]
    paths = HTTP.get(f"{url}/openapi.json").json()["paths"]
    assert {"/api/v1/cases", "/api/v1/cases/{case_id}", "/api/v1/cases/{case_id}/supplements"} <= set(paths)
    stats = admin(url, "/_admin/stats")
    print("cases stats:", stats)
    assert stats["cases"] > 3000
    assert stats["holders"] > 1500
    assert {"申请", "受理", "审查", "补正", "决定", "办结", "不予受理"} <= set(stats["by_status"])
    assert stats["cross_province"] > 0


def test_seeded_histories_end_before_the_seed_cut_off(stateful_urls: dict[str, str]) -> None:
    citizen = population().demo_people["citizen"].id_number
    page = signed("GET", stateful_urls["cases"], f"/api/v1/cases?holder_id={citizen}&limit=200", "cases").json()
    steps = [datetime.fromisoformat(step["at"]) for item in page["items"] for step in item["timeline"]]
    assert len(steps) >= 20
    assert max(steps) < SEED_CUTOFF
