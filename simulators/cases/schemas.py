"""The 统一申办受理 system's API contract: cases (办件), their timelines, and the requests it takes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, model_validator

from simulators.common.parties import Party
from simulators.common.service_items import ITEM_CODE_PATTERN

CaseStatus = Literal["申请", "受理", "审查", "补正", "决定", "办结", "不予受理"]
CrossProvinceMode = Literal["全程网办", "异地代收代办", "多地联办"]
Channel = Literal["一部手机办事通", "网上办事大厅", "政务服务中心窗口", "自助终端"]
FINISHED_STATUSES: frozenset[str] = frozenset({"办结", "不予受理"})

MaterialName = Annotated[str, Field(min_length=1, max_length=60)]


class TimelineStep(BaseModel):
    status: CaseStatus
    at: datetime
    actor: str = Field(description="the department or window (窗口) that acted, or the applicant")
    note: str


class Case(BaseModel):
    case_id: str
    item_code: str
    item_name: str
    department: str = Field(description="the body handling the case")
    applicant: Party
    submitted_by: Party | None = Field(default=None, description="the person who filed for a company")
    channel: Channel
    status: CaseStatus
    result: str | None = Field(default=None, description="准予许可 / 不予许可 / 予以确认 … once decided")
    promised_days: int = Field(ge=0, description="promised time limit in working days (承诺时限)")
    accepted_at: datetime | None = None
    promised_deadline: date | None = Field(default=None, description="accepted date + promised + paused working days")
    paused_working_days: int = Field(default=0, ge=0, description="working days spent waiting for 补正")
    clock_paused: bool = False
    cross_province_mode: CrossProvinceMode | None = None
    fee_yuan: int = Field(ge=0)
    materials: list[str] = Field(default_factory=list)
    supplement_request: str | None = Field(default=None, description="what the applicant must supply (补正)")
    timeline: list[TimelineStep]
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None


class CasePage(BaseModel):
    items: list[Case]
    total: int


class NewCase(BaseModel):
    item_code: str = Field(pattern=ITEM_CODE_PATTERN, examples=["SJ-009"])
    applicant: Party
    submitted_by: Party | None = None
    cross_province_mode: CrossProvinceMode | None = None
    channel: Channel = "一部手机办事通"
    materials: list[MaterialName] = Field(default_factory=list, max_length=20)
    note: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _filer_is_a_person(self) -> Self:
        if self.submitted_by is not None and self.submitted_by.is_company:
            raise ValueError("submitted_by must be a person")
        return self


class SupplementRequest(BaseModel):
    materials: list[MaterialName] = Field(min_length=1, max_length=20)
    note: str | None = Field(default=None, max_length=500)


class CaseStats(BaseModel):
    cases: int
    holders: int
    by_status: dict[str, int]
    cross_province: int
    created_via_api: int
    idempotency_keys: int
