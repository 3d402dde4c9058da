"""Scan-to-show (扫码亮证): holder issues, clerk verifies once, only the chosen fields."""

from __future__ import annotations

import base64
import time

from personal_space.licence_show import sign_token
from tests.support.gateway import GatewayClient

ISSUE = """
mutation($id: String!, $fields: [LicenceField!]!, $purpose: String!, $ttl: Int!) {
  issueLicenceShowToken(licenceId: $id, fields: $fields, purpose: $purpose, ttlSeconds: $ttl) {
    __typename
    ... on LicenceShowToken { token expiresAt licenceType fields qrSvg qrPngBase64 textAlternative }
    ... on ValidationError { field message }
    ... on NotAllowed { message }
  }
}
"""
VERIFY = """
mutation($token: String!) {
  verifyLicenceShowToken(token: $token) {
    __typename
    ... on LicenceShowVerification { licenceType status valid purpose watermark fields { field label value } }
    ... on ShowTokenRejected { code message }
    ... on NotAllowed { message }
  }
}
"""


def _licence(gateway: GatewayClient, user: str, type_name: str) -> str:
    body = gateway.graphql("{ me { licences { edges { node { licenceId typeName } } } } }", as_user=user)
    return next(
        e["node"]["licenceId"] for e in body["data"]["me"]["licences"]["edges"] if e["node"]["typeName"] == type_name
    )


def _issue(gateway: GatewayClient, user: str = "citizen", **overrides: object) -> dict:
    variables = {
        "id": _licence(gateway, "citizen", "机动车驾驶证"),
        "fields": ["TYPE", "HOLDER_NAME", "VALIDITY"],
        "purpose": "租车身份核验",
        "ttl": 120,
        **overrides,
    }
    return gateway.graphql(ISSUE, variables, as_user=user)["data"]["issueLicenceShowToken"]


def test_issue_and_verify_once(gateway: GatewayClient) -> None:
    issued = _issue(gateway)
    assert issued["__typename"] == "LicenceShowToken"
    assert issued["licenceType"] == "机动车驾驶证"
    assert issued["qrSvg"].startswith("data:image/svg+xml")
    assert base64.b64decode(issued["qrPngBase64"])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "二维码" in issued["textAlternative"]
    verified = gateway.graphql(VERIFY, {"token": issued["token"]}, as_user="clerk")["data"]["verifyLicenceShowToken"]
    assert verified["__typename"] == "LicenceShowVerification"
    assert verified["valid"] is True
    assert [f["field"] for f in verified["fields"]] == ["TYPE", "HOLDER_NAME", "VALIDITY"]
    assert {f["value"] for f in verified["fields"]} >= {"机动车驾驶证", "李建华"}
    assert "NUMBER" not in str(verified["fields"])  # the number was not chosen, so it is not there
    assert "租车身份核验" in verified["watermark"]
    assert "陈**" in verified["watermark"]
    again = gateway.graphql(VERIFY, {"token": issued["token"]}, as_user="clerk")["data"]["verifyLicenceShowToken"]
    assert again == {"__typename": "ShowTokenRejected", "code": "SHOW_TOKEN_USED", "message": again["message"]}


def test_holder_is_told_and_the_read_is_in_the_access_log(gateway: GatewayClient) -> None:
    issued = _issue(gateway, purpose="酒店入住登记")
    gateway.graphql(VERIFY, {"token": issued["token"]}, as_user="clerk")
    me = gateway.graphql(
        "{ me { notifications(first: 5) { edges { node { title body } } }"
        " dataAccessLog(first: 5) { edges { node { accessorRole purpose sections } } } } }",
        as_user="citizen",
    )["data"]["me"]
    assert any(
        "已被核验" in e["node"]["title"] and "酒店入住登记" in e["node"]["body"] for e in me["notifications"]["edges"]
    )
    assert any(
        e["node"]["accessorRole"] == "窗口工作人员" and "酒店入住登记" in e["node"]["purpose"]
        for e in me["dataAccessLog"]["edges"]
    )


def test_tampered_and_forged_tokens_are_refused(gateway: GatewayClient) -> None:
    token = _issue(gateway)["token"]
    prefix, nonce, expires, signature = token.split(".")
    longer = f"{prefix}.{nonce}.{int(expires) + 3600}.{signature}"
    for bad in (longer, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "garbage", ""):
        verdict = gateway.graphql(VERIFY, {"token": bad}, as_user="clerk")["data"]["verifyLicenceShowToken"]
        assert verdict["code"] == "SHOW_TOKEN_INVALID", bad


def test_expired_token_is_refused(gateway: GatewayClient) -> None:
    # A correctly signed token whose time has passed (signed with the test deployment's key).
    expired = sign_token(b"dev-only-show-token-key-change-me", "0" * 32, int(time.time()) - 5)
    verdict = gateway.graphql(VERIFY, {"token": expired}, as_user="clerk")["data"]["verifyLicenceShowToken"]
    assert verdict["code"] == "SHOW_TOKEN_EXPIRED"


def test_only_clerks_verify(gateway: GatewayClient) -> None:
    token = _issue(gateway)["token"]
    for user in ("citizen", "citizen2", "agent", "operator"):
        verdict = gateway.graphql(VERIFY, {"token": token}, as_user=user)["data"]["verifyLicenceShowToken"]
        assert verdict["__typename"] == "NotAllowed", user
    # The refusals did not use the token up.
    ok = gateway.graphql(VERIFY, {"token": token}, as_user="clerk")["data"]["verifyLicenceShowToken"]
    assert ok["__typename"] == "LicenceShowVerification"


def test_only_the_holder_issues_and_limits_hold(gateway: GatewayClient) -> None:
    assert _issue(gateway, user="citizen2")["__typename"] == "NotAllowed"
    assert _issue(gateway, ttl=301)["field"] == "ttlSeconds"
    assert _issue(gateway, fields=[])["field"] == "fields"
    assert _issue(gateway, purpose="x")["field"] == "purpose"
