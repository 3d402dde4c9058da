"""Status in plain words (长辈模式 / 关怀模式): what a case, a work order or an appointment means
for the person, said the way a patient counter clerk would say it, plus text to read aloud.

Standard clients get a short label; elder clients get a full sentence with dates in natural
Chinese ("11月25日（星期三）") and no codes, abbreviations or English.
"""

from __future__ import annotations

from datetime import date

from connectors.appointments.models import Appointment
from connectors.workorders.models import WorkOrder
from personal_space.sections import CaseView

WEEKDAYS = "一二三四五六日"


def natural_date(day: date, today: date | None = None) -> str:
    if today is not None:
        delta = (day - today).days
        named = {0: "今天", 1: "明天", 2: "后天", -1: "昨天"}.get(delta)
        if named:
            return f"{named}（{day.month}月{day.day}日）"
    prefix = f"{day.year}年" if today is None or day.year != today.year else ""
    return f"{prefix}{day.month}月{day.day}日（星期{WEEKDAYS[day.weekday()]}）"


def natural_time(clock: str) -> str:
    """ "09:30" → "上午9点半", as people say it."""
    hour, minute = (int(part) for part in clock.split(":"))
    period = "上午" if hour < 12 else ("中午" if hour == 12 else "下午")
    shown = hour if hour <= 12 else hour - 12
    tail = {0: "", 30: "半"}.get(minute, f"{minute}分")
    return f"{period}{shown}点{tail}"


def case_status(view: CaseView, *, elder: bool, today: date) -> str:
    case = view.case
    if not elder:
        return case.status
    item = case.item_name
    match case.status:
        case "申请":
            return f"您的「{item}」申请已提交，正在等待窗口受理。"
        case "受理" | "审查":
            days = view.working_days_left
            tail = f"，预计还要{days}个工作日" if days is not None and days > 0 else ""
            return f"您的「{item}」申请已收到，正在审核{tail}。"
        case "补正":
            need = f"：{case.supplement_request}" if case.supplement_request else ""
            return f"您的「{item}」申请还缺材料，请补充后再提交{need}。补材料期间不计算办理时间。"
        case "决定":
            return f"您的「{item}」申请已审核完毕，正在出结果，请留意通知。"
        case "办结":
            result = f"办理结果：{case.result.rstrip('。')}。" if case.result else ""
            return f"您的「{item}」已经办好了。{result}"
        case "不予受理":
            return f"很抱歉，您的「{item}」申请没有被受理。{case.result or '可拨打12345咨询原因。'}"
    return f"您的「{item}」当前状态：{case.status}。"


def work_order_status(order: WorkOrder, *, elder: bool, today: date) -> str:
    if not elder:
        return order.status
    kind = order.kind
    if order.merged_into:
        return "您反映的问题和其他市民反映的是同一件事，已经合并办理，结果会一并告诉您。"
    match order.status:
        case "受理" | "派单":
            return f"您的{kind}已经登记，正在转给负责的部门，{natural_date(order.deadline, today)}前会答复您。"
        case "办理":
            return f"负责部门正在办理您的{kind}，{natural_date(order.deadline, today)}前会答复您。"
        case "回复" | "办结":
            unit = order.reply.unit if order.reply else "负责部门"
            return f"{unit}已经答复了您的{kind}，请查看答复内容；如果不满意，可以申请重新办理。"
        case "回访" | "评价":
            return f"您的{kind}已经办完，工作人员可能会回访您，请为办理结果打个分。"
        case "退单":
            return f"您的{kind}正在重新安排负责的部门，请耐心等待。"
    return f"您的{kind}当前状态：{order.status}。"


def appointment_status(appointment: Appointment, *, elder: bool, today: date) -> str:
    if not elder:
        return appointment.status
    when = f"{natural_date(appointment.date, today)}{natural_time(appointment.start)}到{natural_time(appointment.end)}"
    if appointment.status == "已取消":
        return f"您{when}在{appointment.hall_name}的预约已经取消。"
    if appointment.status == "已完成":
        return f"您{when}在{appointment.hall_name}的事项已经办理。"
    if appointment.status == "爽约" or appointment.date < today:
        return f"您{when}在{appointment.hall_name}办理「{appointment.item_name}」的预约已经过去了。"
    return (
        f"您预约了{when}，到{appointment.hall_name}办理「{appointment.item_name}」，"
        f"地址是{appointment.hall_address}，请带好身份证，取号码是{appointment.ticket_no}。"
    )


def speakable(text: str) -> str:
    """Read-aloud text: no brackets or symbols a speech engine would spell out."""
    for symbol, spoken in (
        ("（", "，"),
        ("）", "，"),
        ("「", ""),
        ("」", ""),
        ("·", "，"),
        ("/", "或"),
        ("12345", "一二三四五"),
    ):
        text = text.replace(symbol, spoken)
    return text.replace("，，", "，").replace("，。", "。")


def for_voice(text: str, limit: int = 80) -> str:
    """An answer short enough to be read aloud: whole sentences up to `limit` characters."""
    sentences = [s for s in text.replace("\n", "").split("。") if s.strip()]
    spoken = ""
    for sentence in sentences:
        candidate = f"{spoken}{sentence.strip()}。"
        if spoken and len(candidate) > limit:
            break
        spoken = candidate
    return spoken if len(spoken) <= limit else spoken[: limit - 1] + "…"
