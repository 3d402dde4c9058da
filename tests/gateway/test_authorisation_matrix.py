"""Who sees what: every id-taking entry point × every role × someone else's ids → nothing leaks.

The probes take objects that belong to `citizen` (licences) and to the demo company (its space
and its objects), then ask for them as every other role and as nobody. A leak is any answer
with data, or any trace of the owner's identifiers in the response text.
"""

from __future__ import annotations

import json

from gateway.dev_identity import demo_person
from tests.support.gateway import GatewayClient

ROLES = ["citizen", "citizen2", "elder", "legal-rep", "staff", "agent", "clerk", "operator", None]
COMPANY = "91530102MA6K8R2Q1N"
NODE = "query($id: ID!) { node(id: $id) { id __typename } }"
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }"
ENTERPRISE = "query($u: String!) { enterprise(uscc: $u) { companyName company { name } cases { totalCount } } }"


def _owned_ids(gateway: GatewayClient) -> dict[str, list[tuple[str, str]]]:
    """node ids by owner: citizen's licences; the company's objects as its legal representative."""
    licences = gateway.graphql("{ me { licences { edges { node { id __typename } } } } }", as_user="citizen")
    company = gateway.graphql(
        "query($u: String!) { enterprise(uscc: $u) { company { id __typename }"
        " cases { edges { node { id __typename } } } bills { edges { node { id __typename } } } } }",
        {"u": COMPANY},
        as_user="legal-rep",
    )
    space = company["data"]["enterprise"]
    company_ids = [(space["company"]["id"], space["company"]["__typename"])]
    company_ids += [(e["node"]["id"], e["node"]["__typename"]) for e in space["cases"]["edges"][:2]]
    company_ids += [(e["node"]["id"], e["node"]["__typename"]) for e in (space["bills"] or {"edges": []})["edges"][:2]]
    return {
        "citizen": [(e["node"]["id"], e["node"]["__typename"]) for e in licences["data"]["me"]["licences"]["edges"]],
        "company": company_ids,
    }


def _leaks(body: dict, secrets: list[str]) -> bool:
    text = json.dumps(body, ensure_ascii=False)
    return any(secret in text for secret in secrets)


def test_no_role_reads_anothers_objects(gateway: GatewayClient) -> None:
    owned = _owned_ids(gateway)
    citizen = demo_person("citizen")
    secrets = {"citizen": [citizen["id_number"][-6:], citizen["name"]], "company": ["滇味香", COMPANY[-6:]]}
    allowed = {"citizen": {"citizen"}, "company": {"legal-rep", "staff"}}
    probes = leaks = 0
    for owner, objects in owned.items():
        for node_id, type_name in objects:
            for role in ROLES:
                if role in allowed[owner]:
                    continue
                for query, variables in (
                    (NODE, {"id": node_id}),
                    (ENTITIES, {"r": [{"__typename": type_name, "id": node_id}]}),
                ):
                    body = gateway.graphql(query, variables, as_user=role)
                    probes += 1
                    data = body.get("data") or {}
                    got = data.get("node") if "node" in data else (data.get("_entities") or [None])[0]
                    if got is not None or _leaks(body, secrets[owner]):
                        leaks += 1
                    assert body.get("errors"), (role, type_name)
    assert probes >= 100
    assert leaks == 0


def test_no_role_opens_anothers_enterprise_space(gateway: GatewayClient) -> None:
    for role in ["citizen", "citizen2", "elder", "agent", "clerk", "operator", None]:
        body = gateway.graphql(ENTERPRISE, {"u": COMPANY}, as_user=role)
        assert body["data"] is None or body["data"]["enterprise"] is None, role
        assert body["errors"][0]["extensions"]["code"] in ("NOT_ALLOWED", "UNAUTHENTICATED"), role
        assert not _leaks(body, ["滇味香", "王志强"]), role


def test_me_is_always_the_callers_own(gateway: GatewayClient) -> None:
    query = "{ me { profile { maskedIdNumber } licences { edges { node { holderName } } } } }"
    for role in [r for r in ROLES if r]:
        person = demo_person(role)
        body = gateway.graphql(query, as_user=role)
        profile = body["data"]["me"]["profile"]
        assert profile["maskedIdNumber"].endswith(person["id_number"][-4:])
        for edge in (body["data"]["me"]["licences"] or {"edges": []})["edges"]:
            assert edge["node"]["holderName"][0] == person["name"][0]
