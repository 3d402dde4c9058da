"""The 好差评 system's API contract: ratings of cases and services, 差评 rectification, appeals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator

from simulators.common.parties import Party
from simulators.common.service_items import ITEM_CODE_PATTERN

Level = Literal["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
SCORES: dict[str, int] = {"非常满意": 5, "满意": 4, "基本满意": 3, "不满意": 2, "非常不满意": 1}
BAD_LEVELS: frozenset[str] = frozenset({"不满意", "非常不满意"})
TargetType = Literal["case", "service"]
BadReason = Literal[
    "办事效率低", "服务态度差", "办事指南不清晰", "材料要求繁琐", "多次跑动", "超时办理", "系统操作不便", "其他"
]  # fmt: skip
RatingChannel = Literal["一部手机办事通", "网上办事大厅", "政务服务中心评价器", "12345热线", "短信"]
RectificationStatus = Literal["待回访", "整改中", "已整改", "无需整改"]
AppealStatus = Literal["复核中", "维持差评", "撤销差评"]
# 差评: the rater is visited within one working day and the rectification is due in fifteen.
RECTIFICATION_WORKING_DAYS = 15


class Visit(BaseModel):
    at: datetime
    actor: str
    method: Literal["电话", "上门", "短信"]
    note: str


class Rectification(BaseModel):
    status: RectificationStatus
    department: str
    opened_at: datetime
    deadline: date
    visits: list[Visit] = Field(default_factory=list, description="回访 records")
    measures: str | None = None
    completed_at: datetime | None = None


class Appeal(BaseModel):
    status: AppealStatus
    department: str
    reason: str
    filed_at: datetime
    decided_at: datetime | None = None
    decision_note: str | None = None


class Rating(BaseModel):
    rating_id: str
    target_type: TargetType
    case_id: str | None = None
    service_id: str | None = None
    item_code: str
    item_name: str
    department: str
    rater: Party
    applicant_id: str | None = Field(default=None, description="the case holder, when it is a company")
    level: Level
    score: int = Field(ge=1, le=5)
    is_bad: bool = Field(description="差评: 不满意 or 非常不满意")
    comment: str | None = None
    reasons: list[BadReason] = Field(default_factory=list)
    channel: RatingChannel
    rated_at: datetime
    updated_at: datetime
    counted: bool = Field(default=True, description="counts in the department's assessment (false once revoked)")
    rectification: Rectification | None = None
    appeal: Appeal | None = None


class RatingPage(BaseModel):
    items: list[Rating]
    total: int


class NewRating(BaseModel):
    target_type: TargetType
    case_id: str | None = Field(default=None, pattern=r"^\d{20}$")
    service_id: str | None = Field(
        default=None, pattern=r"^[A-Z0-9-]{6,40}$", description="服务记录号 (排队号, 咨询单)"
    )
    item_code: str = Field(pattern=ITEM_CODE_PATTERN)
    level: Level
    comment: str | None = Field(default=None, max_length=500)
    reasons: list[BadReason] = Field(default_factory=list, max_length=5)
    channel: RatingChannel = "一部手机办事通"
    rater: Party

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.rater.is_company:
            raise ValueError("rater must be a person")
        if self.target_type == "case" and (self.case_id is None or self.service_id is not None):
            raise ValueError("a case rating names case_id only")
        if self.target_type == "service" and (self.service_id is None or self.case_id is not None):
            raise ValueError("a service rating names service_id only")
        if self.level in BAD_LEVELS and not self.reasons:
            raise ValueError("差评须选择至少一项原因")
        if self.level not in BAD_LEVELS and self.reasons:
            raise ValueError("reasons are given with 差评 only")
        return self


class LookupRequest(BaseModel):
    case_ids: list[str] = Field(min_length=1, max_length=200)


class LookupResult(BaseModel):
    items: list[Rating]
    unrated: list[str] = Field(description="the asked case ids that have no rating yet")


class AppealRequest(BaseModel):
    department: str = Field(min_length=2, max_length=60)
    reason: str = Field(min_length=5, max_length=500)


class RatingStats(BaseModel):
    ratings: int
    raters: int
    by_level: dict[str, int]
    bad: int
    rectification_by_status: dict[str, int]
    appeals_by_status: dict[str, int]
    service_ratings: int
    created_via_api: int
    idempotency_keys: int
