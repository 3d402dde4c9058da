"""The enterprise space over HTTP with real tokens: who sees which section, nothing leaked, the
registry as the authority, and staff authorisations written through the outbox."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from gateway.dev_identity import subject_for
from schema.types.node import to_global_id
from simulators.enterprise.data import person_key
from simulators.registry import dev_secret
from tests.support.departments import request_counts, signed
from tests.support.gateway import GatewayClient
from tests.support.people import fresh_id_number, fresh_uscc, with_wrong_check_char
from tests.support.stateful import wait_for

COMPANY = "91530102MA6K8R2Q1N"  # legal-rep represents it; staff holds licences, cases, bills
COMPANY_NAME = "昆明滇味香餐饮管理有限公司"
SOLE_PROPRIETORSHIP = "92530111MA6N3T7B45"  # citizen2's 个体工商户
STAFF_ID_NUMBER = "530111199507023826"
LEGAL_REP_ID_NUMBER = "530103197811045713"
DELIVERY_TIMEOUT = 30.0

SPACE = """
query($uscc: String!) {
  enterprise(uscc: $uscc) {
    uscc companyName relation scopes authorisedUntil
    company { id name type status legalRepresentativeName source { system department fetchedAt stale } }
    licences { totalCount edges { node { id typeName holderName maskedNumber status { code } source { system } } } }
    cases { totalCount edges { node { id caseId itemName status submittedByName timeline { status }
                                      source { system } } } }
    ratings { totalCount edges { node { id ratingId level raterName source { system } } } }
    bills(first: 5) { totalCount edges { node { id billId period amountDue status source { system stale } } } }
    billSummary { totalDue outstanding { utilityName amountDue } source { system } }
    staffAuthorisations { totalCount edges { node { id authorisationId staffName scopes status expiresOn } } }
    authorisationRequests { totalCount edges { node { id kind status authorisationId } } }
  }
}
"""

GRANT = """
mutation($uscc: String!, $id: String, $username: String, $name: String, $scopes: [EnterpriseScope!]!,
         $expiresOn: Date!, $key: String!) {
  grantStaffAuthorisation(uscc: $uscc, staffIdNumber: $id, staffUsername: $username, staffName: $name,
                          scopes: $scopes, expiresOn: $expiresOn, idempotencyKey: $key) {
    __typename
    ... on StaffAuthorisationRequest { id kind status uscc companyName staffName scopes expiresOn authorisationId }
    ... on ValidationError { message field code }
    ... on NotAllowed { message code }
    ... on IdempotencyConflict { idempotencyKey code }
  }
}
"""
REVOKE = """
mutation($uscc: String!, $authorisationId: String!, $key: String!) {
  revokeStaffAuthorisation(uscc: $uscc, authorisationId: $authorisationId, idempotencyKey: $key) {
    __typename
    ... on StaffAuthorisationRequest { id kind status authorisationId }
    ... on ValidationError { message field }
    ... on NotAllowed { message code }
    ... on IdempotencyConflict { idempotencyKey }
  }
}
"""
NOTIFICATIONS = "{ me { notifications(first: 100) { edges { node { kind title body objectRef } } } } }"
NODE = """query($id: ID!) { node(id: $id) { id
  ... on EnterpriseCase { caseId } ... on EnterpriseRating { ratingId } ... on EnterpriseBill { billId }
  ... on StaffAuthorisation { authorisationId status } ... on CompanyRegistration { uscc name } } }"""


def key() -> str:
    return f"ent-{uuid.uuid4().hex}"


def in_a_month() -> str:
    return (date.today() + timedelta(days=30)).isoformat()


def space(gateway: GatewayClient, uscc: str = COMPANY, **who: Any) -> dict[str, Any]:
    return gateway.graphql(SPACE, {"uscc": uscc}, **who)


def errors_by_section(body: dict[str, Any]) -> dict[str, str]:
    return {e["path"][-1]: e["extensions"]["code"] for e in body.get("errors", []) if e.get("path")}


@dataclass
class Person:
    """Someone no seeded data knows, logged in once so our store has their account."""

    name: str
    id_number: str
    username: str
    token: str


def new_person(gateway: GatewayClient) -> Person:
    id_number = fresh_id_number()
    username = f"t-{uuid.uuid4().hex[:10]}"
    token = gateway.idp.mint(
        {
            "sub": f"ynzw-test-{uuid.uuid4().hex[:16]}",
            "role": "enterprise_staff",
            "name": "和春燕",
            "id_number": id_number,
            "preferred_username": username,
            "acr": "real-name-l2",
        }
    )
    person = Person("和春燕", id_number, username, token)
    assert gateway.graphql("{ me { profile { name } } }", token=token)["data"]["me"]["profile"]["name"] == "和**"
    return person


def notification_for(gateway: GatewayClient, submission_id: str, **who: Any) -> list[dict[str, Any]]:
    edges = gateway.graphql(NOTIFICATIONS, **who)["data"]["me"]["notifications"]["edges"]
    return [e["node"] for e in edges if e["node"]["objectRef"] == f"submission:{submission_id}"]


def wait_delivered(gateway: GatewayClient, submission_id: str) -> dict[str, Any]:
    """Poll the legal representative's notifications until the outbox has delivered the request."""
    assert wait_for(lambda: bool(notification_for(gateway, submission_id, as_user="legal-rep")), DELIVERY_TIMEOUT)
    [notice] = notification_for(gateway, submission_id, as_user="legal-rep")
    return notice


def registry_grants_of(gateway: GatewayClient, id_number: str) -> list[dict[str, Any]]:
    """The registry's own record, asked directly, as the 电子营业执照 app would see it."""
    base = gateway.simulators["enterprise"]
    response = signed("GET", base, f"/api/v1/companies/{COMPANY}/authorisations?page_size=100", "enterprise")
    staff_key = person_key(dev_secret("enterprise"), id_number)
    return [g for g in response.json()["items"] if g["staff_key"] == staff_key]


def grant(gateway: GatewayClient, person: Person, scopes: list[str], k: str | None = None) -> dict[str, Any]:
    body = gateway.graphql(
        GRANT,
        {"uscc": COMPANY, "username": person.username, "scopes": scopes, "expiresOn": in_a_month(), "key": k or key()},
        as_user="legal-rep",
    )
    return body["data"]["grantStaffAuthorisation"]


def reads_seen(gateway: GatewayClient, system: str) -> int:
    """GET requests that reached a department; the outbox worker's deliveries are POSTs."""
    routes: dict[str, int] = request_counts(gateway.simulators[system])["by_route"]
    return sum(count for route, count in routes.items() if route.startswith("GET "))


@pytest.fixture
def faults(gateway: GatewayClient) -> Iterator[GatewayClient]:
    yield gateway
    for system in ("enterprise", "ratings", "bills"):
        gateway.faults(system)


# -- reading the space -----------------------------------------------------------------------


def test_legal_representative_sees_every_section(gateway: GatewayClient) -> None:
    body = space(gateway, as_user="legal-rep")
    assert "errors" not in body, body["errors"]
    ent = body["data"]["enterprise"]
    assert ent["relation"] == "LEGAL_REPRESENTATIVE"
    assert ent["authorisedUntil"] is None
    assert ent["companyName"] == COMPANY_NAME
    assert "STAFF" in ent["scopes"]
    assert ent["company"]["legalRepresentativeName"] == "王**"
    assert ent["company"]["source"] == {
        "system": "市场主体登记系统",
        "department": "省市场监督管理局",
        "fetchedAt": ent["company"]["source"]["fetchedAt"],
        "stale": False,
    }
    licences = [e["node"] for e in ent["licences"]["edges"]]
    assert "营业执照" in {lic["typeName"] for lic in licences}
    assert all(lic["holderName"] == COMPANY_NAME and "*" in lic["maskedNumber"] for lic in licences)
    for section in ("cases", "ratings", "bills", "staffAuthorisations"):
        assert ent[section]["totalCount"] > 0, section
    assert {e["node"]["source"]["system"] for e in ent["cases"]["edges"]} == {"统一申办受理系统"}
    assert ent["billSummary"]["source"]["system"] == "水电气缴费"
    demo_grant = next(e["node"] for e in ent["staffAuthorisations"]["edges"] if e["node"]["staffName"] == "赵*")
    assert demo_grant["scopes"] == ["BILLS", "CASES", "LICENCES"]
    assert demo_grant["status"] == "ACTIVE"
    # Personal data of the staff who did the company's business is masked, everywhere.
    raters = {e["node"]["raterName"] for e in ent["ratings"]["edges"]}
    assert raters
    assert all("*" in name for name in raters)
    text = json.dumps(body, ensure_ascii=False)
    assert STAFF_ID_NUMBER not in text
    assert "赵敏" not in text
    assert "王志强" not in text


def test_staff_sees_only_the_sections_of_their_scopes(gateway: GatewayClient) -> None:
    before = reads_seen(gateway, "ratings")
    body = space(gateway, as_user="staff")
    ent = body["data"]["enterprise"]
    assert ent["relation"] == "STAFF"
    assert ent["scopes"] == ["BILLS", "CASES", "LICENCES"]
    assert ent["authorisedUntil"] == "2027-12-31"
    for section in ("licences", "cases", "bills", "billSummary", "company"):
        assert ent[section] is not None, section
    assert ent["cases"]["totalCount"] > 0
    refused = errors_by_section(body)
    assert refused == {
        "ratings": "NOT_ALLOWED",
        "staffAuthorisations": "NOT_ALLOWED",
        "authorisationRequests": "NOT_ALLOWED",
    }
    assert ent["ratings"] is None
    assert ent["staffAuthorisations"] is None
    assert ent["authorisationRequests"] is None
    # Refused before the department was asked: nothing of the section exists in the gateway.
    assert reads_seen(gateway, "ratings") == before
    assert "PJ2" not in json.dumps(body)


def test_unbound_callers_get_nothing(gateway: GatewayClient) -> None:
    stranger = space(gateway, fresh_uscc(), as_user="citizen")
    assert stranger["data"]["enterprise"] is None
    refusal = stranger["errors"][0]
    assert refusal["extensions"] == {"code": "NOT_ALLOWED"}
    calls = reads_seen(gateway, "enterprise")
    for user, uscc in [
        ("citizen", COMPANY),
        ("agent", COMPANY),
        ("clerk", COMPANY),
        ("operator", COMPANY),
        ("citizen2", COMPANY),
        ("legal-rep", SOLE_PROPRIETORSHIP),
        ("staff", SOLE_PROPRIETORSHIP),
    ]:
        body = space(gateway, uscc, as_user=user)
        assert body["data"] == {"enterprise": None}, user
        # Word for word the refusal of a company that does not exist: nothing to probe.
        assert [(e["message"], e["extensions"]) for e in body["errors"]] == [
            (refusal["message"], refusal["extensions"])
        ], user
        text = json.dumps(body, ensure_ascii=False)
        assert COMPANY_NAME not in text
        assert "彩云小吃店" not in text
    # Without a binding nobody asks the registry: refusal costs no department call.
    assert reads_seen(gateway, "enterprise") == calls
    anonymous = space(gateway)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_uscc_with_a_wrong_check_character_is_bad_input(gateway: GatewayClient) -> None:
    for value in (with_wrong_check_char(COMPANY), "not-a-uscc"):
        body = gateway.graphql(
            "query($u: String!) { enterprise(uscc: $u) { uscc } }", {"u": value}, as_user="legal-rep"
        )
        assert body["data"] == {"enterprise": None}
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_operator_of_a_sole_proprietorship_has_its_space(gateway: GatewayClient) -> None:
    # citizen2 is a citizen by role; the binding, not the role, opens a company's space.
    query = """query($u: String!) { enterprise(uscc: $u) { relation companyName company { type }
        licences { totalCount } cases { totalCount } } }"""
    body = gateway.graphql(query, {"u": SOLE_PROPRIETORSHIP.lower()}, as_user="citizen2")
    assert "errors" not in body
    ent = body["data"]["enterprise"]
    assert ent["relation"] == "LEGAL_REPRESENTATIVE"
    assert ent["company"]["type"] == "个体工商户"
    assert ent["licences"]["totalCount"] > 0
    assert ent["cases"]["totalCount"] > 0


def test_reads_are_audited_against_the_company(gateway: GatewayClient) -> None:
    space(gateway, as_user="staff")
    now = datetime.now(UTC)
    window = {"since": (now - timedelta(hours=1)).isoformat(), "until": (now + timedelta(minutes=1)).isoformat()}
    export = """query($since: DateTime!, $until: DateTime!, $s: String) {
        auditLog(since: $since, until: $until, dataSubjectId: $s) { actorSubject dataSubjectId sections purpose } }"""
    entries = gateway.graphql(export, {**window, "s": f"e:{COMPANY}"}, as_user="operator")["data"]["auditLog"]
    staff_reads = [e for e in entries if e["actorSubject"] == subject_for("staff")]
    assert staff_reads
    assert all(e["purpose"] == "企业事务办理" and e["dataSubjectId"] == f"e:{COMPANY}" for e in staff_reads), (
        staff_reads
    )
    assert {"company", "licences", "cases", "bills"} <= set(staff_reads[-1]["sections"])
    # What the scopes refused was never read, so the log does not say it was.
    assert all(not {"ratings", "staffAuthorisations"} & set(e["sections"]) for e in staff_reads)


def test_one_department_down_nulls_its_section_only(faults: GatewayClient) -> None:
    gateway = faults
    gateway.faults("ratings", error_rate=1.0)
    # Nobody has read this company's ratings yet, so there is no last good copy to fall back on.
    query = """query($u: String!) { enterprise(uscc: $u) { ratings { totalCount } licences { totalCount }
        cases { totalCount } } }"""
    body = gateway.graphql(query, {"u": SOLE_PROPRIETORSHIP}, as_user="citizen2")
    ent = body["data"]["enterprise"]
    assert ent["ratings"] is None
    assert ent["licences"]["totalCount"] > 0
    assert ent["cases"]["totalCount"] > 0
    [error] = body["errors"]
    assert error["path"] == ["enterprise", "ratings"]
    assert error["extensions"]["code"] == "DEPARTMENT_UNAVAILABLE"
    assert error["extensions"]["retryable"] is True
    # A section read before is served from its last good copy, marked stale. (One section only:
    # a few failed calls more would open the bills breaker for the tests that follow.)
    bills = """query($u: String!) { enterprise(uscc: $u) { bills(first: 1) { edges { node { billId
        source { stale } } } } } }"""
    fresh = gateway.graphql(bills, {"u": COMPANY}, as_user="legal-rep")["data"]["enterprise"]["bills"]["edges"][0]
    gateway.faults("bills", error_rate=1.0)
    body = gateway.graphql(bills, {"u": COMPANY}, as_user="legal-rep")
    assert "errors" not in body
    assert body["data"]["enterprise"]["bills"]["edges"][0] == {
        **fresh,
        "node": {**fresh["node"], "source": {"stale": True}},
    }


def test_objects_by_node_id_follow_the_same_scopes(gateway: GatewayClient) -> None:
    ent = space(gateway, as_user="legal-rep")["data"]["enterprise"]
    case_id = ent["cases"]["edges"][0]["node"]["id"]
    rating_id = ent["ratings"]["edges"][0]["node"]["id"]
    bill_id = ent["bills"]["edges"][0]["node"]["id"]
    grant_id = ent["staffAuthorisations"]["edges"][0]["node"]["id"]
    company_id = ent["company"]["id"]
    every = [case_id, rating_id, bill_id, grant_id, company_id]
    for node_id in every:
        body = gateway.graphql(NODE, {"id": node_id}, as_user="legal-rep")
        assert body["data"]["node"]["id"] == node_id, body
    for node_id, allowed in [
        (case_id, True),
        (bill_id, True),
        (company_id, True),
        (rating_id, False),
        (grant_id, False),
    ]:
        body = gateway.graphql(NODE, {"id": node_id}, as_user="staff")
        assert (body["data"]["node"] is not None) is allowed, node_id
    missing = gateway.graphql(NODE, {"id": to_global_id("EnterpriseCase", "53010220991231999999")}, as_user="citizen")
    for node_id in every:
        body = gateway.graphql(NODE, {"id": node_id}, as_user="citizen")
        assert body["data"]["node"] is None
        assert body["errors"][0]["message"] == missing["errors"][0]["message"]
        assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND"}


# -- staff authorisations --------------------------------------------------------------------


def test_only_the_legal_representative_grants_and_input_is_checked(gateway: GatewayClient) -> None:
    person_id = fresh_id_number()
    ask = {"uscc": COMPANY, "id": person_id, "name": "普洱茶", "scopes": ["CASES"], "expiresOn": in_a_month()}
    for user in ("staff", "citizen", "agent"):
        result = gateway.graphql(GRANT, {**ask, "key": key()}, as_user=user)["data"]["grantStaffAuthorisation"]
        assert result["__typename"] == "NotAllowed", user
    revoke = gateway.graphql(REVOKE, {"uscc": COMPANY, "authorisationId": "SQ00000001", "key": key()}, as_user="staff")
    assert revoke["data"]["revokeStaffAuthorisation"]["__typename"] == "NotAllowed"
    for change, field in [
        ({"id": with_wrong_check_char(person_id)}, "staffIdNumber"),
        ({"uscc": with_wrong_check_char(COMPANY)}, "uscc"),
        ({"expiresOn": "2020-01-01"}, "expiresOn"),
        ({"expiresOn": (date.today() + timedelta(days=6 * 366)).isoformat()}, "expiresOn"),
        ({"scopes": ["STAFF"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"username": "legal-rep"}, "staffIdNumber"),  # both ways of naming the person at once
        ({"id": None}, "staffIdNumber"),  # neither
        ({"id": LEGAL_REP_ID_NUMBER}, "staffIdNumber"),  # oneself
        ({"id": fresh_id_number(), "name": None}, "staffName"),  # unknown to us, and no name
        ({"id": None, "username": "nobody-here"}, "staffUsername"),
    ]:
        result = gateway.graphql(GRANT, {**ask, **change, "key": key()}, as_user="legal-rep")
        member = result["data"]["grantStaffAuthorisation"]
        assert (member["__typename"], member.get("field")) == ("ValidationError", field), (change, member)
    # Nothing of those was queued: the registry never heard of the person.
    assert registry_grants_of(gateway, person_id) == []


def test_grant_then_revoke_through_the_outbox(gateway: GatewayClient) -> None:
    person = new_person(gateway)
    assert space(gateway, token=person.token)["data"]["enterprise"] is None

    k = key()
    first = grant(gateway, person, ["CASES"], k)
    assert first["__typename"] == "StaffAuthorisationRequest"
    assert first["status"] == "PENDING"
    assert first["kind"] == "GRANT"
    assert first["authorisationId"] is None
    assert first["staffName"] == "和**"
    assert first["scopes"] == ["CASES"]
    assert first["companyName"] == COMPANY_NAME
    assert grant(gateway, person, ["CASES"], k) == first  # the same key and input: the first answer
    conflict = grant(gateway, person, ["CASES", "BILLS"], k)
    assert conflict == {"__typename": "IdempotencyConflict", "idempotencyKey": k, "code": "IDEMPOTENCY_CONFLICT"}

    notice = wait_delivered(gateway, first["id"])
    assert notice["title"] == "员工授权已生效"
    assert "和**" in notice["body"]
    [made] = registry_grants_of(gateway, person.id_number)
    assert made["scopes"] == ["cases"]
    assert made["status"] == "有效"

    # Our binding followed the registry: the new staff member sees the cases, and only them.
    body = space(gateway, token=person.token)
    ent = body["data"]["enterprise"]
    assert ent["relation"] == "STAFF"
    assert ent["scopes"] == ["CASES"]
    assert ent["cases"]["totalCount"] > 0
    assert ent["licences"] is None
    assert ent["bills"] is None
    assert errors_by_section(body)["licences"] == "NOT_ALLOWED"
    told = gateway.graphql(NOTIFICATIONS, token=person.token)["data"]["me"]["notifications"]["edges"]
    assert [n["node"]["kind"] for n in told] == ["enterprise_authorised"]

    listing = space(gateway, as_user="legal-rep")["data"]["enterprise"]
    mine = next(
        e["node"] for e in listing["staffAuthorisations"]["edges"] if e["node"]["authorisationId"] == made["grant_id"]
    )
    assert mine["status"] == "ACTIVE"
    assert mine["staffName"] == "和**"
    request = next(e["node"] for e in listing["authorisationRequests"]["edges"] if e["node"]["id"] == first["id"])
    assert request["status"] == "DELIVERED"
    assert request["authorisationId"] == made["grant_id"]

    k2 = key()
    revoke = {"uscc": COMPANY, "authorisationId": mine["id"], "key": k2}
    revoked = gateway.graphql(REVOKE, revoke, as_user="legal-rep")["data"]["revokeStaffAuthorisation"]
    assert revoked["status"] == "PENDING"
    assert revoked["authorisationId"] == made["grant_id"]
    assert gateway.graphql(REVOKE, revoke, as_user="legal-rep")["data"]["revokeStaffAuthorisation"] == revoked
    other = gateway.graphql(REVOKE, {**revoke, "authorisationId": "SQ99999999"}, as_user="legal-rep")
    assert other["data"]["revokeStaffAuthorisation"]["__typename"] == "IdempotencyConflict"

    assert wait_delivered(gateway, revoked["id"])["title"] == "员工授权已撤销"
    assert [g["status"] for g in registry_grants_of(gateway, person.id_number)] == ["已撤销"]
    gone = space(gateway, token=person.token)
    assert gone["data"]["enterprise"] is None
    assert gone["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"


def test_a_revocation_at_the_registry_stops_access(gateway: GatewayClient) -> None:
    person = new_person(gateway)
    wait_delivered(gateway, grant(gateway, person, ["BILLS"])["id"])
    assert space(gateway, token=person.token)["data"]["enterprise"]["scopes"] == ["BILLS"]
    # Revoked in the 电子营业执照 app, not through us: our binding still says yes.
    [made] = registry_grants_of(gateway, person.id_number)
    base = gateway.simulators["enterprise"]
    path = f"/api/v1/companies/{COMPANY}/authorisations/{made['grant_id']}/revoke"
    signed("POST", base, path, "enterprise", json={"revoked_by_id_number": LEGAL_REP_ID_NUMBER}).raise_for_status()

    body = space(gateway, token=person.token)
    assert body["data"]["enterprise"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
    # The stale binding was dropped on the way: the next refusal needs no registry call.
    calls = reads_seen(gateway, "enterprise")
    assert space(gateway, token=person.token)["data"]["enterprise"] is None
    assert reads_seen(gateway, "enterprise") == calls


def test_a_grant_during_a_registry_outage_is_delivered_once_afterwards(faults: GatewayClient) -> None:
    gateway = faults
    person = new_person(gateway)
    space(gateway, as_user="legal-rep")  # a last good registry answer, for reading during the outage
    route = f"POST /api/v1/companies/{COMPANY}/authorisations"
    base = gateway.simulators["enterprise"]
    attempts_before = request_counts(base)["by_route"].get(route, 0)
    gateway.faults("enterprise", error_rate=1.0)

    result = grant(gateway, person, ["LICENCES", "CASES"])
    assert result["__typename"] == "StaffAuthorisationRequest"
    assert result["status"] == "PENDING"
    # The worker tries, the registry fails; the request waits.
    assert wait_for(lambda: request_counts(base)["by_route"].get(route, 0) > attempts_before, DELIVERY_TIMEOUT)
    during = space(gateway, as_user="legal-rep")["data"]["enterprise"]
    assert during["company"]["source"]["stale"] is True
    pending = next(e["node"] for e in during["authorisationRequests"]["edges"] if e["node"]["id"] == result["id"])
    assert pending["status"] == "PENDING"
    assert notification_for(gateway, result["id"], as_user="legal-rep") == []

    gateway.faults("enterprise")
    notice = wait_delivered(gateway, result["id"])
    assert notice["title"] == "员工授权已生效"
    [made] = registry_grants_of(gateway, person.id_number)  # exactly one grant, however many attempts
    assert made["scopes"] == ["cases", "licences"]
    assert len(notification_for(gateway, result["id"], as_user="legal-rep")) == 1
    assert space(gateway, token=person.token)["data"]["enterprise"]["scopes"] == ["CASES", "LICENCES"]
