"""A caller's consent for the 12345 agent, as the hotline and the app give it: a ticket opened
at the work-order system, the agent's request, the caller's approval in the app."""

from __future__ import annotations

import uuid
from typing import Any

from gateway.dev_identity import demo_person
from tests.support.departments import signed
from tests.support.gateway import GatewayClient

REQUEST = """
mutation($ticket: String!, $sections: [AgentSection!]!, $method: AgentConsentMethod!, $key: String!, $minutes: Int!) {
  requestAgentConsent(ticketId: $ticket, sections: $sections, method: $method, idempotencyKey: $key,
                      grantMinutes: $minutes) {
    __typename
    ... on AgentConsentRequest { id status method sections ticketId codeAttemptsLeft expiresAt }
    ... on ValidationError { field message code }
    ... on NotAllowed { message }
  }
}
"""
DECIDE = """
mutation($id: ID!) {
  %s(id: $id) {
    __typename
    ... on AgentConsentRequest { id status expiresAt }
    ... on NotAllowed { message }
  }
}
"""


def key() -> str:
    return f"agent-{uuid.uuid4().hex}"


def new_ticket(gateway: GatewayClient, username: str, title: str = "咨询医保报销比例", content: str = "") -> str:
    """A call comes in: the hotline opens a ticket for the caller (the simulator's own API)."""
    person = demo_person(username)
    body = {
        "kind": "咨询",
        "title": title,
        "content": content or f"来电人咨询：{title}，请坐席协助查询。",
        "category": "社会保障",
        "channel": "12345热线电话",
        "caller": {"id_type": "111", "id_number": person["id_number"], "name": person["name"]},
    }
    response = signed(
        "POST", gateway.simulators["workorders"], "/api/v1/workorders", "workorders",
        json=body, headers={"Idempotency-Key": key()},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    order_id: str = response.json()["order_id"]
    return order_id


def request_consent(
    gateway: GatewayClient, ticket: str, sections: list[str], method: str = "APP", minutes: int = 30
) -> dict[str, Any]:
    variables = {"ticket": ticket, "sections": sections, "method": method, "key": key(), "minutes": minutes}
    result: dict[str, Any] = gateway.graphql(REQUEST, variables, as_user="agent")["data"]["requestAgentConsent"]
    return result


def decide(gateway: GatewayClient, user: str, action: str, consent_id: str) -> dict[str, Any]:
    field = f"{action}AgentConsent"
    result: dict[str, Any] = gateway.graphql(DECIDE % field, {"id": consent_id}, as_user=user)["data"][field]
    return result


def granted(gateway: GatewayClient, username: str, sections: list[str], title: str = "咨询医保报销比例") -> str:
    ticket = new_ticket(gateway, username, title)
    consent = request_consent(gateway, ticket, sections)
    assert consent["__typename"] == "AgentConsentRequest", consent
    assert decide(gateway, username, "approve", consent["id"])["status"] == "APPROVED"
    return ticket
