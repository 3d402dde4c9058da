"""The 12345 agent workspace over HTTP: an open ticket *and* the caller's consent, or nothing;
strictly masked data of the consented sections only; every read in the caller's access log;
FAQ answers, duplicate detection (并单) and filing a work order for the caller."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.dev_identity import demo_person
from gateway.settings import Settings
from personal_space.models import AgentConsent, utcnow
from tests.support.agent_consent import REQUEST, decide, granted, key, new_ticket, request_consent
from tests.support.departments import HTTP, signed
from tests.support.gateway import GatewayClient

CONFIRM = """
mutation($id: ID!, $code: String!) {
  confirmAgentConsentCode(id: $id, code: $code) {
    __typename
    ... on AgentConsentRequest { status expiresAt }
    ... on ConsentCodeRejected { code message attemptsLeft }
    ... on ValidationError { field }
    ... on NotAllowed { message }
  }
}
"""
TICKET = """
query($id: String!) {
  agentWorkspace {
    __typename
    ... on NotAllowed { message }
    ... on AgentWorkspace {
      ticket(id: $id) {
        __typename
        ... on NotAllowed { message }
        ... on ValidationError { field }
        ... on AgentTicket {
          ticket { ticketId status title }
          consent { sections expiresAt }
          caller {
            profile { name maskedIdNumber maskedPhone gender age prefecture }
            cases { totalCount edges { node { caseId itemName status source { system } } } }
            workOrders { totalCount edges { node { orderId title status } } }
            licences { totalCount edges { node { typeName statusName issuer validUntil } } }
            bills { totalCount edges { node { utilityName period amountDue status } } }
          }
        }
      }
    }
  }
}
"""
MY_REQUESTS = "{ myConsentRequests { edges { node { id ticketId status sectionLabels agentLabel method } } } }"
ACCESS_LOG = "{ me { dataAccessLog(first: 50) { edges { node { accessorRole accessor purpose sections } } } } }"
NOTIFICATIONS = "{ me { notifications(first: 20) { edges { node { kind title body } } } } }"


def open_ticket(gateway: GatewayClient, ticket: str, user: str = "agent") -> dict[str, Any]:
    return gateway.graphql(TICKET, {"id": ticket}, as_user=user)


def set_past(settings: Settings, consent_id: str, column: str) -> None:
    """Let time pass for one consent: move its deadline into the past, in the gateway's own store."""

    async def run() -> None:
        engine = create_async_engine(settings.database_url)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    update(AgentConsent)
                    .where(AgentConsent.id == consent_id)
                    .values({column: utcnow() - timedelta(seconds=5)})
                )
        finally:
            await engine.dispose()

    asyncio.run(run())


def agent_entries(gateway: GatewayClient, username: str, ticket: str) -> list[dict[str, Any]]:
    edges = gateway.graphql(ACCESS_LOG, as_user=username)["data"]["me"]["dataAccessLog"]["edges"]
    return [e["node"] for e in edges if ticket in e["node"]["purpose"]]


def workspace_ticket(body: dict[str, Any]) -> dict[str, Any]:
    workspace = body["data"]["agentWorkspace"]
    assert workspace["__typename"] == "AgentWorkspace", workspace
    ticket: dict[str, Any] = workspace["ticket"]
    return ticket


# -- ticket and consent: both, or nothing ---------------------------------------------------------


def test_only_agents_have_a_workspace(gateway: GatewayClient) -> None:
    ticket = new_ticket(gateway, "citizen")
    for user in ("citizen", "clerk", "operator"):
        body = open_ticket(gateway, ticket, user=user)
        assert body["data"]["agentWorkspace"]["__typename"] == "NotAllowed", user
        assert request_consent_as(gateway, user, ticket)["__typename"] == "NotAllowed", user
    body = gateway.graphql(TICKET, {"id": ticket})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def request_consent_as(gateway: GatewayClient, user: str, ticket: str) -> dict[str, Any]:
    variables = {"ticket": ticket, "sections": ["PROFILE"], "method": "APP", "key": key(), "minutes": 30}
    result: dict[str, Any] = gateway.graphql(REQUEST, variables, as_user=user)["data"]["requestAgentConsent"]
    return result


def test_without_consent_or_without_an_open_ticket_nothing_leaks(gateway: GatewayClient) -> None:
    person = demo_person("citizen2")
    ticket = new_ticket(gateway, "citizen2")
    # An open ticket but no consent: refused, and not even the caller's name comes back.
    body = open_ticket(gateway, ticket)
    assert workspace_ticket(body)["__typename"] == "NotAllowed"
    text = json.dumps(body, ensure_ascii=False)
    assert person["name"] not in text
    assert person["name"][0] + "*" not in text
    assert person["id_number"][-4:] not in text
    # Asked but not yet answered: still refused.
    consent = request_consent(gateway, ticket, ["PROFILE", "CASES"])
    assert consent["status"] == "PENDING"
    assert workspace_ticket(open_ticket(gateway, ticket))["__typename"] == "NotAllowed"
    # A ticket that does not exist, or is not a ticket number at all.
    assert workspace_ticket(open_ticket(gateway, "YN20991231999999"))["__typename"] == "NotAllowed"
    assert workspace_ticket(open_ticket(gateway, "../cases"))["field"] == "ticketId"
    assert request_consent(gateway, "YN20991231999999", ["PROFILE"])["__typename"] == "NotAllowed"
    # Nothing was read, so nothing is in the caller's access log.
    assert agent_entries(gateway, "citizen2", ticket) == []


def test_app_consent_shows_the_consented_sections_only_strictly_masked(gateway: GatewayClient) -> None:
    person = demo_person("citizen")
    ticket = new_ticket(gateway, "citizen", "咨询驾驶证换证")
    consent = request_consent(gateway, ticket, ["PROFILE", "LICENCES"], minutes=15)
    # The caller sees the request in the app, with a notification, and approves it.
    pending = gateway.graphql(MY_REQUESTS, as_user="citizen")["data"]["myConsentRequests"]["edges"]
    mine = next(e["node"] for e in pending if e["node"]["id"] == consent["id"])
    assert mine["status"] == "PENDING"
    assert mine["ticketId"] == ticket
    assert mine["sectionLabels"] == ["基本信息", "电子证照（仅类型和状态）"]
    assert mine["agentLabel"].startswith("12345坐席")
    notes = gateway.graphql(NOTIFICATIONS, as_user="citizen")["data"]["me"]["notifications"]["edges"]
    assert any(ticket in e["node"]["body"] and e["node"]["kind"] == "agent_consent_request" for e in notes)
    approved = decide(gateway, "citizen", "approve", consent["id"])
    assert approved["status"] == "APPROVED"
    assert approved["expiresAt"]
    assert decide(gateway, "citizen", "approve", consent["id"])["status"] == "APPROVED"  # twice: unchanged

    body = open_ticket(gateway, ticket)
    opened = workspace_ticket(body)
    assert opened["__typename"] == "AgentTicket"
    assert opened["ticket"]["ticketId"] == ticket
    assert sorted(opened["consent"]["sections"]) == ["LICENCES", "PROFILE"]
    caller = opened["caller"]
    assert caller["profile"] == {
        "name": "李**",
        "maskedIdNumber": "53**************17",
        "maskedPhone": "138******78",
        "gender": "男",
        "age": caller["profile"]["age"],
        "prefecture": "昆明市",
    }
    licences = [e["node"] for e in caller["licences"]["edges"]]
    assert {"机动车驾驶证", "居民身份证", "社会保障卡"} <= {lic["typeName"] for lic in licences}
    assert all(lic["statusName"] for lic in licences)
    # Sections the caller did not consent to are null, with the reason in errors[].
    assert caller["cases"] is None
    assert caller["workOrders"] is None
    assert caller["bills"] is None
    refused = {e["path"][-1]: e["extensions"]["code"] for e in body["errors"]}
    assert refused == {"cases": "NOT_ALLOWED", "workOrders": "NOT_ALLOWED", "bills": "NOT_ALLOWED"}
    text = json.dumps(body, ensure_ascii=False)
    assert person["id_number"] not in text
    assert person["phone"] not in text
    assert person["name"] not in text
    assert person["id_number"][2:-2] not in text

    # The caller sees who read what, for which ticket.
    entries = agent_entries(gateway, "citizen", ticket)
    assert len(entries) == 1
    assert entries[0]["accessorRole"] == "12345坐席"
    assert entries[0]["purpose"] == f"12345工单处理（{ticket}）"
    assert entries[0]["sections"] == ["licences", "profile"]


def test_every_consented_section_is_read_and_logged(gateway: GatewayClient) -> None:
    ticket = granted(gateway, "elder", ["CASES", "WORK_ORDERS", "BILLS"])
    caller = workspace_ticket(open_ticket(gateway, ticket))["caller"]
    assert caller["cases"]["totalCount"] > 0
    assert caller["cases"]["edges"][0]["node"]["source"]["system"] == "统一申办受理系统"
    orders = [e["node"] for e in caller["workOrders"]["edges"]]
    assert ticket in {o["orderId"] for o in orders}
    assert caller["bills"]["totalCount"] > 0
    assert caller["profile"] is None
    assert caller["licences"] is None
    entries = agent_entries(gateway, "elder", ticket)
    assert [sorted(e["sections"]) for e in entries] == [["bills", "cases", "workOrders"]]


def test_a_closed_ticket_ends_access(gateway: GatewayClient) -> None:
    ticket = granted(gateway, "staff", ["PROFILE"])
    assert workspace_ticket(open_ticket(gateway, ticket))["__typename"] == "AgentTicket"
    response = HTTP.post(f"{gateway.simulators['workorders']}/_admin/advance", json={"id": ticket, "steps": 5})
    assert response.status_code == 200, response.text
    assert response.json()["object"]["status"] in ("办结", "回访")
    assert workspace_ticket(open_ticket(gateway, ticket))["__typename"] == "NotAllowed"


def test_consent_expires_and_can_be_revoked(gateway: GatewayClient, gateway_settings: Settings) -> None:
    # A grant past its time.
    ticket = new_ticket(gateway, "legal-rep")
    consent = request_consent(gateway, ticket, ["PROFILE"], minutes=5)
    decide(gateway, "legal-rep", "approve", consent["id"])
    assert workspace_ticket(open_ticket(gateway, ticket))["__typename"] == "AgentTicket"
    set_past(gateway_settings, consent["id"], "expires_at")
    assert workspace_ticket(open_ticket(gateway, ticket))["__typename"] == "NotAllowed"
    states = gateway.graphql(MY_REQUESTS, as_user="legal-rep")["data"]["myConsentRequests"]["edges"]
    assert next(e["node"]["status"] for e in states if e["node"]["id"] == consent["id"]) == "EXPIRED"

    # A request the caller did not answer in time can no longer be approved.
    late = request_consent(gateway, ticket, ["PROFILE"])
    set_past(gateway_settings, late["id"], "request_expires_at")
    assert decide(gateway, "legal-rep", "approve", late["id"])["__typename"] == "NotAllowed"
    assert workspace_ticket(open_ticket(gateway, ticket))["__typename"] == "NotAllowed"

    # Revoked by the caller: refused at once.
    again = request_consent(gateway, ticket, ["PROFILE"])
    decide(gateway, "legal-rep", "approve", again["id"])
    assert workspace_ticket(open_ticket(gateway, ticket))["__typename"] == "AgentTicket"
    assert decide(gateway, "legal-rep", "revoke", again["id"])["status"] == "REVOKED"
    assert workspace_ticket(open_ticket(gateway, ticket))["__typename"] == "NotAllowed"


def test_only_the_caller_answers_and_limits_hold(gateway: GatewayClient) -> None:
    ticket = new_ticket(gateway, "citizen")
    consent = request_consent(gateway, ticket, ["PROFILE"])
    for user in ("citizen2", "agent"):
        assert decide(gateway, user, "approve", consent["id"])["__typename"] == "NotAllowed", user
    assert decide(gateway, "citizen", "deny", consent["id"])["status"] == "DENIED"
    assert decide(gateway, "citizen", "approve", consent["id"])["__typename"] == "NotAllowed"
    assert workspace_ticket(open_ticket(gateway, ticket))["__typename"] == "NotAllowed"
    assert request_consent(gateway, ticket, [])["field"] == "sections"
    assert request_consent(gateway, ticket, ["PROFILE"], minutes=600)["field"] == "grantMinutes"
    assert request_consent(gateway, "YN1", ["PROFILE"])["field"] == "ticketId"


# -- the one-time code ----------------------------------------------------------------------------


def _code_for(gateway: GatewayClient, username: str, ticket: str) -> str:
    notes = gateway.graphql(NOTIFICATIONS, as_user=username)["data"]["me"]["notifications"]["edges"]
    body = next(e["node"]["body"] for e in notes if ticket in e["node"]["body"] and "验证码" in e["node"]["body"])
    match = re.search(r"验证码(\d{6})", body)
    assert match is not None, body
    return match.group(1)


def test_one_time_code_read_back_by_the_caller(gateway: GatewayClient) -> None:
    ticket = new_ticket(gateway, "citizen", "咨询电费缴纳")
    consent = request_consent(gateway, ticket, ["BILLS"], method="ONE_TIME_CODE")
    assert consent["method"] == "ONE_TIME_CODE"
    assert consent["codeAttemptsLeft"] == 5
    code = _code_for(gateway, "citizen", ticket)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    rejected = gateway.graphql(CONFIRM, {"id": consent["id"], "code": wrong}, as_user="agent")["data"]
    assert rejected["confirmAgentConsentCode"] == {
        "__typename": "ConsentCodeRejected",
        "code": "CODE_WRONG",
        "message": rejected["confirmAgentConsentCode"]["message"],
        "attemptsLeft": 4,
    }
    assert workspace_ticket(open_ticket(gateway, ticket))["__typename"] == "NotAllowed"
    # Only the agent who asked can submit the code.
    other = gateway.graphql(CONFIRM, {"id": consent["id"], "code": code}, as_user="citizen")["data"]
    assert other["confirmAgentConsentCode"]["__typename"] == "NotAllowed"
    confirmed = gateway.graphql(CONFIRM, {"id": consent["id"], "code": code}, as_user="agent")["data"]
    assert confirmed["confirmAgentConsentCode"]["status"] == "APPROVED"
    caller = workspace_ticket(open_ticket(gateway, ticket))["caller"]
    assert caller["bills"]["totalCount"] > 0
    assert caller["profile"] is None
    notes = gateway.graphql(NOTIFICATIONS, as_user="citizen")["data"]["me"]["notifications"]["edges"]
    assert any(e["node"]["kind"] == "agent_consent_granted" for e in notes)


def test_too_many_wrong_codes_end_the_request(gateway: GatewayClient) -> None:
    ticket = new_ticket(gateway, "elder")
    consent = request_consent(gateway, ticket, ["PROFILE"], method="ONE_TIME_CODE")
    code = _code_for(gateway, "elder", ticket)
    wrong = f"{(int(code) + 7) % 10**6:06d}"
    answers = [
        gateway.graphql(CONFIRM, {"id": consent["id"], "code": wrong}, as_user="agent")["data"][
            "confirmAgentConsentCode"
        ]
        for _ in range(5)
    ]
    assert [a["attemptsLeft"] for a in answers] == [4, 3, 2, 1, 0]
    assert answers[-1]["code"] == "TOO_MANY_ATTEMPTS"
    # Even the right code is refused now.
    late = gateway.graphql(CONFIRM, {"id": consent["id"], "code": code}, as_user="agent")["data"]
    assert late["confirmAgentConsentCode"]["__typename"] == "ConsentCodeRejected"
    assert workspace_ticket(open_ticket(gateway, ticket))["__typename"] == "NotAllowed"
    bad = gateway.graphql(CONFIRM, {"id": consent["id"], "code": "12ab"}, as_user="agent")["data"]
    assert bad["confirmAgentConsentCode"] == {"__typename": "ValidationError", "field": "code"}


# -- answers, duplicates and filing for the caller ------------------------------------------------

SUGGEST = """
query($text: String!) {
  agentWorkspace { ... on AgentWorkspace {
    suggestAnswers(text: $text, first: 3) {
      confident confidence handoffReason suggestions { faqId question answer itemCodes }
    }
  } }
}
"""
SIMILAR = """
query($text: String!, $ticket: String) {
  agentWorkspace { ... on AgentWorkspace {
    similarWorkOrders(text: $text, ticketId: $ticket, first: 5) { orderId title kind status score sameCaller }
  } }
}
"""
FILE = """
mutation($ticket: String!, $title: String!, $content: String!, $key: String!) {
  createWorkOrderForCaller(ticketId: $ticket, idempotencyKey: $key,
                           input: {kind: COMPLAINT, title: $title, content: $content, category: "市场监管"}) {
    __typename
    ... on WorkOrderFiledForCaller { submissionId status ticketId }
    ... on NotAllowed { message }
    ... on ValidationError { field message }
  }
}
"""
SUBMISSIONS = "{ me { submissions(first: 50) { edges { node { id kind status remoteId } } } } }"


def test_suggest_answers_from_the_faq(gateway: GatewayClient) -> None:
    body = gateway.graphql(SUGGEST, {"text": "租房怎么提取公积金"}, as_user="agent")
    suggestions = body["data"]["agentWorkspace"]["suggestAnswers"]
    assert suggestions["suggestions"], suggestions
    assert "公积金" in suggestions["suggestions"][0]["question"]
    assert "GJJ-002" in {code for s in suggestions["suggestions"] for code in s["itemCodes"]}
    off_topic = gateway.graphql(SUGGEST, {"text": "明天昆明会下雨吗"}, as_user="agent")
    answer = off_topic["data"]["agentWorkspace"]["suggestAnswers"]
    assert answer["confident"] is False
    assert answer["handoffReason"] == "OUT_OF_SCOPE"
    denied = gateway.graphql(SUGGEST, {"text": "租房怎么提取公积金"}, as_user="citizen")
    assert denied["data"]["agentWorkspace"] == {}


def _file(gateway: GatewayClient, ticket: str, title: str, content: str, k: str | None = None) -> dict[str, Any]:
    variables = {"ticket": ticket, "title": title, "content": content, "key": k or key()}
    result: dict[str, Any] = gateway.graphql(FILE, variables, as_user="agent")["data"]["createWorkOrderForCaller"]
    return result


def _delivered(gateway: GatewayClient, user: str, submission_id: str, timeout: float = 30) -> dict[str, Any]:
    """Poll until the outbox worker has moved the submission on (bounded; the state is asserted)."""
    deadline = time.monotonic() + timeout
    node: dict[str, Any] = {}
    while time.monotonic() < deadline:
        edges = gateway.graphql(SUBMISSIONS, as_user=user)["data"]["me"]["submissions"]["edges"]
        node = next(e["node"] for e in edges if e["node"]["id"] == submission_id)
        if node["status"] != "PENDING":
            return node
        time.sleep(0.2)
    return node


def test_create_work_order_for_the_caller(gateway: GatewayClient) -> None:
    # Consent without 12345工单 does not let the agent file in the caller's name.
    ticket = granted(gateway, "citizen", ["PROFILE"])
    assert (
        _file(gateway, ticket, "楼下夜市噪音扰民", "青年路夜市每晚喧哗到凌晨，影响休息。")["__typename"] == "NotAllowed"
    )
    assert _file(gateway, ticket, "x", "太短")["__typename"] == "ValidationError"

    ticket = granted(gateway, "citizen", ["WORK_ORDERS"])
    title = f"夜市噪音扰民{uuid.uuid4().hex[:6]}"
    k = key()
    filed = _file(gateway, ticket, title, "青年路夜市每晚喧哗到凌晨，严重影响周边居民休息。", k)
    assert filed["__typename"] == "WorkOrderFiledForCaller"
    assert filed["status"] == "PENDING"
    assert _file(gateway, ticket, title, "青年路夜市每晚喧哗到凌晨，严重影响周边居民休息。", k) == filed

    delivered = _delivered(gateway, "citizen", filed["submissionId"])
    assert delivered["status"] == "DELIVERED"
    assert delivered["kind"] == "agent_work_order"
    order = signed(
        "GET", gateway.simulators["workorders"], f"/api/v1/workorders/{delivered['remoteId']}", "workorders"
    ).json()
    assert order["title"] == title
    assert order["caller"]["id_number"] == demo_person("citizen")["id_number"]
    assert order["channel"] == "12345热线电话"
    notes = gateway.graphql(NOTIFICATIONS, as_user="citizen")["data"]["me"]["notifications"]["edges"]
    assert any(e["node"]["title"] == "12345坐席已为您登记诉求" and delivered["remoteId"] in e["node"]["body"]
               for e in notes)  # fmt: skip


def test_similar_work_orders_find_duplicates_to_merge(gateway: GatewayClient) -> None:
    citizen_ticket = granted(gateway, "citizen", ["WORK_ORDERS"])
    stalls = _file(gateway, citizen_ticket, "翠湖南路流动摊贩占道经营",
                   "翠湖南路一带每晚都有流动摊贩无证占道经营，油烟噪音扰民，请依法查处。")  # fmt: skip
    water = _file(gateway, citizen_ticket, "小区连续停水三天",
                  "所住小区连续三天停水，没有任何停水通知，老人孩子生活不便。")  # fmt: skip
    assert stalls["__typename"] == water["__typename"] == "WorkOrderFiledForCaller"

    # The legal representative once reported the same stalls (that order was merged, 并单).
    rep_ticket = granted(gateway, "legal-rep", ["WORK_ORDERS"], title="咨询门店燃气报装")
    body = gateway.graphql(SIMILAR, {"text": "翠湖南路晚上有小摊贩占道经营，没有营业执照", "ticket": rep_ticket},
                           as_user="agent")  # fmt: skip
    similar = body["data"]["agentWorkspace"]["similarWorkOrders"]
    assert similar, body
    top_two = similar[:2]
    assert all("摊贩" in s["title"] for s in top_two), similar
    assert any(s["sameCaller"] for s in top_two)
    assert not all(s["sameCaller"] for s in top_two)
    assert rep_ticket not in {s["orderId"] for s in similar}
    water_scores = [s["score"] for s in similar if "停水" in s["title"]]
    assert all(score < top_two[-1]["score"] for score in water_scores)
    # The caller's own orders were read for this, so the read is in their log with the ticket.
    assert agent_entries(gateway, "legal-rep", rep_ticket)

    other = gateway.graphql(SIMILAR, {"text": "我们小区停水好几天了也没人通知", "ticket": None}, as_user="agent")
    assert "停水" in other["data"]["agentWorkspace"]["similarWorkOrders"][0]["title"]
