"""Writes bound for departments: PENDING, delivered once through the outbox, pushed live."""

from __future__ import annotations

import time
import uuid
from typing import Any

from tests.support.gateway import GatewayClient
from tests.support.subscriptions import Subscription

SUBMIT = """
mutation($key: String!, $title: String!) {
  submitWorkOrder(kind: COMPLAINT, title: $title, content: "小区门口路灯坏了一个多月，晚上很不安全。",
                  category: "城乡建设", location: "昆明市五华区青年路188号", idempotencyKey: $key) {
    __typename
    ... on SubmissionAccepted { submission { id status kind } }
    ... on ValidationError { field message }
    ... on IdempotencyConflict { idempotencyKey }
  }
}
"""
SUBMISSIONS = "{ me { submissions(first: 50) { edges { node { id status remoteId reason kind } } } } }"
UPDATES = "subscription { myUpdates { type objectId kind status title body } }"


def key() -> str:
    return f"sub-{uuid.uuid4().hex}"


def wait_for(gateway: GatewayClient, user: str, submission_id: str, timeout: float = 30) -> dict[str, Any]:
    """Poll until the worker has moved the submission on (bounded; the assertion is on the state)."""
    deadline = time.monotonic() + timeout
    node: dict[str, Any] = {}
    while time.monotonic() < deadline:
        edges = gateway.graphql(SUBMISSIONS, as_user=user)["data"]["me"]["submissions"]["edges"]
        node = next(e["node"] for e in edges if e["node"]["id"] == submission_id)
        if node["status"] != "PENDING":
            return node
        time.sleep(0.2)
    return node


def _order_count(gateway: GatewayClient, user: str, title: str) -> int:
    edges = gateway.graphql("{ me { workOrders(first: 100) { edges { node { title } } } } }", as_user=user)["data"][
        "me"
    ]["workOrders"]["edges"]
    return sum(1 for e in edges if e["node"]["title"] == title)


def test_work_order_is_pending_then_delivered_once(gateway: GatewayClient) -> None:
    title = f"路灯损坏{uuid.uuid4().hex[:6]}"
    k = key()
    first = gateway.graphql(SUBMIT, {"key": k, "title": title}, as_user="citizen")["data"]["submitWorkOrder"]
    assert first["__typename"] == "SubmissionAccepted"
    assert first["submission"]["status"] == "PENDING"
    again = gateway.graphql(SUBMIT, {"key": k, "title": title}, as_user="citizen")["data"]["submitWorkOrder"]
    assert again == first
    delivered = wait_for(gateway, "citizen", first["submission"]["id"])
    assert delivered["status"] == "DELIVERED"
    assert delivered["remoteId"]
    assert _order_count(gateway, "citizen", title) == 1
    conflict = gateway.graphql(SUBMIT, {"key": k, "title": title + "改"}, as_user="citizen")["data"]
    assert conflict["submitWorkOrder"]["__typename"] == "IdempotencyConflict"


def test_department_down_for_a_while_loses_nothing(gateway: GatewayClient) -> None:
    gateway.faults("workorders", error_rate=1.0)
    titles = [f"停电{uuid.uuid4().hex[:6]}" for _ in range(3)]
    ids = [
        gateway.graphql(SUBMIT, {"key": key(), "title": t}, as_user="citizen2")["data"]["submitWorkOrder"][
            "submission"
        ]["id"]
        for t in titles
    ]
    time.sleep(1.5)  # the worker keeps trying while the department is down
    edges = gateway.graphql(SUBMISSIONS, as_user="citizen2")["data"]["me"]["submissions"]["edges"]
    assert all(e["node"]["status"] == "PENDING" for e in edges if e["node"]["id"] in ids)
    gateway.faults("workorders")
    for submission_id in ids:
        assert wait_for(gateway, "citizen2", submission_id, timeout=90)["status"] == "DELIVERED"
    for title in titles:
        assert _order_count(gateway, "citizen2", title) == 1


def test_bad_rating_needs_a_reason_and_is_delivered(gateway: GatewayClient) -> None:
    waiting = gateway.graphql("{ me { awaitingRating { edges { node { caseId itemCode } } } } }", as_user="citizen")
    case = waiting["data"]["me"]["awaitingRating"]["edges"][0]["node"]
    rate = """mutation($case: String!, $item: String!, $key: String!, $reasons: [String!]) {
      rateService(targetType: CASE, caseId: $case, itemCode: $item, level: VERY_DISSATISFIED,
                  comment: "跑了三次才办好", reasons: $reasons, idempotencyKey: $key) {
        __typename ... on ValidationError { field } ... on SubmissionAccepted { submission { id } } } }"""
    no_reason = gateway.graphql(
        rate, {"case": case["caseId"], "item": case["itemCode"], "key": key()}, as_user="citizen"
    )["data"]["rateService"]
    assert no_reason == {"__typename": "ValidationError", "field": "reasons"}
    accepted = gateway.graphql(
        rate,
        {"case": case["caseId"], "item": case["itemCode"], "key": key(), "reasons": ["多次跑动"]},
        as_user="citizen",
    )["data"]["rateService"]
    assert wait_for(gateway, "citizen", accepted["submission"]["id"])["status"] == "DELIVERED"
    ratings = gateway.graphql(
        "{ me { ratings(first: 50) { edges { node { caseId isBad rectification { status } } } } } }", as_user="citizen"
    )["data"]["me"]["ratings"]["edges"]
    mine = next(e["node"] for e in ratings if e["node"]["caseId"] == case["caseId"])
    assert mine["isBad"] is True
    assert mine["rectification"] is not None


def test_invalid_submissions_are_validation_errors(gateway: GatewayClient) -> None:
    short = SUBMIT.replace("小区门口路灯坏了一个多月，晚上很不安全。", "坏")
    body = gateway.graphql(short, {"key": key(), "title": "路灯"}, as_user="citizen")["data"]["submitWorkOrder"]
    assert body == {"__typename": "ValidationError", "field": "content", "message": body["message"]}
    past = """mutation($key: String!) { bookAppointment(hallId: "H530102", itemCode: "GA-002", date: "2020-01-01",
      start: "09:00", idempotencyKey: $key) { __typename ... on ValidationError { field } } }"""
    assert gateway.graphql(past, {"key": key()}, as_user="citizen")["data"]["bookAppointment"]["field"] == "date"


def test_data_error_report_goes_to_the_owning_department(gateway: GatewayClient) -> None:
    licences = gateway.graphql("{ me { licences { edges { node { licenceId } } } } }", as_user="elder")
    licence_id = licences["data"]["me"]["licences"]["edges"][0]["node"]["licenceId"]
    report = """mutation($id: String!, $key: String!) { reportDataError(target: LICENCE, targetId: $id,
      field: "住址", description: "住址已变更，证照上仍是旧地址", idempotencyKey: $key) {
      __typename ... on SubmissionAccepted { submission { id } } ... on NotAllowed { message } } }"""
    accepted = gateway.graphql(report, {"id": licence_id, "key": key()}, as_user="elder")["data"]["reportDataError"]
    assert wait_for(gateway, "elder", accepted["submission"]["id"])["status"] == "DELIVERED"
    other = gateway.graphql(report, {"id": licence_id, "key": key()}, as_user="citizen")["data"]["reportDataError"]
    assert other["__typename"] == "NotAllowed"


def test_subscription_receives_the_delivery(gateway: GatewayClient) -> None:
    subscription = Subscription(gateway.url, gateway.token("staff"), UPDATES)
    try:
        time.sleep(0.3)  # let the subscription register before the write
        accepted = gateway.graphql(SUBMIT, {"key": key(), "title": "咨询社保卡"}, as_user="staff")
        submission_id = accepted["data"]["submitWorkOrder"]["submission"]["id"]
        message = subscription.next()
        assert message["type"] == "next"
        update = message["payload"]["data"]["myUpdates"]
        assert update["type"] == "SUBMISSION_DELIVERED"
        assert update["objectId"] == submission_id
    finally:
        subscription.close()


def test_a_case_moving_on_at_the_department_reaches_the_subscriber(gateway: GatewayClient) -> None:
    cases = gateway.graphql("{ me { cases(first: 50) { edges { node { caseId status } } } } }", as_user="citizen")
    running = next(e["node"] for e in cases["data"]["me"]["cases"]["edges"] if e["node"]["status"] in ("受理", "审查"))
    subscription = Subscription(gateway.url, gateway.token("citizen"), UPDATES)
    try:
        time.sleep(0.3)
        response = gateway.http.post(
            f"{gateway.simulators['cases']}/_admin/advance", json={"id": running["caseId"], "steps": 1}
        )
        assert response.status_code == 200, response.text
        message = subscription.next()
        update = message["payload"]["data"]["myUpdates"]
        assert update["type"] == "CASE_STATUS_CHANGED"
        assert update["objectId"] == running["caseId"]
        assert update["status"] != running["status"]
    finally:
        subscription.close()
    notifications = gateway.graphql(
        "{ me { notifications(first: 5) { edges { node { title objectRef } } } } }", as_user="citizen"
    )["data"]["me"]["notifications"]["edges"]
    assert any(running["caseId"] in (e["node"]["objectRef"] or "") for e in notifications)
    fresh = gateway.graphql("{ me { cases(first: 50) { edges { node { caseId status } } } } }", as_user="citizen")
    moved = next(e["node"] for e in fresh["data"]["me"]["cases"]["edges"] if e["node"]["caseId"] == running["caseId"])
    assert moved["status"] == update["status"]


def test_forged_webhooks_are_refused(gateway: GatewayClient) -> None:
    body = b'{"system":"cases","event":"case.status_changed","object_id":"1","status":"x","at":"2026-11-23T00:00:00Z"}'
    forged = gateway.http.post(
        f"{gateway.url}/webhooks/departments",
        content=body,
        headers={
            "X-Ca-Key": "cases",
            "X-Ca-Timestamp": str(int(time.time())),
            "X-Ca-Nonce": "n",
            "X-Ca-Signature": "0" * 64,
        },
    )
    assert forged.status_code == 401
    unknown = gateway.http.post(f"{gateway.url}/webhooks/departments", content=body, headers={"X-Ca-Key": "evil"})
    assert unknown.status_code == 401


def test_without_webhooks_polling_still_brings_the_update(gateway: GatewayClient, webhook_targets: list[str]) -> None:
    cases = gateway.graphql("{ me { cases(first: 50) { edges { node { caseId status } } } } }", as_user="elder")
    running = next(e["node"] for e in cases["data"]["me"]["cases"]["edges"] if e["node"]["status"] in ("受理", "审查"))
    webhook_targets.remove(gateway.url)  # this department's calls back no longer reach us
    subscription = Subscription(gateway.url, gateway.token("elder"), UPDATES)
    try:
        time.sleep(2.5)  # the poller takes its baseline
        response = gateway.http.post(
            f"{gateway.simulators['cases']}/_admin/advance", json={"id": running["caseId"], "steps": 1}
        )
        assert response.status_code == 200, response.text
        update = subscription.next(timeout=30)["payload"]["data"]["myUpdates"]
        assert update["type"] == "CASE_STATUS_CHANGED"
        assert update["objectId"] == running["caseId"]
    finally:
        subscription.close()
        webhook_targets.append(gateway.url)
