"""node(id): the same authorisation as the list that shows the object; nothing leaks."""

from __future__ import annotations

import httpx

from kit import signing
from schema.types.node import to_global_id
from simulators.registry import dev_secret
from tests.support.gateway import GatewayClient

DEMO_COMPANY = "91530102MA6K8R2Q1N"
NODE = "query($id: ID!) { node(id: $id) { id ... on Licence { licenceId typeName holderName maskedNumber } } }"


def _first_licence(gateway: GatewayClient, user: str) -> dict:
    body = gateway.graphql("{ me { licences { edges { node { id licenceId } } } } }", as_user=user)
    return body["data"]["me"]["licences"]["edges"][0]["node"]


def test_own_licence_by_node_id(gateway: GatewayClient) -> None:
    licence = _first_licence(gateway, "citizen")
    body = gateway.graphql(NODE, {"id": licence["id"]}, as_user="citizen")
    assert body["data"]["node"]["licenceId"] == licence["licenceId"]
    assert body["data"]["node"]["holderName"] == "李**"


def test_someone_elses_licence_looks_like_a_missing_one(gateway: GatewayClient) -> None:
    licence = _first_licence(gateway, "citizen")
    stolen = gateway.graphql(NODE, {"id": licence["id"]}, as_user="citizen2")
    missing = gateway.graphql(NODE, {"id": to_global_id("Licence", "1.2.156.3005.2.X.Y.0.001.1")}, as_user="citizen2")
    assert stolen["data"]["node"] is None
    assert stolen["errors"][0]["message"] == missing["errors"][0]["message"]
    assert stolen["errors"][0]["extensions"] == missing["errors"][0]["extensions"] == {"code": "NOT_FOUND"}


def _company_licence_ids(gateway: GatewayClient) -> list[str]:
    base = gateway.simulators["licences"]
    path = f"/api/v1/licences?holder_id={DEMO_COMPANY}&holder_id_type=001"
    headers = signing.sign(dev_secret("licences"), "GET", path, b"", "citizen-space")
    return [item["licence_id"] for item in httpx.get(base + path, headers=headers).json()["items"]]


def test_company_licence_needs_a_binding_with_scope(gateway: GatewayClient) -> None:
    licence_ids = _company_licence_ids(gateway)
    assert licence_ids
    node_id = to_global_id("Licence", licence_ids[0])
    for user in ("legal-rep", "staff"):  # staff holds the "licences" scope
        body = gateway.graphql(NODE, {"id": node_id}, as_user=user)
        assert body["data"]["node"]["licenceId"] == licence_ids[0], user
    for user in ("citizen", "agent", "clerk"):
        body = gateway.graphql(NODE, {"id": node_id}, as_user=user)
        assert body["data"]["node"] is None, user
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    unauthenticated = gateway.graphql(NODE, {"id": node_id})
    assert unauthenticated["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_malformed_node_id_is_a_user_error(gateway: GatewayClient) -> None:
    body = gateway.graphql(NODE, {"id": "%%%not-base64"}, as_user="citizen")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
