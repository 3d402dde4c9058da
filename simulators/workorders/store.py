"""The live work-order store: lookups, the caller's writes, and the hotline's state machine."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from simulators.common.lifecycle import Transition, conflict, not_found, now, unprocessable
from simulators.common.webhooks import subject_id_hash
from simulators.workorders import process
from simulators.workorders.data import OrderIds
from simulators.workorders.schemas import (
    MAX_REOPENS,
    OPEN_FOR_INFORMATION,
    OPEN_FOR_RATING,
    NewWorkOrder,
    Satisfaction,
    WorkOrder,
    WorkOrderStats,
)

EVENT = "workorder.status_changed"
MANUAL_EVENTS = ("退单", "改派", "并单")


class WorkOrderStore:
    def __init__(self, orders: list[WorkOrder], ids: OrderIds, secret: str) -> None:
        self.by_id: dict[str, WorkOrder] = {}
        self.by_subject: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.ids = ids
        self.secret = secret
        self.created_via_api = 0
        for order in orders:
            self._add(order)

    def _add(self, order: WorkOrder) -> None:
        self.by_id[order.order_id] = order
        self.by_subject[(order.caller.id_type, order.caller.id_number)].append(order.order_id)
        if order.on_behalf_of is not None:
            self.by_subject[(order.on_behalf_of.id_type, order.on_behalf_of.id_number)].append(order.order_id)

    def get(self, order_id: str) -> WorkOrder:
        order = self.by_id.get(order_id)
        if order is None:
            raise not_found("工单")
        return order

    def for_subject(self, id_type: str, id_number: str) -> list[WorkOrder]:
        orders = [self.by_id[i] for i in self.by_subject.get((id_type, id_number.upper()), [])]
        return sorted(orders, key=lambda o: o.created_at, reverse=True)

    # -- the caller's writes ------------------------------------------------------------------

    def create(self, request: NewWorkOrder) -> WorkOrder:
        at = now()
        order = process.open_order(
            self.ids.next(at.date()),
            kind=request.kind,
            title=request.title,
            content=request.content,
            category=request.category,
            caller=request.caller,
            at=at,
            channel=request.channel,
            location=request.location,
            contact_phone=request.contact_phone,
            on_behalf_of=request.on_behalf_of,
            related_case_id=request.related_case_id,
        )
        self._add(order)
        self.created_via_api += 1
        return order

    def add_information(self, order_id: str, content: str) -> WorkOrder:
        order = self.get(order_id)
        if order.status not in OPEN_FOR_INFORMATION:
            raise conflict("ORDER_NOT_OPEN", f"工单处于{order.status}状态，不能补充信息")
        process.add_information(order, self._at(order), content)
        return order

    def rate(self, order_id: str, level: Satisfaction, comment: str | None) -> Transition:
        order = self.get(order_id)
        if order.status not in OPEN_FOR_RATING:
            raise conflict("NOT_RATABLE", f"工单处于{order.status}状态，暂不能评价")
        process.rate(order, self._at(order), level, comment)
        return self._transition(order)

    def reopen(self, order_id: str, reason: str) -> Transition:
        order = self.get(order_id)
        if order.status != "评价" or order.rating is None or order.rating.level != "不满意":
            raise conflict("NOT_REOPENABLE", "仅对评价为不满意的工单可申请重办")
        if order.reopened_count >= MAX_REOPENS:
            raise conflict("REOPEN_LIMIT", f"同一工单最多重办{MAX_REOPENS}次")
        process.reopen(order, self._at(order), reason)
        return self._transition(order)

    # -- the hotline's state machine ----------------------------------------------------------

    def step(self, object_id: str, event: str | None, *, auto: bool, into: str | None = None) -> Transition | None:
        order = self.get(object_id)
        at = self._at(order)
        if event is not None:
            self._exceptional(order, event, at, into)
            return self._transition(order)
        match order.status:
            case "受理":
                process.dispatch(order, at)
            case "派单":
                process.sign_for(order, at)
            case "退单":
                process.reassign(order, at)
            case "办理":
                process.reply(order, at)
            case "回复":
                process.close(order, at)
            case "办结":
                process.visit(order, at)
            case _:
                # 回访 waits for the caller's rating; 评价 and 并单 have ended.
                return None
        return self._transition(order)

    def _exceptional(self, order: WorkOrder, event: str, at: datetime, into: str | None) -> None:
        if event not in MANUAL_EVENTS:
            raise unprocessable("UNKNOWN_EVENT", f"事件须为{'、'.join(MANUAL_EVENTS)}之一")
        if event == "退单":
            if order.status not in ("派单", "办理"):
                raise conflict("TRANSITION_NOT_ALLOWED", f"工单处于{order.status}状态，不能退单")
            process.send_back(order, at)
        elif event == "改派":
            if order.status not in ("派单", "办理", "退单"):
                raise conflict("TRANSITION_NOT_ALLOWED", f"工单处于{order.status}状态，不能改派")
            process.reassign(order, at)
        else:
            if into is None or into == order.order_id:
                raise unprocessable("MERGE_TARGET_REQUIRED", "并单须指定另一张工单（into）")
            target = self.get(into)
            if order.status not in ("受理", "派单", "办理", "退单") or target.status == "并单":
                raise conflict("TRANSITION_NOT_ALLOWED", "该工单或目标工单不能并单")
            process.merge(order, target, at)

    @staticmethod
    def _at(order: WorkOrder) -> datetime:
        return max(now(), order.updated_at)

    def _transition(self, order: WorkOrder) -> Transition:
        # The caller is told, also when speaking for a company: the gateway pushes to a person.
        return Transition(
            event=EVENT,
            object_id=order.order_id,
            status=order.status,
            at=order.updated_at,
            subject_id_hash=subject_id_hash(self.secret, order.caller.id_number),
        )

    def snapshot(self, object_id: str) -> WorkOrder:
        return self.get(object_id)

    def stats(self, idempotency_keys: int) -> WorkOrderStats:
        orders = self.by_id.values()
        return WorkOrderStats(
            work_orders=len(self.by_id),
            callers=len({o.caller.id_number for o in orders}),
            by_kind=dict(sorted(Counter(o.kind for o in orders).items())),
            by_status=dict(sorted(Counter(o.status for o in orders).items())),
            created_via_api=self.created_via_api,
            idempotency_keys=idempotency_keys,
        )
