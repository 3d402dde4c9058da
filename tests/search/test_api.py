"""Search, suggest and ask over HTTP against the live gateway (embedded and real backends)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support.gateway import GatewayClient

SEARCH = """
query Search($q: String!, $filter: SearchFilter, $first: Int, $after: String) {
  search(query: $q, filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      kind score highlight
      serviceItem { code name audience guide { fee materials { name } } }
      bundle { code name items { code name } }
      faq { question answer }
    } }
  }
}
"""
ASK = """
query Ask($q: String!) {
  ask(question: $q) {
    answered confidence text speakableText
    faq { id question answer }
    relatedItems { code name }
    alternatives { question }
    handoff { reason hotline canCreateWorkOrder }
  }
}
"""
UPSERT = """
mutation Upsert($input: FaqInput!) { upsertFaq(input: $input) { id question itemCodes } }
"""
DELETE = "mutation Delete($id: String!) { deleteFaq(id: $id) { id deleted } }"


def codes(body: dict[str, Any]) -> list[str]:
    out = []
    for edge in body["data"]["search"]["edges"]:
        node = edge["node"]
        record = node["serviceItem"] or node["bundle"]
        if record:
            out.append(record["code"])
    return out


def error_code(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"])


def test_search_ranks_and_pages(gateway: GatewayClient) -> None:
    body = gateway.graphql(SEARCH, {"q": "身份证丢了", "first": 3})
    assert "errors" not in body, body
    assert codes(body)[0] == "GA-003"
    first = body["data"]["search"]
    assert first["pageInfo"]["hasNextPage"]
    top = first["edges"][0]["node"]
    assert top["kind"] == "SERVICE_ITEM"
    assert "<em>" in top["highlight"]
    assert top["serviceItem"]["guide"]["materials"]
    after = gateway.graphql(SEARCH, {"q": "身份证丢了", "first": 3, "after": first["pageInfo"]["endCursor"]})
    assert not set(codes(after)) & set(codes(body))


def test_search_understands_pinyin_traditional_and_english(gateway: GatewayClient) -> None:
    assert codes(gateway.graphql(SEARCH, {"q": "sbk"}))[0] == "RS-001"
    assert "SJ-007" in codes(gateway.graphql(SEARCH, {"q": "營業執照遺失"}))[:1]
    assert codes(gateway.graphql(SEARCH, {"q": "passport"}))[0] == "GA-011"


def test_search_filters(gateway: GatewayClient) -> None:
    body = gateway.graphql(
        SEARCH, {"q": "一件事", "filter": {"kinds": ["BUNDLE"], "audience": "LEGAL_PERSON"}, "first": 20}
    )
    nodes = [e["node"] for e in body["data"]["search"]["edges"]]
    assert nodes
    assert {n["kind"] for n in nodes} == {"BUNDLE"}
    assert all(n["bundle"]["items"] for n in nodes)


def test_bad_queries_are_user_errors(gateway: GatewayClient) -> None:
    assert error_code(gateway.graphql(SEARCH, {"q": "   "})) == "BAD_USER_INPUT"
    assert error_code(gateway.graphql(SEARCH, {"q": "社保" * 60})) == "BAD_USER_INPUT"
    assert error_code(gateway.graphql(SEARCH, {"q": "社保", "first": 500})) == "BAD_USER_INPUT"
    assert error_code(gateway.graphql(SEARCH, {"q": "社保", "after": "garbage"})) == "BAD_USER_INPUT"
    assert error_code(gateway.graphql(ASK, {"q": ""})) == "BAD_USER_INPUT"


def test_suggest(gateway: GatewayClient) -> None:
    body = gateway.graphql('query { suggest(prefix: "gjj") { text code kind } }')
    assert any(s["code"].startswith("GJJ-") for s in body["data"]["suggest"])


def test_ask_answers_when_sure(gateway: GatewayClient) -> None:
    answer = gateway.graphql(ASK, {"q": "驾驶证丢了怎么补办？"})["data"]["ask"]
    assert answer["answered"]
    assert answer["confidence"] >= 0.5
    assert "GA-016" in {i["code"] for i in answer["relatedItems"]}
    assert answer["speakableText"]
    assert answer["handoff"] is None


def test_ask_declines_outside_government_services(gateway: GatewayClient) -> None:
    for question in ("周末去哪里看电影比较好", "帮我写一首关于春天的诗"):
        answer = gateway.graphql(ASK, {"q": question})["data"]["ask"]
        assert not answer["answered"], question
        assert answer["faq"] is None
        assert answer["handoff"]["hotline"] == "12345"


def test_service_item_and_bundle_by_code(gateway: GatewayClient) -> None:
    body = gateway.graphql(
        'query { serviceItem(code: "ga-011") { code name fullyOnline guide { steps } } '
        'bundle(code: "YJS-003") { name items { code } } missing: serviceItem(code: "ZZ-999") { code } }'
    )
    data = body["data"]
    assert data["serviceItem"]["name"] == "普通护照签发"
    assert data["bundle"]["items"][0]["code"] == "SJ-002"
    assert data["missing"] is None


def test_faq_edits_need_the_operator_role(gateway: GatewayClient) -> None:
    faq = {"question": "测试问题会被拒绝吗？", "answer": "不会被保存。", "itemCodes": ["GA-001"]}
    assert error_code(gateway.graphql(UPSERT, {"input": faq})) == "UNAUTHENTICATED"
    assert error_code(gateway.graphql(UPSERT, {"input": faq}, as_user="citizen")) == "NOT_ALLOWED"
    assert error_code(gateway.graphql(DELETE, {"id": "faq-a-001"}, as_user="citizen")) == "NOT_ALLOWED"
    bad = {**faq, "itemCodes": ["not a code"]}
    assert error_code(gateway.graphql(UPSERT, {"input": bad}, as_user="operator")) == "BAD_USER_INPUT"
    unknown = {**faq, "itemCodes": ["ZZ-999"]}
    assert error_code(gateway.graphql(UPSERT, {"input": unknown}, as_user="operator")) == "BAD_USER_INPUT"


def test_operator_edits_are_answered_at_once_and_deletes_are_not(gateway: GatewayClient) -> None:
    marker = uuid.uuid4().hex[:6]
    faq = {
        "id": f"faq-test-{marker}",
        "question": "火把节当天婚姻登记处上班吗？",
        "answer": "火把节当天各婚姻登记处照常办理结婚登记，建议提前在一部手机办事通预约。",
        "variants": ["火把节能领结婚证吗"],
        "itemCodes": ["MZ-001"],
    }
    saved = gateway.graphql(UPSERT, {"input": faq}, as_user="operator")
    assert "errors" not in saved, saved
    answer = gateway.graphql(ASK, {"q": "火把节那天能领结婚证吗"})["data"]["ask"]
    assert answer["answered"]
    assert answer["faq"]["id"] == faq["id"]
    deleted = gateway.graphql(DELETE, {"id": faq["id"]}, as_user="operator")
    assert deleted["data"]["deleteFaq"] == {"id": faq["id"], "deleted": True}
    again = gateway.graphql(ASK, {"q": "火把节那天能领结婚证吗"})["data"]["ask"]
    assert (again["faq"] or {}).get("id") != faq["id"]
    assert all(a["question"] != faq["question"] for a in again["alternatives"])


def test_clicks_count(gateway: GatewayClient) -> None:
    body = gateway.graphql('mutation { recordSearchClick(kind: SERVICE_ITEM, code: "RS-004") }')
    assert body["data"]["recordSearchClick"] is True
    unknown = gateway.graphql('mutation { recordSearchClick(kind: SERVICE_ITEM, code: "ZZ-999") }')
    assert unknown["data"]["recordSearchClick"] is False


def test_readiness_reports_search(gateway: GatewayClient) -> None:
    ready = gateway.http.get(f"{gateway.url}/readyz").json()
    assert ready["parts"]["search"] == "up"
