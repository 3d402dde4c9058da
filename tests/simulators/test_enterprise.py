"""The enterprise registry simulator over HTTP: companies, legal representatives, authorisations."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from kit import signing
from simulators.common.population import Company, population
from tests.support.departments import HTTP, signed
from tests.support.people import fresh_id_number, fresh_uscc, with_wrong_check_char
from tests.support.stateful import new_key

DEMO_USCC = "91530102MA6K8R2Q1N"
LEGAL_REP_ID = "530103197811045713"  # 王志强
STAFF_ID = "530111199507023826"  # 赵敏


def call(base: str, method: str, path: str, body: Any = None, key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else None
    return signed(method, base, path, "enterprise", json=body, headers=headers)


def active_company() -> Company:
    """A generated company still in business, whose representative no test uses elsewhere."""
    demo_ids = {p.id_number for p in population().demo_people.values()}
    return next(c for c in population().companies if c.status == "存续" and c.legal_representative_id not in demo_ids)


def grant_body(company: Company, staff_id: str, scopes: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "staff_name": "测试经办人",
        "staff_id_number": staff_id,
        "scopes": scopes,
        "expires_on": (date.today() + timedelta(days=365)).isoformat(),
        "granted_by_id_number": company.legal_representative_id,
        **extra,
    }


@pytest.fixture
def base(simulator_urls: dict[str, str]) -> str:
    return simulator_urls["enterprise"]


def test_company_by_uscc_names_the_legal_representative_by_key_only(base: str) -> None:
    response = call(base, "GET", f"/api/v1/companies/{DEMO_USCC}")
    assert response.status_code == 200
    company = response.json()
    assert company["name"] == "昆明滇味香餐饮管理有限公司"
    assert company["legal_representative"]["name"] == "王志强"
    assert len(company["legal_representative"]["person_key"]) == 32
    assert LEGAL_REP_ID not in response.text
    assert company["status"] == "存续"
    assert company["registered_capital"] == "200万元人民币"
    assert company["registration_authority"] == "昆明市市场监督管理局"
    assert "餐饮服务" in company["business_scope"]


def test_invalid_check_digit_is_a_400_and_unknown_company_a_404(base: str) -> None:
    bad = call(base, "GET", f"/api/v1/companies/{with_wrong_check_char(DEMO_USCC)}")
    assert bad.status_code == 400
    assert bad.json()["code"] == "INVALID_USCC"
    assert call(base, "GET", f"/api/v1/companies/{fresh_uscc()}").status_code == 404


def test_companies_of_a_legal_representative_carry_no_identity_numbers(base: str) -> None:
    response = call(base, "GET", f"/api/v1/companies?legal_representative_id={LEGAL_REP_ID}")
    page = response.json()
    assert [c["uscc"] for c in page["items"]] == [DEMO_USCC]
    assert LEGAL_REP_ID not in response.text
    assert "person_key" not in response.text
    citizen2 = call(base, "GET", "/api/v1/companies?legal_representative_id=532901199206182420").json()
    assert [c["type"] for c in citizen2["items"]] == ["个体工商户"]
    nobody = call(base, "GET", f"/api/v1/companies?legal_representative_id={fresh_id_number()}").json()
    assert nobody["total"] == 0


def test_demo_staff_is_authorised_for_licences_cases_and_bills(base: str) -> None:
    grants = call(base, "GET", f"/api/v1/companies/{DEMO_USCC}/authorisations?status={quote('有效')}")
    assert grants.status_code == 200, grants.text
    [zhao] = [g for g in grants.json()["items"] if g["staff_name"] == "赵敏"]
    assert zhao["scopes"] == ["bills", "cases", "licences"]
    assert zhao["expires_on"] == "2027-12-31"
    assert zhao["granted_by_name"] == "王志强"
    assert zhao["granted_by_role"] == "法定代表人"
    assert STAFF_ID not in grants.text
    mine = call(base, "GET", f"/api/v1/authorisations?staff_id={STAFF_ID}").json()
    assert [g["uscc"] for g in mine["items"]] == [DEMO_USCC]


def test_grant_is_idempotent_by_key(base: str) -> None:
    company = active_company()
    body = grant_body(company, fresh_id_number(), ["licences", "bills"])
    key = new_key()
    path = f"/api/v1/companies/{company.uscc}/authorisations"
    first = call(base, "POST", path, body, key)
    assert first.status_code == 201, first.text
    again = call(base, "POST", path, body, key)
    assert again.status_code == 200
    assert again.json()["grant_id"] == first.json()["grant_id"]
    listed = [
        g
        for g in call(base, "GET", path + "?page_size=100").json()["items"]
        if g["grant_id"] == first.json()["grant_id"]
    ]
    assert len(listed) == 1
    other = call(base, "POST", path, {**body, "scopes": ["cases"]}, key)
    assert other.status_code == 422
    assert other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert call(base, "POST", path, body).json()["code"] == "IDEMPOTENCY_KEY_REQUIRED"


def test_only_the_legal_representative_or_an_administrator_grants(base: str) -> None:
    company = active_company()
    path = f"/api/v1/companies/{company.uscc}/authorisations"
    stranger = call(
        base,
        "POST",
        path,
        grant_body(company, fresh_id_number(), ["cases"], granted_by_id_number=fresh_id_number()),
        new_key(),
    )
    assert stranger.status_code == 403
    assert stranger.json()["code"] == "NOT_AUTHORISED"
    admin_id, clerk_id = fresh_id_number(), fresh_id_number()
    made = call(base, "POST", path, grant_body(company, admin_id, ["staff", "cases"]), new_key())
    assert made.status_code == 201
    by_admin = call(
        base, "POST", path, grant_body(company, clerk_id, ["cases"], granted_by_id_number=admin_id), new_key()
    )
    assert by_admin.status_code == 201, by_admin.text
    assert by_admin.json()["granted_by_role"] == "管理员"
    promote = call(
        base, "POST", path, grant_body(company, clerk_id, ["staff"], granted_by_id_number=admin_id), new_key()
    )
    assert promote.json()["code"] == "ONLY_LEGAL_REP_APPOINTS_ADMIN"


def test_regrant_replaces_and_revoke_is_idempotent(base: str) -> None:
    company = active_company()
    staff_id = fresh_id_number()
    path = f"/api/v1/companies/{company.uscc}/authorisations"
    first = call(base, "POST", path, grant_body(company, staff_id, ["cases"]), new_key()).json()
    second = call(base, "POST", path, grant_body(company, staff_id, ["cases", "ratings"]), new_key()).json()
    assert second["replaces"] == first["grant_id"]
    grants = {g["grant_id"]: g for g in call(base, "GET", path + "?page_size=100").json()["items"]}
    assert grants[first["grant_id"]]["status"] == "已撤销"
    assert grants[second["grant_id"]]["status"] == "有效"
    revoke = f"{path}/{second['grant_id']}/revoke"
    body = {"revoked_by_id_number": company.legal_representative_id}
    once = call(base, "POST", revoke, body).json()
    twice = call(base, "POST", revoke, body).json()
    assert once["status"] == twice["status"] == "已撤销"
    assert once["revoked_at"] == twice["revoked_at"]
    assert call(base, "POST", revoke, {"revoked_by_id_number": fresh_id_number()}).status_code == 403
    assert call(base, "POST", f"{path}/SQ99999999/revoke", body).status_code == 404


def test_bad_grants_are_refused_with_codes(base: str) -> None:
    company = active_company()
    path = f"/api/v1/companies/{company.uscc}/authorisations"
    past = grant_body(company, fresh_id_number(), ["cases"], expires_on="2020-01-01")
    assert call(base, "POST", path, past, new_key()).json()["code"] == "INVALID_EXPIRY"
    itself = grant_body(company, company.legal_representative_id, ["cases"])
    assert call(base, "POST", path, itself, new_key()).json()["code"] == "GRANTEE_IS_LEGAL_REPRESENTATIVE"
    unknown_scope = call(base, "POST", path, grant_body(company, fresh_id_number(), ["everything"]), new_key())
    assert unknown_scope.status_code == 422
    assert unknown_scope.json()["code"] == "INVALID_REQUEST"
    bad_id = grant_body(company, with_wrong_check_char(fresh_id_number()), ["cases"])
    assert call(base, "POST", path, bad_id, new_key()).json()["code"] == "INVALID_ID_NUMBER"
    closed = next(c for c in population().companies if c.status == "注销")
    refused = call(
        base,
        "POST",
        f"/api/v1/companies/{closed.uscc}/authorisations",
        grant_body(closed, fresh_id_number(), ["cases"]),
        new_key(),
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "COMPANY_NOT_ACTIVE"


def test_signature_is_required(base: str) -> None:
    path = f"/api/v1/companies/{DEMO_USCC}"
    assert HTTP.get(base + path).status_code == 401
    forged = signing.sign("not-the-secret", "GET", path, b"", "citizen-space")
    assert HTTP.get(base + path, headers=forged).status_code == 401


def test_openapi_and_stats(base: str) -> None:
    spec = HTTP.get(f"{base}/openapi.json").json()
    assert "/api/v1/companies/{uscc}/authorisations" in spec["paths"]
    stats = HTTP.get(f"{base}/_admin/stats").json()
    assert stats["companies"] == len(population().companies)
    assert (
        stats["companies_active"] + stats["companies_deregistered"] + stats["companies_revoked"] == stats["companies"]
    )
    assert stats["authorisations_active"] >= 1
    print(json.dumps(stats, ensure_ascii=False))
