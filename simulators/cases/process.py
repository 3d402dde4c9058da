"""How a case moves: 申请 → 受理 → 审查 (→ 补正 → 审查) → 决定 → 办结, or 申请 → 不予受理.

The seeded histories and the live simulator both use these functions, so a case made an hour
ago and one made last year read alike. Each transition appends one timeline step with the
acting department or window and a note.
"""

from __future__ import annotations

from datetime import datetime

from kit.working_days import promised_deadline, working_days_between
from simulators.cases.schemas import Case, CaseStatus, Channel, CrossProvinceMode, TimelineStep
from simulators.common.parties import Party, prefecture_of
from simulators.common.service_items import ServiceItem, local_department

_DECISIONS = {
    "行政许可": ("准予许可", "不予许可"),
    "行政确认": ("予以确认", "不予确认"),
    "行政给付": ("准予给付", "不予给付"),
}
_REFUSALS = (
    "申请事项不属于本机关职权范围，请向有管辖权的机关申请",
    "申请人不符合申请条件",
    "申请事项依法不需要办理",
)
SUPPLEMENT_MATERIALS = (
    "身份证明材料复印件不清晰，请重新上传",
    "缺少近期免冠证件照片",
    "申请表缺少申请人签名",
    "缺少经营场所使用证明",
    "缺少户口簿本人页",
    "缺少相关证明材料原件扫描件",
)


def _window(case: Case) -> str:
    return f"{prefecture_of(case.applicant)}政务服务中心{int(case.case_id[-2:]) % 30 + 1}号窗口"


def _step(case: Case, status: CaseStatus, at: datetime, actor: str, note: str) -> None:
    case.timeline.append(TimelineStep.model_construct(status=status, at=at, actor=actor, note=note))
    case.status = status
    case.updated_at = at


def open_case(
    case_id: str,
    item: ServiceItem,
    applicant: Party,
    *,
    at: datetime,
    channel: Channel,
    submitted_by: Party | None = None,
    cross_province_mode: CrossProvinceMode | None = None,
    materials: list[str] | None = None,
    note: str | None = None,
) -> Case:
    case = Case(
        case_id=case_id,
        item_code=item.code,
        item_name=item.name,
        department=local_department(item.department, prefecture_of(applicant)),
        applicant=applicant,
        submitted_by=submitted_by,
        channel=channel,
        status="申请",
        promised_days=item.promised_days,
        cross_province_mode=cross_province_mode,
        fee_yuan=item.fee_yuan,
        materials=materials or [],
        timeline=[],
        created_at=at,
        updated_at=at,
    )
    actor = _window(case) if channel == "政务服务中心窗口" else f"申请人（{channel}）"
    mode = f"（跨省通办·{cross_province_mode}）" if cross_province_mode else ""
    _step(case, "申请", at, actor, note or f"提交{item.name}申请{mode}")
    return case


def accept(case: Case, at: datetime, online: bool) -> None:
    case.accepted_at = at
    case.promised_deadline = promised_deadline(at.date(), case.promised_days, case.paused_working_days)
    actor = f"{case.department}（网上受理）" if online and case.channel != "政务服务中心窗口" else _window(case)
    _step(case, "受理", at, actor, f"材料齐全，符合法定形式，予以受理；承诺{case.promised_days}个工作日内办结")


def refuse(case: Case, at: datetime, reason_index: int) -> None:
    reason = _REFUSALS[reason_index % len(_REFUSALS)]
    _step(case, "不予受理", at, _window(case), f"不予受理：{reason}")
    case.result = "不予受理"
    case.finished_at = at


def start_review(case: Case, at: datetime) -> None:
    _step(case, "审查", at, case.department, "已进入审查环节")


def request_supplement(case: Case, at: datetime, material_index: int) -> None:
    wanted = SUPPLEMENT_MATERIALS[material_index % len(SUPPLEMENT_MATERIALS)]
    case.supplement_request = wanted
    case.clock_paused = True
    _step(case, "补正", at, case.department, f"一次性告知补正：{wanted}。补正期间暂停计时")


def resume(case: Case, at: datetime, materials: list[str] | None = None) -> None:
    paused_since = next(step.at for step in reversed(case.timeline) if step.status == "补正")
    case.paused_working_days += max(0, working_days_between(paused_since.date(), at.date()))
    if case.accepted_at is not None:
        case.promised_deadline = promised_deadline(
            case.accepted_at.date(), case.promised_days, case.paused_working_days
        )
    case.clock_paused = False
    case.supplement_request = None
    if materials:
        case.materials.extend(materials)
    _step(case, "审查", at, "申请人", "已提交补正材料，恢复审查并继续计时")


def decide(case: Case, at: datetime, kind: str, granted: bool = True) -> None:
    yes, no = _DECISIONS.get(kind, ("审核通过", "审核不通过"))
    case.result = yes if granted else no
    note = f"作出决定：{case.result}" if granted else f"作出决定：{case.result}，申请人可依法申请行政复议或提起行政诉讼"
    _step(case, "决定", at, case.department, note)


def finish(case: Case, at: datetime, item: ServiceItem) -> None:
    case.finished_at = at
    if case.result and case.result.startswith("不"):
        note = "已办结，决定书已送达申请人"
    elif item.kind == "行政给付":
        note = "已办结，款项将按月发放至本人社会保障卡"
    elif item.kind in ("行政许可", "行政确认"):
        note = "已办结，结果已同步至电子证照库，可在“我的证照”查看；纸质证件可窗口领取或邮寄"
    else:
        note = "已办结"
    if item.fee_yuan:
        note += f"；已缴费{item.fee_yuan}元"
    _step(case, "办结", at, case.department, note)
