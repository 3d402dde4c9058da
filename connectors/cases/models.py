"""What the case system (统一申办受理) returns and takes, validated before anything of ours touches it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

CaseStatus = Literal["申请", "受理", "审查", "补正", "决定", "办结", "不予受理"]
CrossProvinceMode = Literal["全程网办", "异地代收代办", "多地联办"]
Channel = Literal["一部手机办事通", "网上办事大厅", "政务服务中心窗口", "自助终端"]
# A case has ended (and can be rated) once it is 办结 or refused at the door.
FINISHED_STATUSES: tuple[CaseStatus, ...] = ("办结", "不予受理")
CASE_ID_PATTERN = r"^\d{20}$"
ITEM_CODE_PATTERN = r"^[A-Z]{2,4}-\d{3}$"


class Party(BaseModel):
    id_type: Literal["111", "001"] = Field(description="111 居民身份证 / 001 统一社会信用代码")
    id_number: str = Field(pattern=r"^[0-9A-Z]{17}[0-9A-Z]$")
    name: str = Field(min_length=1, max_length=100)


class TimelineStep(BaseModel):
    status: CaseStatus
    at: datetime
    actor: str
    note: str


class Case(BaseModel):
    case_id: str = Field(pattern=CASE_ID_PATTERN)
    item_code: str = Field(pattern=ITEM_CODE_PATTERN)
    item_name: str
    department: str
    applicant: Party
    submitted_by: Party | None = None
    channel: Channel
    status: CaseStatus
    result: str | None = None
    promised_days: int = Field(ge=0)
    accepted_at: datetime | None = None
    promised_deadline: date | None = None
    paused_working_days: int = Field(default=0, ge=0)
    clock_paused: bool = False
    cross_province_mode: CrossProvinceMode | None = None
    fee_yuan: int = Field(default=0, ge=0)
    materials: list[str] = Field(default_factory=list)
    supplement_request: str | None = None
    timeline: list[TimelineStep] = Field(min_length=1)
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES


class CasePage(BaseModel):
    items: list[Case]
    total: int = Field(ge=0)


class NewCase(BaseModel):
    """An application filed through the app (网上申报)."""

    item_code: str = Field(pattern=ITEM_CODE_PATTERN)
    applicant: Party
    submitted_by: Party | None = None
    cross_province_mode: CrossProvinceMode | None = None
    channel: Channel = "一部手机办事通"
    materials: list[str] = Field(default_factory=list, max_length=20)
    note: str | None = Field(default=None, max_length=500)
