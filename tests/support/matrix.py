"""The authorisation matrix, shared by tests/gateway/test_authorisation_matrix.py and
bench/security_report.py: every id-taking entry point × every role × someone else's ids.

The probes take objects that belong to `citizen` (licences) and to the demo company (its space
and its objects), then ask for them as every other role and as nobody. `staff` holds the
company's licence, case and bill scopes but not ratings, so the company's ratings are probed as
staff without the scope. The agent probes twice: without any consent, then with the owner's
consent for a ticket (the workspace is the only way in; `node` and `_entities` stay closed).
A leak is any answer with data, or any trace of the owner's identifiers in the response text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from gateway.dev_identity import demo_person
from tests.support.agent_consent import granted
from tests.support.gateway import GatewayClient

ROLES = ["citizen", "citizen2", "elder", "legal-rep", "staff", "agent", "clerk", "operator", None]
COMPANY = "91530102MA6K8R2Q1N"
NODE = "query($id: ID!) { node(id: $id) { id __typename } }"
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }"
ENTERPRISE = "query($u: String!) { enterprise(uscc: $u) { companyName company { name } cases { totalCount } } }"


@dataclass
class MatrixResult:
    probes: int = 0
    leaks: int = 0
    # (role, type name) of probes answered without any error: a refusal must say so.
    unrefused: list[tuple[str | None, str]] = field(default_factory=list)


def owned_ids(gateway: GatewayClient) -> dict[str, list[tuple[str, str]]]:
    """node ids by owner: citizen's licences; the company's objects as its legal representative."""
    licences = gateway.graphql("{ me { licences { edges { node { id __typename } } } } }", as_user="citizen")
    company = gateway.graphql(
        "query($u: String!) { enterprise(uscc: $u) { company { id __typename }"
        " cases { edges { node { id __typename } } } bills { edges { node { id __typename } } }"
        " ratings { edges { node { id __typename } } } } }",
        {"u": COMPANY},
        as_user="legal-rep",
    )
    space = company["data"]["enterprise"]
    company_ids = [(space["company"]["id"], space["company"]["__typename"])]
    company_ids += [(e["node"]["id"], e["node"]["__typename"]) for e in space["cases"]["edges"][:2]]
    company_ids += [(e["node"]["id"], e["node"]["__typename"]) for e in (space["bills"] or {"edges": []})["edges"][:2]]
    ratings = [(e["node"]["id"], e["node"]["__typename"]) for e in (space["ratings"] or {"edges": []})["edges"][:2]]
    return {
        "citizen": [(e["node"]["id"], e["node"]["__typename"]) for e in licences["data"]["me"]["licences"]["edges"]],
        "company": company_ids,
        "company-ratings": ratings,
    }


def leaks(body: dict[str, Any], secrets: list[str]) -> bool:
    text = json.dumps(body, ensure_ascii=False)
    return any(secret in text for secret in secrets)


def probe_matrix(gateway: GatewayClient) -> MatrixResult:
    owned = owned_ids(gateway)
    assert all(owned.values()), f"every owner needs objects to probe: {owned}"
    citizen = demo_person("citizen")
    company_secrets = ["滇味香", COMPANY[-6:]]
    secrets = {"citizen": [citizen["id_number"][-6:], citizen["name"]], "company": company_secrets}
    secrets["company-ratings"] = company_secrets
    allowed = {"citizen": {"citizen"}, "company": {"legal-rep", "staff"}, "company-ratings": {"legal-rep"}}
    result = MatrixResult()
    for owner, objects in owned.items():
        probers = [role for role in ROLES if role not in allowed[owner]]
        _probe(gateway, result, objects, probers, secrets[owner])
    # The owner lets the agent in for a ticket: the consent opens the workspace, nothing else.
    granted(gateway, "citizen", ["LICENCES"], title="咨询电子证照")
    _probe(gateway, result, owned["citizen"], ["agent"], secrets["citizen"], label="agent (consent)")
    return result


def _probe(
    gateway: GatewayClient,
    result: MatrixResult,
    objects: list[tuple[str, str]],
    roles: list[str | None],
    secrets: list[str],
    label: str | None = None,
) -> None:
    for node_id, type_name in objects:
        for role in roles:
            for query, variables in (
                (NODE, {"id": node_id}),
                (ENTITIES, {"r": [{"__typename": type_name, "id": node_id}]}),
            ):
                body = gateway.graphql(query, variables, as_user=role)
                result.probes += 1
                data = body.get("data") or {}
                got = data.get("node") if "node" in data else (data.get("_entities") or [None])[0]
                if got is not None or leaks(body, secrets):
                    result.leaks += 1
                if not body.get("errors"):
                    result.unrefused.append((label or role, type_name))
