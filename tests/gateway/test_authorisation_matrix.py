"""Who sees what: every id-taking entry point × every role × someone else's ids → nothing leaks.

Roles: citizen, citizen2, elder, legal representative, staff (with scopes, and without the
ratings scope for the company's ratings), agent (without consent, then with the owner's
consent for a ticket), clerk, operator and nobody; the probes are in tests/support/matrix.py.
"""

from __future__ import annotations

from gateway.dev_identity import demo_person
from tests.support.gateway import GatewayClient
from tests.support.matrix import COMPANY, ENTERPRISE, ROLES, leaks, probe_matrix


def test_no_role_reads_anothers_objects(gateway: GatewayClient) -> None:
    result = probe_matrix(gateway)
    assert result.unrefused == []
    assert result.probes >= 100
    assert result.leaks == 0


def test_no_role_opens_anothers_enterprise_space(gateway: GatewayClient) -> None:
    for role in ["citizen", "citizen2", "elder", "agent", "clerk", "operator", None]:
        body = gateway.graphql(ENTERPRISE, {"u": COMPANY}, as_user=role)
        assert body["data"] is None or body["data"]["enterprise"] is None, role
        assert body["errors"][0]["extensions"]["code"] in ("NOT_ALLOWED", "UNAUTHENTICATED"), role
        assert not leaks(body, ["滇味香", "王志强"]), role


def test_me_is_always_the_callers_own(gateway: GatewayClient) -> None:
    query = "{ me { profile { maskedIdNumber } licences { edges { node { holderName } } } } }"
    for role in [r for r in ROLES if r]:
        person = demo_person(role)
        body = gateway.graphql(query, as_user=role)
        profile = body["data"]["me"]["profile"]
        assert profile["maskedIdNumber"].endswith(person["id_number"][-4:])
        for edge in (body["data"]["me"]["licences"] or {"edges": []})["edges"]:
            assert edge["node"]["holderName"][0] == person["name"][0]
