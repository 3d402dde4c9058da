"""Writes bound for departments: acknowledged PENDING, then DELIVERED or REJECTED."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from personal_space.submissions import SubmissionView
from schema.types.results import IdempotencyConflict, NotAllowed, ValidationError


@strawberry.enum(description="送达状态")
class SubmissionStatus(Enum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    REJECTED = "REJECTED"


@strawberry.type(description="提交给部门的事项：先受理为 PENDING，送达后更新")
class Submission:
    id: strawberry.ID
    kind: str
    system: str
    status: SubmissionStatus
    remote_id: str | None = strawberry.field(description="部门系统中的编号（工单号、预约号等）")
    remote_status: str | None
    reason: str | None = strawberry.field(description="未被受理的原因")
    created_at: datetime

    @classmethod
    def of(cls, view: SubmissionView) -> Submission:
        return cls(
            id=strawberry.ID(view.id),
            kind=view.kind,
            system=view.system,
            status=SubmissionStatus(view.status),
            remote_id=view.remote_id,
            remote_status=view.remote_status,
            reason=view.last_error,
            created_at=view.created_at,
        )

    @classmethod
    def from_result(cls, result: dict[str, Any]) -> Submission:
        return cls(
            id=strawberry.ID(result["id"]),
            kind=result["kind"],
            system=result["system"],
            status=SubmissionStatus.PENDING,
            remote_id=None,
            remote_status=None,
            reason=None,
            created_at=datetime.fromisoformat(result["createdAt"]),
        )


@strawberry.type(description="已受理，正在送达主管部门")
class SubmissionAccepted:
    submission: Submission


@strawberry.enum
class WorkOrderKind(Enum):
    CONSULTATION = "咨询"
    HELP = "求助"
    COMPLAINT = "投诉"
    REPORT = "举报"
    SUGGESTION = "建议"


@strawberry.enum
class RatingTarget(Enum):
    CASE = "case"
    SERVICE = "service"


@strawberry.enum(description="好差评五级")
class RatingLevel(Enum):
    VERY_SATISFIED = "非常满意"
    SATISFIED = "满意"
    BASICALLY_SATISFIED = "基本满意"
    DISSATISFIED = "不满意"
    VERY_DISSATISFIED = "非常不满意"


@strawberry.enum
class DataErrorTarget(Enum):
    LICENCE = "licence"
    RECORD = "record"


SubmissionResult = Annotated[
    SubmissionAccepted | ValidationError | NotAllowed | IdempotencyConflict, strawberry.union("SubmissionResult")
]
