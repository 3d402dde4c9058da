"""The 12345 connector against the live hotline simulator (API-key auth): round trips, writes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from connectors.errors import DepartmentRejected, DepartmentUnavailable, NotFound
from connectors.workorders.client import WorkOrdersClient
from connectors.workorders.models import NewWorkOrder, Party
from simulators.common.population import population
from tests.support.stateful import admin, call_context, department_client, new_key, requests_seen

DEMO_COMPANY = "91530102MA6K8R2Q1N"


@pytest_asyncio.fixture(loop_scope="function")
async def orders(simulator_urls: dict[str, str]) -> AsyncIterator[WorkOrdersClient]:
    base = department_client("workorders", simulator_urls["workorders"])
    yield WorkOrdersClient(base)
    await base.aclose()


def generated_caller(index: int) -> Party:
    someone = population().people[1100 + index]
    return Party(id_type="111", id_number=someone.id_number, name=someone.name)


def request(index: int) -> NewWorkOrder:
    return NewWorkOrder(
        kind="求助",
        title="路灯不亮",
        content="小区门口路段路灯连续一周不亮，夜间出行不安全。",
        category="城乡建设",
        caller=generated_caller(index),
    )


async def test_a_callers_and_a_companys_orders_round_trip_typed(orders: WorkOrdersClient) -> None:
    citizen = population().demo_people["citizen"].id_number
    page = await orders.by_subject(citizen, call_context())
    # Three seeded orders; other tests in the run may file more for the same person.
    assert page.total >= 3
    assert {"投诉", "咨询", "建议"} <= {o.kind for o in page.items}
    for order in page.items:
        assert order == await orders.by_id(order.order_id, call_context())
        assert order.history[0].action == "受理"
        assert order.deadline >= order.accepted_at.date()
    company = await orders.by_subject(DEMO_COMPANY, call_context(), subject_id_type="001")
    assert company.total >= 3
    assert {"王志强", "赵敏"} <= {o.caller.name for o in company.items}


async def test_file_add_information_and_rate_through_the_connector(
    orders: WorkOrdersClient, simulator_urls: dict[str, str]
) -> None:
    key = new_key()
    order = await orders.create(request(1), call_context(), idempotency_key=key)
    assert (await orders.create(request(1), call_context(), idempotency_key=key)).order_id == order.order_id
    informed = await orders.add_information(
        order.order_id, "具体位置在3号门。", call_context(), idempotency_key=new_key()
    )
    assert informed.added_information[-1].content == "具体位置在3号门。"
    advanced = admin(simulator_urls["workorders"], "/_admin/advance", {"id": order.order_id, "steps": 3})
    assert advanced["object"]["status"] == "回复"
    rated = await orders.rate(order.order_id, "基本满意", call_context(), idempotency_key=new_key())
    assert rated.status == "评价"
    assert rated.rating
    assert rated.rating.level == "基本满意"
    with pytest.raises(DepartmentRejected, match="409"):
        await orders.reopen(order.order_id, "想再办一次", call_context(), idempotency_key=new_key())


async def test_a_rating_is_never_retried(orders: WorkOrdersClient, simulator_urls: dict[str, str]) -> None:
    base = simulator_urls["workorders"]
    order = await orders.create(request(2), call_context(), idempotency_key=new_key())
    admin(base, "/_admin/faults", {"error_rate": 1.0})
    route = f"POST /api/v1/workorders/{order.order_id}/rating"
    before = requests_seen(base, route)
    with pytest.raises(DepartmentUnavailable):
        await orders.rate(order.order_id, "满意", call_context(), idempotency_key=new_key())
    assert requests_seen(base, route) == before + 1


async def test_a_wrong_api_key_is_refused(simulator_urls: dict[str, str]) -> None:
    base = department_client("workorders", simulator_urls["workorders"], secret="not-the-key")
    try:
        with pytest.raises(DepartmentRejected, match="401"):
            await WorkOrdersClient(base).by_subject(population().people[5].id_number, call_context())
    finally:
        await base.aclose()


async def test_malformed_ids_never_reach_the_hotline(orders: WorkOrdersClient) -> None:
    with pytest.raises(NotFound):
        await orders.by_id("YN123/../../x", call_context())
    with pytest.raises(NotFound):
        await orders.by_id("YN20990101999999", call_context())
