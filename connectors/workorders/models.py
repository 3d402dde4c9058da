"""What the 12345 hotline returns and takes, validated before anything of ours touches it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

Kind = Literal["咨询", "求助", "投诉", "举报", "建议"]
# Working days allowed from acceptance, by kind.
TIME_LIMITS: dict[str, int] = {"咨询": 2, "求助": 10, "投诉": 10, "举报": 15, "建议": 15}
Status = Literal["受理", "派单", "办理", "回复", "办结", "回访", "评价", "退单", "并单"]
Action = Literal["受理", "派单", "签收", "回复", "办结", "回访", "评价", "退单", "改派", "并单", "补充信息", "重办"]
Satisfaction = Literal["满意", "基本满意", "不满意"]
Category = Literal[
    "城乡建设", "市场监管", "交通出行", "社会保障", "医疗卫生", "教育",
    "水电气", "生态环境", "公共安全", "政务服务", "其他",
]  # fmt: skip
Channel = Literal["12345热线电话", "一部手机办事通", "网站", "微信公众号"]
ORDER_ID_PATTERN = r"^YN\d{14}$"


class Party(BaseModel):
    id_type: Literal["111", "001"]
    id_number: str = Field(pattern=r"^[0-9A-Z]{17}[0-9A-Z]$")
    name: str = Field(min_length=1, max_length=100)


class HistoryEntry(BaseModel):
    action: Action
    status: Status
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
    order_id: str = Field(pattern=ORDER_ID_PATTERN)
    kind: Kind
    title: str
    content: str
    category: Category
    location: str | None = None
    channel: Channel
    caller: Party
    contact_phone: str | None = None
    on_behalf_of: Party | None = None
    status: Status
    handling_unit: str | None = None
    time_limit_days: int = Field(ge=0)
    accepted_at: datetime
    deadline: date
    reply: Reply | None = None
    added_information: list[AddedInformation] = Field(default_factory=list)
    rating: WorkOrderRating | None = None
    reopened_count: int = Field(default=0, ge=0)
    merged_into: str | None = None
    merged_from: list[str] = Field(default_factory=list)
    related_case_id: str | None = None
    history: list[HistoryEntry] = Field(min_length=1)
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None


class WorkOrderPage(BaseModel):
    items: list[WorkOrder]
    total: int = Field(ge=0)


class NewWorkOrder(BaseModel):
    """A 诉求 filed through the app or by an agent for a caller."""

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
