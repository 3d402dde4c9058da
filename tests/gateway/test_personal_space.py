"""The first vertical slice: profile and licences through every layer, masked by default."""

from __future__ import annotations

import httpx

from tests.support.gateway import GatewayClient, newcomer_token

SPACE = """
query Space($first: Int, $after: String) {
  me {
    profile { name maskedIdNumber maskedPhone maskedAddress prefecture age }
    licences(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id licenceId typeName maskedNumber holderName issuer validUntil
                            status { code name } source { system department fetchedAt stale } } }
    }
  }
}
"""


def test_citizen_sees_masked_profile_and_own_licences(gateway: GatewayClient) -> None:
    body = gateway.graphql(SPACE, {"first": 20}, as_user="citizen")
    assert "errors" not in body, body
    me = body["data"]["me"]
    assert me["profile"]["name"] == "李**"
    assert me["profile"]["maskedIdNumber"] == "5301**********3217"
    assert me["profile"]["maskedPhone"] == "138****5678"
    assert me["profile"]["maskedAddress"] == "云南省昆明市五华区****"
    licences = me["licences"]
    types = {edge["node"]["typeName"] for edge in licences["edges"]}
    assert {"居民身份证", "机动车驾驶证", "社会保障卡", "结婚证", "不动产权证书"} <= types
    assert licences["totalCount"] == len(licences["edges"]) == 7
    for edge in licences["edges"]:
        node = edge["node"]
        assert node["licenceId"].startswith("1.2.156.3005.2.")
        assert node["holderName"] == "李**"
        assert "3217" not in node["maskedNumber"][4:-4]
        assert node["source"]["system"] == "电子证照库"
        assert node["source"]["stale"] is False


def test_licences_belong_to_the_caller_only(gateway: GatewayClient) -> None:
    mine = gateway.graphql(SPACE, as_user="citizen")["data"]["me"]["licences"]["edges"]
    theirs = gateway.graphql(SPACE, as_user="citizen2")["data"]["me"]["licences"]["edges"]
    assert {e["node"]["id"] for e in mine}.isdisjoint({e["node"]["id"] for e in theirs})
    assert {e["node"]["holderName"] for e in theirs} == {"杨**"}


def test_licences_paginate_with_cursors(gateway: GatewayClient) -> None:
    first = gateway.graphql(SPACE, {"first": 3}, as_user="citizen")["data"]["me"]["licences"]
    assert len(first["edges"]) == 3
    assert first["pageInfo"]["hasNextPage"]
    rest = gateway.graphql(SPACE, {"first": 10, "after": first["pageInfo"]["endCursor"]}, as_user="citizen")
    rest_ids = [e["node"]["id"] for e in rest["data"]["me"]["licences"]["edges"]]
    assert len(rest_ids) == 4
    assert not set(rest_ids) & {e["node"]["id"] for e in first["edges"]}


def test_bad_paging_arguments_are_user_errors(gateway: GatewayClient) -> None:
    for variables in ({"first": -1}, {"first": 1000}, {"after": "garbage!!"}):
        body = gateway.graphql(SPACE, variables, as_user="citizen")
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert body["data"]["me"]["profile"]["name"] == "李**"  # the rest of the space still arrives


def test_licence_store_down_gives_a_partial_result(gateway: GatewayClient) -> None:
    # A first-time user has no last good copy to fall back on.
    gateway.faults("licences", error_rate=1.0)
    body = gateway.graphql(SPACE, token=newcomer_token(gateway.idp, 1))
    assert body["data"]["me"]["profile"]["name"].endswith("*")
    assert body["data"]["me"]["licences"] is None
    ext = body["errors"][0]["extensions"]
    assert ext["code"] == "DEPARTMENT_UNAVAILABLE"
    assert ext["retryable"] is True
    assert ext["department"] == "省政务服务管理局"
    assert ext["section"] == "licences"


def test_licence_store_down_serves_the_last_good_copy_marked_stale(gateway: GatewayClient) -> None:
    fresh = gateway.graphql(SPACE, as_user="operator")["data"]["me"]["licences"]
    assert fresh["edges"][0]["node"]["source"]["stale"] is False
    gateway.faults("licences", error_rate=1.0)
    body = gateway.graphql(SPACE, as_user="operator")
    stale = body["data"]["me"]["licences"]
    assert "errors" not in body
    assert [e["node"]["id"] for e in stale["edges"]] == [e["node"]["id"] for e in fresh["edges"]]
    assert all(e["node"]["source"]["stale"] for e in stale["edges"])
    assert stale["edges"][0]["node"]["source"]["fetchedAt"] == fresh["edges"][0]["node"]["source"]["fetchedAt"]


def test_licence_store_hanging_times_out_within_the_deadline(gateway: GatewayClient) -> None:
    gateway.faults("licences", hang=True)
    body = gateway.graphql(SPACE, token=newcomer_token(gateway.idp, 2))
    assert body["data"]["me"]["licences"] is None
    assert body["errors"][0]["extensions"]["code"] == "DEPARTMENT_TIMEOUT"


def test_health_and_readiness(gateway: GatewayClient) -> None:
    assert httpx.get(f"{gateway.url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{gateway.url}/readyz").json()
    assert ready["ready"] is True
    assert ready["parts"] == {"sql": "up", "cache": "up", "search": "up"}
    assert "licences" in ready["departments"]


def test_every_response_carries_a_request_id(gateway: GatewayClient) -> None:
    response = gateway.http.post(
        f"{gateway.url}/graphql", json={"query": "{ __typename }"}, headers={"X-Request-Id": "req-test-000123"}
    )
    assert response.headers["X-Request-Id"] == "req-test-000123"
