"""Who gets in: tokens from the identity provider, and nothing else."""

from __future__ import annotations

import time

import jwt

from gateway.dev_identity import DevIdentityProvider, subject_for
from tests.support.gateway import GatewayClient

ME = "{ me { profile { name maskedIdNumber } } }"


def _code(body: dict) -> str:
    return body["errors"][0]["extensions"]["code"]


def test_missing_token_is_unauthenticated(gateway: GatewayClient) -> None:
    body = gateway.graphql(ME)
    assert body["data"] is None
    assert _code(body) == "UNAUTHENTICATED"


def test_valid_token_reaches_the_personal_space(gateway: GatewayClient) -> None:
    body = gateway.graphql(ME, as_user="citizen")
    assert "errors" not in body
    assert body["data"]["me"]["profile"]["maskedIdNumber"] == "5301**********3217"


def test_token_signed_by_another_key_is_rejected(gateway: GatewayClient) -> None:
    impostor = DevIdentityProvider.generate(gateway.idp.issuer, gateway.idp.audience)  # same kid, other key
    body = gateway.graphql(ME, token=impostor.mint_for("citizen"))
    assert _code(body) == "UNAUTHENTICATED"
    assert body["errors"][0]["extensions"]["reason"] == "token signature or claims invalid"


def test_expired_token_is_rejected(gateway: GatewayClient) -> None:
    token = gateway.idp.mint(
        {
            "sub": subject_for("citizen"),
            "role": "citizen",
            "exp": int(time.time()) - 3600,
            "iat": int(time.time()) - 7200,
        }
    )
    body = gateway.graphql(ME, token=token)
    assert body["errors"][0]["extensions"]["reason"] == "token expired"


def test_small_clock_skew_is_tolerated(gateway: GatewayClient) -> None:
    token = gateway.idp.mint({"sub": subject_for("citizen"), "role": "citizen", "exp": int(time.time()) - 5})
    body = gateway.graphql(ME, token=token)
    assert "errors" not in body


def test_wrong_audience_and_issuer_are_rejected(gateway: GatewayClient) -> None:
    other_audience = DevIdentityProvider(gateway.idp.private_key, gateway.idp.issuer, "another-app")
    body = gateway.graphql(ME, token=other_audience.mint_for("citizen"))
    assert body["errors"][0]["extensions"]["reason"] == "token audience not accepted"
    other_issuer = DevIdentityProvider(gateway.idp.private_key, "https://evil.example/idp", gateway.idp.audience)
    body = gateway.graphql(ME, token=other_issuer.mint_for("citizen"))
    assert body["errors"][0]["extensions"]["reason"] == "token issuer not accepted"


def test_unsigned_and_garbage_tokens_are_rejected(gateway: GatewayClient) -> None:
    unsigned = jwt.encode({"sub": subject_for("citizen"), "role": "citizen"}, key=None, algorithm="none")
    for token in (unsigned, "not-a-jwt", "a.b.c"):
        assert _code(gateway.graphql(ME, token=token)) == "UNAUTHENTICATED"
    response = gateway.http.post(f"{gateway.url}/graphql", json={"query": ME}, headers={"Authorization": "Basic x"})
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_unknown_role_is_rejected(gateway: GatewayClient) -> None:
    token = gateway.idp.mint({"sub": subject_for("citizen"), "role": "superuser"})
    assert gateway.graphql(ME, token=token)["errors"][0]["extensions"]["reason"] == "token role not recognised"


def test_first_login_provisions_an_account_from_real_name_claims(gateway: GatewayClient) -> None:
    token = gateway.idp.mint(
        {
            "sub": "ynzw-newcomer-0001",
            "role": "citizen",
            "name": "和春花",
            "id_number": "53070219990101002X",
            "phone_number": "13900001111",
            "preferred_username": "newcomer",
        }
    )
    body = gateway.graphql(ME, token=token)
    assert body["data"]["me"]["profile"] == {"name": "和**", "maskedIdNumber": "5307**********002X"}


def test_tokens_never_reach_the_log(gateway: GatewayClient, capfd) -> None:  # type: ignore[no-untyped-def]
    token = gateway.token("citizen")
    gateway.graphql(ME, token=token)
    gateway.graphql(ME, token=token[:-4] + "AAAA")
    captured = capfd.readouterr()
    assert token not in captured.err + captured.out
    assert token.split(".")[2] not in captured.err + captured.out


def test_first_login_with_a_taken_username_still_gets_an_account(gateway: GatewayClient) -> None:
    token = gateway.idp.mint(
        {
            "sub": "ynzw-namesake-0001",
            "role": "citizen",
            "name": "普洱茶",
            "id_number": "530802198805050010",
            "phone_number": "13900002222",
            "preferred_username": "citizen",
        }
    )
    body = gateway.graphql(ME, token=token)
    assert body["data"]["me"]["profile"]["maskedIdNumber"] == "5308**********0010"
