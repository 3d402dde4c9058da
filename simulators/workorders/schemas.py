"""The 12345 hotline's API contract: work orders (工单), their history, and the requests it takes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator

from simulators.common.parties import Party

Kind = Literal["咨询", "求助", "投诉", "举报", "建议"]
# Time limits in working days from acceptance, by kind.
TIME_LIMITS: dict[str, int] = {"咨询": 2, "求助": 10, "投诉": 10, "举报": 15, "建议": 15}
Status = Literal["受理", "派单", "办理", "回复", "办结", "回访", "评价", "退单", "并单"]
Action = Literal["受理", "派单", "签收", "回复", "办结", "回访", "评价", "退单", "改派", "并单", "补充信息", "重办"]
Satisfaction = Literal["满意", "基本满意", "不满意"]
Category = Literal[
    "城乡建设", "市场监管", "交通出行", "社会保障", "医疗卫生", "教育",
    "水电气", "生态环境", "公共安全", "政务服务", "其他",
]  # fmt: skip
Channel = Literal["12345热线电话", "一部手机办事通", "网站", "微信公众号"]
OPEN_FOR_INFORMATION: frozenset[str] = frozenset({"受理", "派单", "办理", "退单"})
OPEN_FOR_RATING: frozenset[str] = frozenset({"回复", "办结", "回访"})
MAX_REOPENS = 2


class HistoryEntry(BaseModel):
    action: Action
    status: Status = Field(description="the order's status after this action")
    at: datetime
    actor: str
    note: str


class Reply(BaseModel):
    unit: str
    content: str
    at: datetime


class AddedInformation(BaseModel):
    content: str
    at: datetime


class WorkOrderRating(BaseModel):
    level: Satisfaction
    comment: str | None = None
    at: datetime


class WorkOrder(BaseModel):
    order_id: str
    kind: Kind
    title: str
    content: str
    category: Category
    location: str | None = None
    channel: Channel
    caller: Party
    contact_phone: str | None = None
    on_behalf_of: Party | None = Field(default=None, description="the company the caller speaks for (企业诉求)")
    status: Status
    handling_unit: str | None = None
    time_limit_days: int = Field(description="working days allowed, by kind")
    accepted_at: datetime
    deadline: date
    reply: Reply | None = None
    added_information: list[AddedInformation] = Field(default_factory=list)
    rating: WorkOrderRating | None = None
    reopened_count: int = 0
    merged_into: str | None = None
    merged_from: list[str] = Field(default_factory=list)
    related_case_id: str | None = None
    history: list[HistoryEntry]
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None


class WorkOrderPage(BaseModel):
    items: list[WorkOrder]
    total: int


class NewWorkOrder(BaseModel):
    kind: Kind
    title: str = Field(min_length=2, max_length=60)
    content: str = Field(min_length=5, max_length=2000)
    category: Category = "其他"
    location: str | None = Field(default=None, max_length=200)
    channel: Channel = "一部手机办事通"
    caller: Party
    contact_phone: str | None = Field(default=None, pattern=r"^1\d{10}$")
    on_behalf_of: Party | None = None
    related_case_id: str | None = Field(default=None, pattern=r"^\d{20}$")

    @model_validator(mode="after")
    def _parties(self) -> Self:
        if self.caller.is_company:
            raise ValueError("caller must be a person")
        if self.on_behalf_of is not None and not self.on_behalf_of.is_company:
            raise ValueError("on_behalf_of must be a company")
        return self


class InformationRequest(BaseModel):
    content: str = Field(min_length=2, max_length=1000)


class RatingRequest(BaseModel):
    level: Satisfaction
    comment: str | None = Field(default=None, max_length=500)


class ReopenRequest(BaseModel):
    reason: str = Field(min_length=2, max_length=500)


class WorkOrderStats(BaseModel):
    work_orders: int
    callers: int
    by_kind: dict[str, int]
    by_status: dict[str, int]
    created_via_api: int
    idempotency_keys: int
