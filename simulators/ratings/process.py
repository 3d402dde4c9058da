"""How a rating moves after it is given: a 差评 opens a rectification (整改) — 待回访 → 整改中 →
已整改 — with 回访 records, and the department may appeal (申诉复核): 复核中 → 维持差评 / 撤销差评.
"""

from __future__ import annotations

from datetime import datetime

from kit.working_days import add_working_days
from simulators.common.parties import Party
from simulators.ratings.schemas import (
    BAD_LEVELS,
    RECTIFICATION_WORKING_DAYS,
    SCORES,
    Appeal,
    BadReason,
    Level,
    Rating,
    RatingChannel,
    Rectification,
    TargetType,
    Visit,
)

_MEASURES: dict[str, str] = {
    "办事效率低": "优化审批流程，压缩内部流转时间",
    "服务态度差": "对相关窗口人员进行批评教育并开展服务规范培训",
    "办事指南不清晰": "修订办事指南，补充材料样表和填写说明",
    "材料要求繁琐": "清理重复材料，可通过电子证照获取的材料免于提交",
    "多次跑动": "推行一次性告知和容缺受理，实现“最多跑一次”",
    "超时办理": "建立超期预警，专人跟踪督办",
    "系统操作不便": "反馈系统建设单位优化申报页面",
    "其他": "专题研究，制定整改措施",
}


def new_rating(
    rating_id: str,
    *,
    target_type: TargetType,
    case_id: str | None,
    service_id: str | None,
    item_code: str,
    item_name: str,
    department: str,
    rater: Party,
    applicant_id: str | None,
    level: Level,
    comment: str | None,
    reasons: list[BadReason],
    channel: RatingChannel,
    at: datetime,
) -> Rating:
    rating = Rating(
        rating_id=rating_id,
        target_type=target_type,
        case_id=case_id,
        service_id=service_id,
        item_code=item_code,
        item_name=item_name,
        department=department,
        rater=rater,
        applicant_id=applicant_id,
        level=level,
        score=SCORES[level],
        is_bad=level in BAD_LEVELS,
        comment=comment,
        reasons=reasons,
        channel=channel,
        rated_at=at,
        updated_at=at,
    )
    if rating.is_bad:
        rating.rectification = Rectification(
            status="待回访",
            department=department,
            opened_at=at,
            deadline=add_working_days(at.date(), RECTIFICATION_WORKING_DAYS),
        )
    return rating


def visit(rating: Rating, at: datetime) -> None:
    assert rating.rectification is not None
    rating.rectification.visits.append(
        Visit(at=at, actor=rating.department, method="电话", note="已回访评价人，核实差评情况并说明整改安排")
    )
    rating.rectification.status = "整改中"
    rating.updated_at = at


def complete(rating: Rating, at: datetime) -> None:
    rectification = rating.rectification
    assert rectification is not None
    rectification.measures = "；".join(_MEASURES[reason] for reason in rating.reasons) or _MEASURES["其他"]
    rectification.visits.append(
        Visit(at=at, actor=rating.department, method="电话", note="整改完成，已回访评价人反馈整改情况")
    )
    rectification.status = "已整改"
    rectification.completed_at = at
    rating.updated_at = at


def file_appeal(rating: Rating, at: datetime, department: str, reason: str) -> None:
    rating.appeal = Appeal(status="复核中", department=department, reason=reason, filed_at=at)
    rating.updated_at = at


def decide_appeal(rating: Rating, at: datetime, upheld: bool) -> None:
    appeal = rating.appeal
    assert appeal is not None
    appeal.decided_at = at
    if upheld:
        appeal.status = "维持差评"
        appeal.decision_note = "经复核，差评反映问题属实，维持差评，请按期整改"
    else:
        appeal.status = "撤销差评"
        appeal.decision_note = "经复核，差评与办理事项无关，予以撤销，不计入考核"
        rating.counted = False
        if rating.rectification is not None and rating.rectification.status != "已整改":
            rating.rectification.status = "无需整改"
    rating.updated_at = at
