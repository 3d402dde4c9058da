"""What the records system returns, validated before anything of ours touches it.

Money arrives as decimal strings ("1234.50") and stays `Decimal`: never a float.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]
Month = Annotated[str, Field(pattern=MONTH_PATTERN)]
# National social-insurance scheme codes (险种代码).
SchemeCode = Literal["110", "120", "170", "210", "310", "390", "410"]
InsuredCategory = Literal["职工", "灵活就业", "城乡居民", "退休", "少儿及学生"]
ItemT = TypeVar("ItemT", bound=BaseModel)


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    total: int = Field(ge=0)
    page: int = Field(ge=1)
    page_size: int = Field(ge=1)


class MonthPage(Page[ItemT], Generic[ItemT]):
    """A page of a month range; the range is echoed back as the system applied it."""

    model_config = ConfigDict(populate_by_name=True)
    from_month: Month = Field(alias="from")
    to_month: Month = Field(alias="to")


class Contribution(BaseModel):
    month: Month
    insurance_code: SchemeCode
    insurance_name: str
    category: InsuredCategory
    employer_name: str | None = None
    employer_uscc: str | None = None
    base: Money | None = None
    employer_amount: Money
    personal_amount: Money
    total: Money
    status: Literal["已到账", "欠缴"]
    paid_on: date | None = None


class Scheme(BaseModel):
    code: SchemeCode
    name: str


class Retirement(BaseModel):
    retired_on: date
    monthly_pension: Money


class SocialInsuranceSummary(BaseModel):
    holder_name: str
    category: InsuredCategory
    status: Literal["正常参保", "暂停缴费", "已退休"]
    insured_prefecture: str
    employer_name: str | None = None
    employer_uscc: str | None = None
    first_insured_on: date
    months_paid: int = Field(ge=0)  # 累计缴费月数
    current_base: Money | None = None
    schemes: list[Scheme]
    retirement: Retirement | None = None
    as_of: date


class EmployerContribution(BaseModel):
    """An employer's month for one scheme, summed over its insured staff (单位缴费)."""

    month: Month
    insurance_code: SchemeCode
    insurance_name: str
    headcount: int = Field(ge=0)
    base_total: Money
    employer_amount: Money
    personal_amount: Money
    total: Money
    status: Literal["已到账", "欠缴"]


class HousingFundAccount(BaseModel):
    account_no: str
    holder_name: str
    centre: str
    employer_name: str | None = None
    employer_uscc: str | None = None
    status: Literal["正常", "封存"]
    opened_on: date
    deposit_base: Money | None = None
    employer_rate: str
    personal_rate: str
    monthly_deposit: Money
    balance: Money
    last_deposit_month: Month | None = None
    as_of: date


class HousingFundEntry(BaseModel):
    date: date
    kind: Literal["汇缴", "提取", "结息"]
    note: str
    amount: Money
    direction: Literal["收入", "支出"]
    balance_after: Money


class MedicalAccount(BaseModel):
    holder_name: str
    scheme_code: Literal["310", "390"]
    scheme_name: str
    status: str
    insured_prefecture: str
    retired: bool
    has_personal_account: bool
    account_balance: Money | None = None  # None: resident insurance has no personal account
    monthly_credit: Money | None = None
    settlements_in_history: int = Field(ge=0)
    as_of: date


class MedicalSettlement(BaseModel):
    """One settlement (结算) at a hospital or pharmacy; no diagnosis ever leaves the system."""

    settlement_id: str
    settled_at: datetime
    institution: str
    institution_level: str
    kind: Literal["药店购药", "普通门诊", "门诊慢特病", "住院"]
    total: Money
    fund_paid: Money  # 统筹基金支付
    account_paid: Money  # 个人账户支付
    cash_paid: Money  # 个人现金支付
    remote: bool  # 异地就医


ContributionPage = MonthPage[Contribution]
EmployerContributionPage = MonthPage[EmployerContribution]
HousingFundHistory = MonthPage[HousingFundEntry]
MedicalSettlementPage = MonthPage[MedicalSettlement]
