"""What we own for a person: favourites, preferences, notifications, the access log; and
idempotent writes with result unions."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.support.gateway import GatewayClient

ADD = """
mutation Add($code: String!, $key: String!) {
  addFavourite(itemCode: $code, idempotencyKey: $key) {
    __typename
    ... on FavouriteChanged { itemCode favourited }
    ... on ValidationError { message field code }
    ... on IdempotencyConflict { message idempotencyKey }
  }
}
"""
REMOVE = ADD.replace("Add(", "Remove(").replace("addFavourite", "removeFavourite")
FAVOURITES = "{ me { favourites { totalCount edges { node { itemCode } } } } }"


def key() -> str:
    return f"test-{uuid.uuid4().hex}"


def test_favourites_round_trip(gateway: GatewayClient) -> None:
    k = key()
    body = gateway.graphql(ADD, {"code": "gjj-002", "key": k}, as_user="citizen2")
    assert body["data"]["addFavourite"] == {"__typename": "FavouriteChanged", "itemCode": "GJJ-002", "favourited": True}
    listed = gateway.graphql(FAVOURITES, as_user="citizen2")["data"]["me"]["favourites"]
    assert "GJJ-002" in [e["node"]["itemCode"] for e in listed["edges"]]
    gateway.graphql(REMOVE, {"code": "GJJ-002", "key": key()}, as_user="citizen2")
    listed = gateway.graphql(FAVOURITES, as_user="citizen2")["data"]["me"]["favourites"]
    assert "GJJ-002" not in [e["node"]["itemCode"] for e in listed["edges"]]


def test_same_key_same_input_replays_the_first_result(gateway: GatewayClient) -> None:
    k = key()
    first = gateway.graphql(ADD, {"code": "RS-001", "key": k}, as_user="citizen")
    # In between, the favourite is removed under another key; the replay must not add it again.
    gateway.graphql(REMOVE, {"code": "RS-001", "key": key()}, as_user="citizen")
    again = gateway.graphql(ADD, {"code": "RS-001", "key": k}, as_user="citizen")
    assert again == first
    listed = gateway.graphql(FAVOURITES, as_user="citizen")["data"]["me"]["favourites"]
    assert "RS-001" not in [e["node"]["itemCode"] for e in listed["edges"]]


def test_same_key_other_input_is_a_conflict(gateway: GatewayClient) -> None:
    k = key()
    gateway.graphql(ADD, {"code": "RS-002", "key": k}, as_user="citizen")
    body = gateway.graphql(ADD, {"code": "RS-003", "key": k}, as_user="citizen")
    assert body["data"]["addFavourite"]["__typename"] == "IdempotencyConflict"
    assert body["data"]["addFavourite"]["idempotencyKey"] == k


def test_keys_are_per_person(gateway: GatewayClient) -> None:
    k = key()
    gateway.graphql(ADD, {"code": "MZ-007", "key": k}, as_user="citizen")
    body = gateway.graphql(ADD, {"code": "MZ-013", "key": k}, as_user="elder")
    assert body["data"]["addFavourite"]["__typename"] == "FavouriteChanged"


def test_bad_input_is_a_validation_error(gateway: GatewayClient) -> None:
    body = gateway.graphql(ADD, {"code": "DROP TABLE", "key": key()}, as_user="citizen")
    assert body["data"]["addFavourite"]["__typename"] == "ValidationError"
    assert body["data"]["addFavourite"]["field"] == "itemCode"
    body = gateway.graphql(ADD, {"code": "RS-001", "key": "short"}, as_user="citizen")
    assert body["data"]["addFavourite"]["field"] == "idempotencyKey"


def test_concurrent_writes_and_reads_all_land(gateway: GatewayClient) -> None:
    """Writes race each other and the audit appends of concurrent reads: every one gets its answer
    (none fails on a busy database), and twins sharing one key all get the first one's result."""
    twin = key()

    def call(i: int) -> dict[str, Any]:
        if i % 3 == 0:
            return gateway.graphql("{ me { profile { name } } }", as_user="elder")
        if i % 3 == 1:
            return gateway.graphql(ADD, {"code": f"MZ-{i:03d}", "key": key()}, as_user="citizen2")
        return gateway.graphql(ADD, {"code": "MZ-002", "key": twin}, as_user="citizen2")

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(call, range(36)))
    assert not [a for a in answers if "errors" in a], answers
    writes = [a["data"]["addFavourite"] for i, a in enumerate(answers) if i % 3 == 1]
    assert all(w["__typename"] == "FavouriteChanged" for w in writes)
    twins = [a["data"]["addFavourite"] for i, a in enumerate(answers) if i % 3 == 2]
    assert all(t == twins[0] for t in twins)
    listed = gateway.graphql(FAVOURITES.replace("favourites {", "favourites(first: 50) {"), as_user="citizen2")
    codes = {e["node"]["itemCode"] for e in listed["data"]["me"]["favourites"]["edges"]}
    assert {f"MZ-{i:03d}" for i in range(1, 36, 3)} | {"MZ-002"} <= codes


def test_writes_need_a_caller(gateway: GatewayClient) -> None:
    body = gateway.graphql(ADD, {"code": "RS-001", "key": key()})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_preferences_update(gateway: GatewayClient) -> None:
    mutation = """mutation($key: String!) { updatePreferences(idempotencyKey: $key, clientMode: ELDER) {
        __typename ... on PreferencesUpdated { preferences { clientMode notificationDigest } } } }"""
    try:
        body = gateway.graphql(mutation, {"key": key()}, as_user="elder")
        assert body["data"]["updatePreferences"]["preferences"] == {
            "clientMode": "ELDER",
            "notificationDigest": "INSTANT",
        }
        read = gateway.graphql("{ me { preferences { clientMode } } }", as_user="elder")
        assert read["data"]["me"]["preferences"]["clientMode"] == "ELDER"
    finally:  # other tests expect the elder's default presentation
        gateway.graphql(mutation.replace("ELDER", "STANDARD"), {"key": key()}, as_user="elder")


def test_data_access_log_shows_reads_of_my_data(gateway: GatewayClient) -> None:
    gateway.graphql("{ me { profile { name } licences { totalCount } } }", as_user="citizen2")
    log = gateway.graphql(
        "{ me { dataAccessLog(first: 50) { edges { node { accessor purpose sections outcome } } } } }",
        as_user="citizen2",
    )["data"]["me"]["dataAccessLog"]["edges"]
    entries = [e["node"] for e in log]
    assert any(set(e["sections"]) >= {"profile", "licences"} for e in entries)
    own = [e for e in entries if e["accessor"] == "本人"]
    assert own
    assert all(e["purpose"] == "本人查询" for e in own)
