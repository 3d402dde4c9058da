"""What the utility-bills system returns, validated before anything of ours touches it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]
UtilityCode = Literal["water", "electricity", "gas"]
BillStatus = Literal["已缴", "未缴", "逾期"]
HolderIdType = Literal["111", "001"]  # 居民身份证 | 统一社会信用代码


class UtilityAccount(BaseModel):
    account_no: str  # 户号
    utility: UtilityCode
    utility_name: str
    provider: str
    holder_id_type: HolderIdType
    holder_name: str
    address: str
    category: Literal["居民", "非居民"]
    opened_on: date
    status: Literal["正常", "已销户"]


class UtilityAccountList(BaseModel):
    items: list[UtilityAccount]
    total: int = Field(ge=0)


class Bill(BaseModel):
    bill_id: str
    account_no: str
    utility: UtilityCode
    utility_name: str
    provider: str
    holder_name: str
    period: str = Field(pattern=MONTH_PATTERN)  # 账期
    usage: int = Field(ge=0)
    unit: str
    amount: Money
    late_fee: Money  # 违约金
    amount_due: Money  # zero once paid
    issued_on: date
    due_on: date
    status: BillStatus
    paid_at: datetime | None = None
    pay_channel: str | None = None


class BillPage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    items: list[Bill]
    total: int = Field(ge=0)
    page: int = Field(ge=1)
    page_size: int = Field(ge=1)
    from_month: str = Field(alias="from", pattern=MONTH_PATTERN)
    to_month: str = Field(alias="to", pattern=MONTH_PATTERN)


class Outstanding(BaseModel):
    utility: UtilityCode
    utility_name: str
    bills: int = Field(ge=0)
    amount_due: Money
    overdue_bills: int = Field(ge=0)


class BillSummary(BaseModel):
    outstanding: list[Outstanding]
    total_due: Money
    as_of: date
