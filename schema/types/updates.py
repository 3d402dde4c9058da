"""Live updates pushed to a person's devices."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry


@strawberry.enum(description="更新类型")
class UpdateType(Enum):
    CASE_STATUS_CHANGED = "CASE_STATUS_CHANGED"
    WORK_ORDER_UPDATED = "WORK_ORDER_UPDATED"
    RATING_UPDATED = "RATING_UPDATED"
    APPOINTMENT_UPDATED = "APPOINTMENT_UPDATED"
    SUBMISSION_DELIVERED = "SUBMISSION_DELIVERED"
    SUBMISSION_REJECTED = "SUBMISSION_REJECTED"
    NOTIFICATION = "NOTIFICATION"


@strawberry.type(description="一条实时更新")
class SpaceUpdate:
    type: UpdateType
    object_id: str | None
    kind: str | None
    status: str | None
    title: str | None
    body: str | None
    at: datetime

    @classmethod
    def of(cls, event: dict[str, Any]) -> SpaceUpdate:
        try:
            update_type = UpdateType(event.get("type"))
        except ValueError:
            update_type = UpdateType.NOTIFICATION
        return cls(
            type=update_type,
            object_id=event.get("objectId"),
            kind=event.get("kind"),
            status=event.get("status"),
            title=event.get("title"),
            body=event.get("body"),
            at=datetime.fromisoformat(event["at"]),
        )
