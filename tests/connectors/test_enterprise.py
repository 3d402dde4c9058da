"""The enterprise connector against the live registry simulator: typed round trips, domain errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
import pytest_asyncio

from connectors.base import rejection_code
from connectors.enterprise.client import EnterpriseClient
from connectors.enterprise.models import GrantRequest
from connectors.errors import DepartmentRejected, NotFound
from simulators.common.population import population
from tests.support.people import fresh_id_number, fresh_uscc, with_wrong_check_char
from tests.support.stateful import call_context, department_client, new_key

DEMO_USCC = "91530102MA6K8R2Q1N"
LEGAL_REP_ID = "530103197811045713"
STAFF_ID = "530111199507023826"
CITIZEN_ID = "530102199003153217"


@pytest_asyncio.fixture(loop_scope="function")
async def enterprise(simulator_urls: dict[str, str]) -> AsyncIterator[EnterpriseClient]:
    base = department_client("enterprise", simulator_urls["enterprise"])
    yield EnterpriseClient(base)
    await base.aclose()


async def test_company_round_trips_and_recognises_its_legal_representative(enterprise: EnterpriseClient) -> None:
    company = await enterprise.company(DEMO_USCC, call_context())
    assert company.name == "昆明滇味香餐饮管理有限公司"
    assert company.active
    assert company.established_on == date(2019, 5, 20)
    assert company.business_term_until is None  # 长期
    assert enterprise.is_legal_representative(company, LEGAL_REP_ID)
    assert not enterprise.is_legal_representative(company, STAFF_ID)
    mine = await enterprise.companies_of_representative(LEGAL_REP_ID, call_context())
    assert [c.uscc for c in mine.items] == [DEMO_USCC]


async def test_staff_authorisation_scopes(enterprise: EnterpriseClient) -> None:
    grants = await enterprise.authorisations_of_staff(STAFF_ID, call_context(), status="有效")
    [grant] = grants
    assert grant.uscc == DEMO_USCC
    assert enterprise.is_staff(grant, STAFF_ID)
    assert grant.allows("bills")
    assert grant.allows("licences")
    assert not grant.allows("ratings")
    assert grant.expires_on == date(2027, 12, 31)
    assert await enterprise.authorisations_of_staff(CITIZEN_ID, call_context()) == []


async def test_grant_and_revoke_through_the_connector(enterprise: EnterpriseClient) -> None:
    company = next(c for c in population().companies if c.status == "存续" and c.uscc != DEMO_USCC)
    request = GrantRequest(
        staff_name="测试经办人",
        staff_id_number=fresh_id_number(),
        scopes=["cases", "appointments"],
        expires_on=date.today() + timedelta(days=90),
        granted_by_id_number=company.legal_representative_id,
    )
    key = new_key()
    made = await enterprise.grant(company.uscc, request, call_context(), idempotency_key=key)
    again = await enterprise.grant(company.uscc, request, call_context(), idempotency_key=key)
    assert made.grant_id == again.grant_id
    assert made.status == "有效"
    assert made.scopes == ["appointments", "cases"]
    revoked = await enterprise.revoke(
        company.uscc, made.grant_id, company.legal_representative_id, call_context(), idempotency_key=new_key()
    )
    assert revoked.status == "已撤销"
    assert not revoked.allows("cases")
    active = await enterprise.authorisations(company.uscc, call_context(), status="有效")
    assert made.grant_id not in {g.grant_id for g in active}


async def test_refusals_map_to_domain_errors(enterprise: EnterpriseClient) -> None:
    with pytest.raises(NotFound):
        await enterprise.company(fresh_uscc(), call_context())
    with pytest.raises(DepartmentRejected) as invalid:
        await enterprise.company(with_wrong_check_char(DEMO_USCC), call_context())
    assert rejection_code(invalid.value) == "INVALID_USCC"
    stranger = GrantRequest(
        staff_name="冒名者",
        staff_id_number=fresh_id_number(),
        scopes=["bills"],
        expires_on=date.today() + timedelta(days=30),
        granted_by_id_number=STAFF_ID,  # staff without the `staff` scope may not grant
    )
    with pytest.raises(DepartmentRejected) as refused:
        await enterprise.grant(DEMO_USCC, stranger, call_context(), idempotency_key=new_key())
    assert rejection_code(refused.value) == "NOT_AUTHORISED"
    # Refusals and unknown companies are answers: the registry stays healthy.
    assert enterprise.base.health.consecutive_failures == 0
    assert not await enterprise.base.breaker_open()
