"""What we own of a person is read from the database once per generation in queries: the next
read after any change of theirs (their own write, a delivery by the outbox worker) sees it."""

from __future__ import annotations

import re
import uuid
from typing import Any

from tests.support.gateway import ADD_FAVOURITE, GatewayClient, newcomer_token

OWNED = """{ me { preferences { clientMode }
  favourites(first: 100) { edges { node { itemCode } } }
  notifications(first: 100) { totalCount }
  submissions(first: 100) { totalCount edges { node { id status } } }
  timeline(first: 100) { entries { edges { node { kind title status } } } } } }"""
# Build the answer afresh: the whole-answer cache would otherwise answer before the resolvers run.
FRESH = {"Cache-Control": "no-cache"}
PREFERENCES = """mutation($key: String!, $mode: ClientModeEnum!) {
  updatePreferences(idempotencyKey: $key, clientMode: $mode) { __typename } }"""
SUBMIT = """mutation($key: String!) {
  submitWorkOrder(kind: SUGGESTION, title: "建议延长政务大厅周末办理时间",
                  content: "周末办事人多，建议周六全天开放。", idempotencyKey: $key) {
    __typename ... on SubmissionAccepted { submission { id } } } }"""


ISSUE = """mutation($id: String!, $fields: [LicenceField!]!, $purpose: String!, $ttl: Int!) {
  issueLicenceShowToken(licenceId: $id, fields: $fields, purpose: $purpose, ttlSeconds: $ttl) {
    __typename ... on LicenceShowToken { token } } }"""
VERIFY = """mutation($token: String!) {
  verifyLicenceShowToken(token: $token) { __typename } }"""


def owned_outcomes(client: GatewayClient) -> dict[str, float]:
    text = client.http.get(f"{client.url}/metrics").text
    return {m[0]: float(m[1]) for m in re.findall(r'^owned_cache_total\{outcome="(\w+)"\} (\S+)$', text, re.M)}


def newcomer(client: GatewayClient, index: int) -> str:
    """Someone no other test reads: their department sections are left as other tests expect."""
    return newcomer_token(client.idp, 20 + index)


def read(client: GatewayClient, token: str) -> dict[str, Any]:
    body = client.graphql(OWNED, token=token, headers=FRESH)
    assert "errors" not in body, body
    me: dict[str, Any] = body["data"]["me"]
    return me


def favourite(client: GatewayClient, token: str, mutation: str = "addFavourite") -> str:
    code = f"GA-{uuid.uuid4().int % 900 + 100}"
    query = ADD_FAVOURITE.replace("addFavourite", mutation)
    done = client.graphql(query, {"c": code, "k": f"fav-{uuid.uuid4().hex}"}, token=token)
    assert done["data"][mutation]["__typename"] == "FavouriteChanged", done
    return code


def codes(me: dict[str, Any]) -> list[str]:
    return [e["node"]["itemCode"] for e in me["favourites"]["edges"]]


def show_status(me: dict[str, Any], purpose: str) -> str | None:
    shows = [e["node"] for e in me["timeline"]["entries"]["edges"] if e["node"]["kind"] == "LICENCE_SHOW"]
    return next((s["status"] for s in shows if purpose in s["title"]), None)


def test_a_second_read_comes_from_the_cache(gateway: GatewayClient) -> None:
    token = newcomer(gateway, 1)
    first = read(gateway, token)
    before = owned_outcomes(gateway)
    again = read(gateway, token)
    after = owned_outcomes(gateway)
    assert again == first
    # preferences, favourites, notifications, submissions, licence shows
    assert after.get("hit", 0) - before.get("hit", 0) == 5, (before, after)
    assert after.get("miss", 0) == before.get("miss", 0)


def test_each_change_of_mine_is_in_my_next_read(gateway: GatewayClient) -> None:
    token = newcomer(gateway, 2)
    read(gateway, token)
    code = favourite(gateway, token)
    assert code in codes(read(gateway, token))
    removed = gateway.graphql(
        ADD_FAVOURITE.replace("addFavourite", "removeFavourite"),
        {"c": code, "k": f"rm-{uuid.uuid4().hex}"},
        token=token,
    )
    assert removed["data"]["removeFavourite"]["__typename"] == "FavouriteChanged", removed
    assert code not in codes(read(gateway, token))

    for mode in ("ELDER", "STANDARD"):
        changed = gateway.graphql(PREFERENCES, {"key": f"pref-{uuid.uuid4().hex}", "mode": mode}, token=token)
        assert changed["data"]["updatePreferences"]["__typename"] == "PreferencesUpdated", changed
        assert read(gateway, token)["preferences"]["clientMode"] == mode

    before = read(gateway, token)["submissions"]
    accepted = gateway.graphql(SUBMIT, {"key": f"sub-{uuid.uuid4().hex}"}, token=token)
    submission = accepted["data"]["submitWorkOrder"]["submission"]["id"]
    after = read(gateway, token)["submissions"]
    assert after["totalCount"] == before["totalCount"] + 1
    assert submission in [e["node"]["id"] for e in after["edges"]]


def test_a_licence_show_and_its_verification_are_in_the_next_timeline(gateway: GatewayClient) -> None:
    token = newcomer(gateway, 3)
    licences = gateway.graphql("{ me { licences { edges { node { licenceId } } } } }", token=token)
    licence = licences["data"]["me"]["licences"]["edges"][0]["node"]["licenceId"]
    purpose = f"核验测试{uuid.uuid4().hex[:6]}"
    read(gateway, token)
    issued = gateway.graphql(ISSUE, {"id": licence, "fields": ["TYPE"], "purpose": purpose, "ttl": 120}, token=token)[
        "data"
    ]["issueLicenceShowToken"]
    assert issued["__typename"] == "LicenceShowToken", issued
    assert show_status(read(gateway, token), purpose) == "待核验"
    # The clerk's verification is a bulk UPDATE outside the unit of work's rows.
    verified = gateway.graphql(VERIFY, {"token": issued["token"]}, as_user="clerk")["data"]["verifyLicenceShowToken"]
    assert verified["__typename"] == "LicenceShowVerification", verified
    assert show_status(read(gateway, token), purpose) == "已核验"


def test_reads_of_other_people_are_never_shared(gateway: GatewayClient) -> None:
    mine, theirs = newcomer(gateway, 4), newcomer(gateway, 5)
    code = favourite(gateway, mine)
    read(gateway, mine)
    assert code not in codes(read(gateway, theirs))
    assert code in codes(read(gateway, mine))
