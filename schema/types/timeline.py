"""The personal timeline."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from personal_space.timeline import TimelineEntry as TimelineEntryView
from schema.types.common import Connection
from schema.types.node import to_global_id

NODE_TYPES = {"CASE": "Case", "WORK_ORDER": "WorkOrder", "RATING": "Rating", "APPOINTMENT": "Appointment"}


@strawberry.enum(description="时间线条目类型")
class TimelineKind(Enum):
    CASE = "CASE"
    WORK_ORDER = "WORK_ORDER"
    RATING = "RATING"
    APPOINTMENT = "APPOINTMENT"
    LICENCE_SHOW = "LICENCE_SHOW"


@strawberry.type(description="时间线上的一件事")
class TimelineEntry:
    at: datetime
    kind: TimelineKind
    object_id: str
    node_id: strawberry.ID | None = strawberry.field(description="可用 node(id) 取回的对象 ID")
    title: str
    status: str

    @classmethod
    def of(cls, entry: TimelineEntryView) -> TimelineEntry:
        node_type = NODE_TYPES.get(entry.kind)
        return cls(
            at=entry.at,
            kind=TimelineKind(entry.kind),
            object_id=entry.object_id,
            node_id=to_global_id(node_type, entry.object_id) if node_type else None,
            title=entry.title,
            status=entry.status,
        )


@strawberry.type(description="我的办事时间线（最新在前）")
class Timeline:
    entries: Connection[TimelineEntry]
    missing_sections: list[str] = strawberry.field(description="暂时无法获取、未计入时间线的部分")
