"""What the 好差评 system returns and takes, validated before anything of ours touches it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator

Level = Literal["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
# 差评: the two lowest levels need a reason and open a rectification.
BAD_LEVELS: frozenset[str] = frozenset({"不满意", "非常不满意"})
TargetType = Literal["case", "service"]
BadReason = Literal[
    "办事效率低", "服务态度差", "办事指南不清晰", "材料要求繁琐", "多次跑动", "超时办理", "系统操作不便", "其他"
]  # fmt: skip
RatingChannel = Literal["一部手机办事通", "网上办事大厅", "政务服务中心评价器", "12345热线", "短信"]
RectificationStatus = Literal["待回访", "整改中", "已整改", "无需整改"]
AppealStatus = Literal["复核中", "维持差评", "撤销差评"]
RATING_ID_PATTERN = r"^PJ\d{14}$"


class Party(BaseModel):
    id_type: Literal["111", "001"]
    id_number: str = Field(pattern=r"^[0-9A-Z]{17}[0-9A-Z]$")
    name: str = Field(min_length=1, max_length=100)


class Visit(BaseModel):
    at: datetime
    actor: str
    method: str
    note: str


class Rectification(BaseModel):
    status: RectificationStatus
    department: str
    opened_at: datetime
    deadline: date
    visits: list[Visit] = Field(default_factory=list)
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
    rating_id: str = Field(pattern=RATING_ID_PATTERN)
    target_type: TargetType
    case_id: str | None = None
    service_id: str | None = None
    item_code: str
    item_name: str
    department: str
    rater: Party
    applicant_id: str | None = None
    level: Level
    score: int = Field(ge=1, le=5)
    is_bad: bool
    comment: str | None = None
    reasons: list[BadReason] = Field(default_factory=list)
    channel: RatingChannel
    rated_at: datetime
    updated_at: datetime
    counted: bool = True
    rectification: Rectification | None = None
    appeal: Appeal | None = None


class RatingPage(BaseModel):
    items: list[Rating]
    total: int = Field(ge=0)


class CaseRatings(BaseModel):
    """Ratings of the asked cases, and the asked cases nobody has rated yet (待评价)."""

    items: list[Rating]
    unrated: list[str]


class NewRating(BaseModel):
    target_type: TargetType
    case_id: str | None = Field(default=None, pattern=r"^\d{20}$")
    service_id: str | None = Field(default=None, pattern=r"^[A-Z0-9-]{6,40}$")
    item_code: str = Field(pattern=r"^[A-Z]{2,4}-\d{3}$")
    level: Level
    comment: str | None = Field(default=None, max_length=500)
    reasons: list[BadReason] = Field(default_factory=list, max_length=5)
    channel: RatingChannel = "一部手机办事通"
    rater: Party

    @model_validator(mode="after")
    def _bad_needs_reason(self) -> Self:
        # Checked here as well as by the system, so a user's mistake never costs a department call.
        if self.level in BAD_LEVELS and not self.reasons:
            raise ValueError("差评须选择至少一项原因")
        if (self.case_id is None) == (self.service_id is None):
            raise ValueError("a rating names exactly one of case_id and service_id")
        return self
