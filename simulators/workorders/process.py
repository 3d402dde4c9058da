"""How a 12345 work order moves: 受理 → 派单 → 办理 → 回复 → 办结 → 回访 → 评价, with 退单 / 改派,
并单 (merged into another order), added information and 重办 (reopened after an unsatisfied rating).

Seeded histories and the live simulator share these functions. Each appends one history entry.
"""

from __future__ import annotations

from datetime import datetime

from kit.working_days import add_working_days
from simulators.common.parties import Party, prefecture_of
from simulators.workorders.schemas import (
    TIME_LIMITS,
    Action,
    AddedInformation,
    Category,
    Channel,
    HistoryEntry,
    Kind,
    Reply,
    Satisfaction,
    Status,
    WorkOrder,
    WorkOrderRating,
)

HOTLINE = "12345热线工作机构"
_UNITS: dict[str, str] = {
    "城乡建设": "住房和城乡建设局",
    "市场监管": "市场监督管理局",
    "交通出行": "交通运输局",
    "社会保障": "人力资源和社会保障局",
    "医疗卫生": "卫生健康委员会",
    "教育": "教育体育局",
    "水电气": "城市管理局",
    "生态环境": "生态环境局",
    "公共安全": "公安局",
    "政务服务": "政务服务管理局",
    "其他": "人民政府办公室",
}
_REPLIES: dict[str, str] = {
    "咨询": "经核实，已向来电人解释相关政策和办理流程，来电人表示清楚。",
    "求助": "已安排工作人员现场处置，问题已解决，后续将加强巡查。",
    "投诉": "经调查核实，反映情况属实，已责令相关责任主体限期整改，并将跟踪落实。",
    "举报": "已依法立案调查，对违法行为作出处理，处理结果已告知来电人。",
    "建议": "感谢您的建议，已纳入相关工作研究，将在后续工作中改进。",
}


def unit_for(category: str, caller: Party) -> str:
    return prefecture_of(caller) + _UNITS[category]


def alternate_unit(order: WorkOrder) -> str:
    """Where an order goes when the first unit sends it back (退单): the prefecture government office."""
    current = order.handling_unit or ""
    office = prefecture_of(order.caller) + _UNITS["其他"]
    return office if current != office else prefecture_of(order.caller) + _UNITS["政务服务"]


def _entry(order: WorkOrder, action: Action, status: Status, at: datetime, actor: str, note: str) -> None:
    order.history.append(HistoryEntry.model_construct(action=action, status=status, at=at, actor=actor, note=note))
    order.status = status
    order.updated_at = at


def open_order(
    order_id: str,
    *,
    kind: Kind,
    title: str,
    content: str,
    category: Category,
    caller: Party,
    at: datetime,
    channel: Channel,
    location: str | None = None,
    contact_phone: str | None = None,
    on_behalf_of: Party | None = None,
    related_case_id: str | None = None,
) -> WorkOrder:
    limit = TIME_LIMITS[kind]
    order = WorkOrder(
        order_id=order_id,
        kind=kind,
        title=title,
        content=content,
        category=category,
        location=location,
        channel=channel,
        caller=caller,
        contact_phone=contact_phone,
        on_behalf_of=on_behalf_of,
        status="受理",
        time_limit_days=limit,
        accepted_at=at,
        deadline=add_working_days(at.date(), limit),
        related_case_id=related_case_id,
        history=[],
        created_at=at,
        updated_at=at,
    )
    _entry(order, "受理", "受理", at, HOTLINE, f"{channel}受理{kind}诉求，办理时限{limit}个工作日")
    return order


def dispatch(order: WorkOrder, at: datetime) -> None:
    order.handling_unit = unit_for(order.category, order.caller)
    _entry(order, "派单", "派单", at, HOTLINE, f"派单至{order.handling_unit}")


def reassign(order: WorkOrder, at: datetime) -> None:
    order.handling_unit = alternate_unit(order)
    _entry(order, "改派", "派单", at, HOTLINE, f"改派至{order.handling_unit}")


def send_back(order: WorkOrder, at: datetime) -> None:
    unit = order.handling_unit or HOTLINE
    _entry(order, "退单", "退单", at, unit, "经核实该事项不属于本单位职责范围，申请退单")


def sign_for(order: WorkOrder, at: datetime) -> None:
    _entry(order, "签收", "办理", at, order.handling_unit or HOTLINE, "已签收，正在办理")


def reply(order: WorkOrder, at: datetime) -> None:
    unit = order.handling_unit or HOTLINE
    text = _REPLIES[order.kind]
    order.reply = Reply(unit=unit, content=text, at=at)
    _entry(order, "回复", "回复", at, unit, text)


def close(order: WorkOrder, at: datetime) -> None:
    order.closed_at = at
    _entry(order, "办结", "办结", at, HOTLINE, "审核办理结果，予以办结")


def visit(order: WorkOrder, at: datetime) -> None:
    _entry(order, "回访", "回访", at, HOTLINE, "已电话回访来电人，请对办理结果进行评价")


def rate(order: WorkOrder, at: datetime, level: Satisfaction, comment: str | None) -> None:
    order.rating = WorkOrderRating(level=level, comment=comment, at=at)
    if order.closed_at is None:
        order.closed_at = at
    _entry(order, "评价", "评价", at, "来电人", f"评价：{level}" + (f"，{comment}" if comment else ""))


def reopen(order: WorkOrder, at: datetime, reason: str) -> None:
    order.reopened_count += 1
    order.rating = None
    order.reply = None
    order.closed_at = None
    order.accepted_at = at
    order.deadline = add_working_days(at.date(), order.time_limit_days)
    _entry(order, "重办", "派单", at, HOTLINE, f"来电人不满意，重新派单至{order.handling_unit}办理：{reason}")


def add_information(order: WorkOrder, at: datetime, content: str) -> None:
    order.added_information.append(AddedInformation(content=content, at=at))
    # Adding information does not change the status; the entry records it in the history.
    _entry(order, "补充信息", order.status, at, "来电人", "来电人补充诉求信息")


def merge(order: WorkOrder, target: WorkOrder, at: datetime) -> None:
    order.merged_into = target.order_id
    order.closed_at = at
    target.merged_from.append(order.order_id)
    _entry(order, "并单", "并单", at, HOTLINE, f"与工单{target.order_id}反映同一问题，并入该工单一并办理")
    target.history.append(
        HistoryEntry.model_construct(
            action="并单", status=target.status, at=at, actor=HOTLINE, note=f"并入工单{order.order_id}"
        )
    )
    # Seeded histories may merge into an order whose later steps were written first.
    target.history.sort(key=lambda entry: entry.at)
    target.updated_at = max(target.updated_at, at)
