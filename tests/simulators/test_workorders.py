"""12345 hotline simulator over live HTTP: lifecycle, 退单/改派, 并单, rating and 重办, webhooks."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from typing import get_args

import pytest
import pytest_asyncio

from connectors.errors import DepartmentRejected
from connectors.workorders.client import WorkOrdersClient
from connectors.workorders.models import TIME_LIMITS, Kind, NewWorkOrder, Party, WorkOrder
from kit.working_days import add_working_days
from simulators.common.population import population
from simulators.registry import dev_secret
from tests.support.stateful import (
    HTTP,
    WebhookInbox,
    admin,
    admin_post,
    call_context,
    department_client,
    new_key,
    signed,
    wait_for,
)

DEMO_COMPANY = "91530102MA6K8R2Q1N"


@pytest_asyncio.fixture(loop_scope="function")
async def orders(stateful_urls: dict[str, str]) -> AsyncIterator[WorkOrdersClient]:
    base = department_client("workorders", stateful_urls["workorders"])
    yield WorkOrdersClient(base)
    await base.aclose()


def caller(index: int) -> Party:
    someone = population().people[200 + index]
    return Party(id_type="111", id_number=someone.id_number, name=someone.name)


def complaint(index: int, kind: Kind = "投诉") -> NewWorkOrder:
    return NewWorkOrder(
        kind=kind,
        title="小区门口占道经营",
        content="小区门口每天傍晚有摊贩占道经营，影响通行。",
        category="市场监管",
        caller=caller(index),
        contact_phone="13800000000",
    )


def advance(url: str, order_id: str, steps: int = 1, event: str | None = None, into: str | None = None) -> WorkOrder:
    response = HTTP.post(
        f"{url}/_admin/advance", json={"id": order_id, "steps": steps, "event": event, "into": into}, timeout=10
    )
    assert response.status_code == 200, response.text
    return WorkOrder.model_validate(response.json()["object"])


async def test_every_demo_user_and_the_demo_company_have_orders(orders: WorkOrdersClient) -> None:
    pop = population()
    for username in ("citizen", "citizen2", "elder", "legal-rep", "staff"):
        page = await orders.by_subject(pop.demo_people[username].id_number, call_context())
        assert page.total >= 2, username
    company = await orders.by_subject(DEMO_COMPANY, call_context(), subject_id_type="001")
    assert company.total == 3
    assert all(o.on_behalf_of and o.on_behalf_of.id_number == DEMO_COMPANY for o in company.items)
    citizen2 = await orders.by_subject(pop.demo_people["citizen2"].id_number, call_context())
    reopened = next(o for o in citizen2.items if o.reopened_count)
    assert [h.action for h in reopened.history if h.action in ("评价", "重办")] == ["评价", "重办"]
    legal_rep = await orders.by_subject(pop.demo_people["legal-rep"].id_number, call_context())
    merged = next(o for o in legal_rep.items if o.status == "并单")
    assert merged.merged_into
    target = await orders.by_id(merged.merged_into, call_context())
    assert merged.order_id in target.merged_from


async def test_time_limits_follow_the_kind(orders: WorkOrdersClient) -> None:
    for index, kind in enumerate(get_args(Kind)):
        limit = TIME_LIMITS[kind]
        order = await orders.create(complaint(10 + index, kind), call_context(), idempotency_key=new_key())
        assert order.time_limit_days == limit
        assert order.deadline == add_working_days(order.accepted_at.date(), limit)
        assert order.status == "受理"
        assert order.history[0].actor == "12345热线工作机构"


async def test_an_order_is_dispatched_sent_back_reassigned_answered_and_visited(
    orders: WorkOrdersClient, stateful_urls: dict[str, str], webhook_inbox: WebhookInbox
) -> None:
    url = stateful_urls["workorders"]
    order = await orders.create(complaint(1), call_context(), idempotency_key=new_key())
    dispatched = advance(url, order.order_id)
    assert dispatched.status == "派单"
    first_unit = dispatched.handling_unit
    assert first_unit
    assert first_unit.endswith("市场监督管理局")
    sent_back = advance(url, order.order_id, event="退单")
    assert sent_back.status == "退单"
    reassigned = advance(url, order.order_id)
    assert reassigned.status == "派单"
    assert reassigned.handling_unit != first_unit
    assert advance(url, order.order_id).status == "办理"

    informed = await orders.add_information(
        order.order_id, "摊贩一般在下午五点后出现。", call_context(), idempotency_key=new_key()
    )
    assert informed.status == "办理"
    assert informed.added_information[-1].content == "摊贩一般在下午五点后出现。"

    answered = advance(url, order.order_id)
    assert answered.status == "回复"
    assert answered.reply
    assert answered.reply.unit == reassigned.handling_unit
    with pytest.raises(DepartmentRejected, match="409"):
        await orders.add_information(order.order_id, "再补充一点。", call_context(), idempotency_key=new_key())
    visited = advance(url, order.order_id, steps=2)
    assert visited.status == "回访"
    assert visited.closed_at is not None
    waiting = admin_post(url, "/_admin/advance", {"id": order.order_id})
    assert waiting.status_code == 409  # the caller's rating is awaited, the hotline cannot move it

    actions = [h.action for h in visited.history]
    assert actions == ["受理", "派单", "退单", "改派", "签收", "补充信息", "回复", "办结", "回访"]
    assert wait_for(lambda: len(webhook_inbox.events(order.order_id)) == 7)
    assert webhook_inbox.statuses(order.order_id) == ["派单", "退单", "派单", "办理", "回复", "办结", "回访"]
    expected = hmac.new(dev_secret("workorders").encode(), order.caller.id_number.encode(), hashlib.sha256)
    assert {e["subject_id_hash"] for e in webhook_inbox.events(order.order_id)} == {expected.hexdigest()}


async def test_an_unsatisfied_caller_can_have_the_order_handled_again(
    orders: WorkOrdersClient, stateful_urls: dict[str, str], webhook_inbox: WebhookInbox
) -> None:
    url = stateful_urls["workorders"]
    order = await orders.create(complaint(2), call_context(), idempotency_key=new_key())
    with pytest.raises(DepartmentRejected, match="409"):
        await orders.rate(order.order_id, "满意", call_context(), idempotency_key=new_key())
    advance(url, order.order_id, steps=3)  # 派单 → 办理 → 回复

    key = new_key()
    rated = await orders.rate(order.order_id, "不满意", call_context(), idempotency_key=key, comment="摊贩还在")
    assert rated.status == "评价"
    assert rated.rating
    assert rated.rating.level == "不满意"
    assert (
        await orders.rate(order.order_id, "不满意", call_context(), idempotency_key=key, comment="摊贩还在")
    ).status == "评价"
    with pytest.raises(DepartmentRejected, match="409"):
        await orders.rate(order.order_id, "满意", call_context(), idempotency_key=new_key())

    reopened = await orders.reopen(order.order_id, "问题没有解决", call_context(), idempotency_key=new_key())
    assert reopened.status == "派单"
    assert reopened.reopened_count == 1
    assert reopened.rating is None
    assert reopened.reply is None
    assert reopened.deadline == add_working_days(reopened.accepted_at.date(), 10)
    with pytest.raises(DepartmentRejected, match="409"):
        await orders.reopen(order.order_id, "问题没有解决", call_context(), idempotency_key=new_key())

    advance(url, order.order_id, steps=2)
    satisfied = await orders.rate(order.order_id, "满意", call_context(), idempotency_key=new_key())
    assert satisfied.status == "评价"
    with pytest.raises(DepartmentRejected, match="409"):
        await orders.reopen(order.order_id, "还想再办", call_context(), idempotency_key=new_key())
    assert wait_for(lambda: webhook_inbox.statuses(order.order_id)[-1:] == ["评价"])
    assert "派单" in webhook_inbox.statuses(order.order_id)[4:]


async def test_an_order_can_be_merged_into_another(orders: WorkOrdersClient, stateful_urls: dict[str, str]) -> None:
    url = stateful_urls["workorders"]
    first = await orders.create(complaint(3), call_context(), idempotency_key=new_key())
    second = await orders.create(complaint(4), call_context(), idempotency_key=new_key())
    missing = admin_post(url, "/_admin/advance", {"id": second.order_id, "event": "并单"})
    assert missing.json()["code"] == "MERGE_TARGET_REQUIRED"
    merged = advance(url, second.order_id, event="并单", into=first.order_id)
    assert merged.status == "并单"
    assert merged.merged_into == first.order_id
    target = await orders.by_id(first.order_id, call_context())
    assert target.merged_from == [second.order_id]
    assert target.history[-1].action == "并单"
    with pytest.raises(DepartmentRejected, match="409"):
        await orders.add_information(second.order_id, "补充说明", call_context(), idempotency_key=new_key())


async def test_the_clock_dispatches_and_answers_new_orders(
    orders: WorkOrdersClient, stateful_urls: dict[str, str], webhook_inbox: WebhookInbox
) -> None:
    admin(stateful_urls["workorders"], "/_admin/clock", {"speed": 400})
    order = await orders.create(complaint(5, "咨询"), call_context(), idempotency_key=new_key())
    assert wait_for(lambda: webhook_inbox.statuses(order.order_id)[-1:] == ["回访"])
    assert webhook_inbox.statuses(order.order_id) == ["派单", "办理", "回复", "办结", "回访"]


async def test_the_same_idempotency_key_files_one_order(
    orders: WorkOrdersClient, stateful_urls: dict[str, str]
) -> None:
    before = admin(stateful_urls["workorders"], "/_admin/stats")["created_via_api"]
    key = new_key()
    first = await orders.create(complaint(6), call_context(), idempotency_key=key)
    again = await orders.create(complaint(6), call_context(), idempotency_key=key)
    assert first.order_id == again.order_id
    assert admin(stateful_urls["workorders"], "/_admin/stats")["created_via_api"] == before + 1


def test_bad_input_and_bad_keys_are_refused(stateful_urls: dict[str, str]) -> None:
    url = stateful_urls["workorders"]
    citizen = population().demo_people["citizen"]
    me = {"id_type": "111", "id_number": citizen.id_number, "name": citizen.name}
    body = {"kind": "投诉", "title": "噪音", "content": "夜间施工噪音扰民。", "caller": me}
    assert signed("POST", url, "/api/v1/workorders", "workorders", auth="api_key", json=body).status_code == 201
    bad_kind = signed("POST", url, "/api/v1/workorders", "workorders", auth="api_key", json={**body, "kind": "表扬"})
    assert (bad_kind.status_code, bad_kind.json()["code"]) == (422, "INVALID_REQUEST")
    company_caller = {**body, "caller": {"id_type": "001", "id_number": DEMO_COMPANY, "name": "滇味香"}}
    assert (
        signed("POST", url, "/api/v1/workorders", "workorders", auth="api_key", json=company_caller).status_code == 422
    )
    assert signed("GET", url, "/api/v1/workorders/YN20990101000001", "workorders", auth="api_key").status_code == 404
    assert signed("POST", url, "/api/v1/workorders", "workorders", auth="hmac", json=body).status_code == 401
    wrong = HTTP.post(f"{url}/api/v1/workorders", json=body, headers={"X-Api-Key": "guess"})
    assert wrong.status_code == 401


def test_stats_are_served(stateful_urls: dict[str, str]) -> None:
    stats = admin(stateful_urls["workorders"], "/_admin/stats")
    print("workorders stats:", stats)
    assert stats["work_orders"] > 800
    assert set(stats["by_kind"]) == {"咨询", "求助", "投诉", "举报", "建议"}
    assert {"受理", "派单", "办理", "回复", "回访", "评价", "并单"} <= set(stats["by_status"])
