"""What the enterprise registry returns, validated before anything of ours touches it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
ID_NUMBER_PATTERN = r"^\d{17}[\dX]$"
PERSON_KEY_PATTERN = r"^[0-9a-f]{32}$"

Scope = Literal["licences", "cases", "workorders", "ratings", "appointments", "records", "bills", "staff"]
RegistrationStatus = Literal["存续", "注销", "吊销"]
GrantStatus = Literal["有效", "已过期", "已撤销"]


class LegalRepresentative(BaseModel):
    name: str
    # A keyed reference, never the identity number itself (see EnterpriseClient.person_key).
    person_key: str = Field(pattern=PERSON_KEY_PATTERN)


class Company(BaseModel):
    uscc: str = Field(pattern=USCC_PATTERN)
    name: str
    type: str
    legal_representative: LegalRepresentative
    registered_capital_wan: int = Field(ge=0)
    registered_capital: str
    address: str
    established_on: date
    business_term_from: date
    business_term_until: date | None = None  # None: 长期
    status: RegistrationStatus
    status_changed_on: date | None = None
    registration_authority: str
    approved_on: date
    prefecture: str
    industry: str
    business_scope: str
    latest_annual_report_year: int | None = None

    @property
    def active(self) -> bool:
        return self.status == "存续"


class CompanySummary(BaseModel):
    """A list entry: no identity number of anyone, keyed or not."""

    uscc: str = Field(pattern=USCC_PATTERN)
    name: str
    type: str
    legal_representative_name: str
    status: RegistrationStatus
    established_on: date
    prefecture: str


class CompanyPage(BaseModel):
    items: list[CompanySummary]
    total: int = Field(ge=0)
    page: int = Field(ge=1)
    page_size: int = Field(ge=1)


class Authorisation(BaseModel):
    """A staff authorisation of the 电子营业执照: who may act for the company, in what, until when."""

    grant_id: str
    uscc: str = Field(pattern=USCC_PATTERN)
    company_name: str
    staff_name: str
    staff_key: str = Field(pattern=PERSON_KEY_PATTERN)
    scopes: list[Scope]
    granted_by_name: str
    granted_by_role: Literal["法定代表人", "管理员"]
    granted_at: datetime
    expires_on: date
    status: GrantStatus
    revoked_at: datetime | None = None
    revoked_by_name: str | None = None
    replaces: str | None = None

    def allows(self, scope: Scope) -> bool:
        return self.status == "有效" and scope in self.scopes


class AuthorisationPage(BaseModel):
    items: list[Authorisation]
    total: int = Field(ge=0)
    page: int = Field(ge=1)
    page_size: int = Field(ge=1)


class GrantRequest(BaseModel):
    """What the legal representative (or an administrator holding `staff`) grants."""

    staff_name: str = Field(min_length=2, max_length=30)
    staff_id_number: str = Field(pattern=ID_NUMBER_PATTERN)
    scopes: list[Scope] = Field(min_length=1, max_length=8)
    expires_on: date
    granted_by_id_number: str = Field(pattern=ID_NUMBER_PATTERN)
