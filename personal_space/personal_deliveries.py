"""Delivery of a person's writes to the departments, and what the person is told afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.appointments.models import BookingRequest
from connectors.base import CallContext
from connectors.errors import DepartmentRejected
from connectors.ratings.models import NewRating
from connectors.ratings.models import Party as RatingParty
from connectors.workorders.models import NewWorkOrder, Party
from personal_space.identity import IdentityService, PersonRecord
from personal_space.models import Account, Submission
from personal_space.outbox import Deliver, Delivered, DeliveryNotice
from personal_space.service import PersonalSpaceService


class PersonalDeliveries:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], identity: IdentityService, space: PersonalSpaceService
    ) -> None:
        self._sessionmaker = sessionmaker
        self._identity = identity
        self._space = space

    def deliverers(self) -> dict[str, Deliver]:
        return {
            "workorders.create": self.work_order,
            "ratings.create": self.rating,
            "appointments.book": self.book,
            "appointments.cancel": self.cancel,
            "data_errors.report": self.data_error,
        }

    async def _person(self, payload: dict[str, Any]) -> tuple[PersonRecord, CallContext]:
        async with self._sessionmaker() as session:
            account = await session.get(Account, payload["account_id"])
        if account is None:
            raise DepartmentRejected("outbox", "citizen-space", "the account no longer exists")
        call = CallContext(
            request_id=f"outbox-{uuid.uuid4().hex[:16]}",
            purpose="self_access",
            user_pseudonym=self._space.pseudonym_of(account.subject),
        )
        return self._identity.person(account), call

    async def _done(self, person: PersonRecord, *sections: str) -> None:
        async with self._sessionmaker() as session:
            account = await session.get(Account, person.account_id)
        if account is not None:
            await self._space.invalidate_subject(account.subject, *sections, account_id=account.id)

    async def work_order(self, payload: dict[str, Any], key: str) -> Delivered:
        person, call = await self._person(payload)
        order = NewWorkOrder(
            kind=payload["kind"],
            title=payload["title"],
            content=payload["content"],
            category=payload["category"],
            location=payload["location"],
            caller=Party(id_type="111", id_number=person.id_number, name=person.name),
            contact_phone=payload["contact_phone"] or person.phone,
            related_case_id=payload["related_case_id"],
        )
        created = await self._space.connectors.workorders.create(order, call, idempotency_key=key)
        await self._done(person, "workOrders")
        return Delivered(created.order_id, created.status)

    async def data_error(self, payload: dict[str, Any], key: str) -> Delivered:
        """Rule 30: a citizen's correction goes to the department that owns the data; 12345
        dispatches it there and tracks the answer like any other request."""
        person, call = await self._person(payload)
        target = "电子证照" if payload["target"] == "licence" else "个人记录"
        owner = payload.get("owning_department") or "数据主管部门"
        order = NewWorkOrder(
            kind="求助",
            title=f"数据纠错：{target}信息有误",
            category="政务服务",
            content=(
                f"申请人反映其{target}（{payload['target_id']}）的「{payload['field']}」有误，"
                f"请{owner}核实更正。说明：{payload['description']}"
            ),
            caller=Party(id_type="111", id_number=person.id_number, name=person.name),
            contact_phone=person.phone,
        )
        created = await self._space.connectors.workorders.create(order, call, idempotency_key=key)
        await self._done(person, "workOrders")
        return Delivered(created.order_id, created.status)

    async def rating(self, payload: dict[str, Any], key: str) -> Delivered:
        person, call = await self._person(payload)
        rating = NewRating(
            target_type=payload["target_type"],
            case_id=payload["case_id"],
            service_id=payload["service_id"],
            item_code=payload["item_code"],
            level=payload["level"],
            comment=payload["comment"],
            reasons=payload["reasons"],
            rater=RatingParty(id_type="111", id_number=person.id_number, name=person.name),
        )
        created = await self._space.connectors.ratings.create(rating, call, idempotency_key=key)
        await self._done(person, "ratings", "awaitingRating")
        return Delivered(created.rating_id, created.level)

    async def book(self, payload: dict[str, Any], key: str) -> Delivered:
        person, call = await self._person(payload)
        request = BookingRequest(
            hall_id=payload["hall_id"],
            item_code=payload["item_code"],
            date=date.fromisoformat(payload["date"]),
            start=payload["start"],
            holder_id=person.id_number,
            holder_name=person.name,
        )
        booked = await self._space.connectors.appointments.book(request, call, idempotency_key=key)
        await self._done(person, "appointments")
        return Delivered(booked.appointment_id, booked.status)

    async def cancel(self, payload: dict[str, Any], key: str) -> Delivered:
        person, call = await self._person(payload)
        cancelled = await self._space.connectors.appointments.cancel(
            payload["appointment_id"], person.id_number, call, idempotency_key=key
        )
        await self._done(person, "appointments")
        return Delivered(cancelled.appointment_id, cancelled.status)


def _notice(title: str, delivered: str, rejected: str) -> Callable[[Submission], DeliveryNotice]:
    def make(submission: Submission) -> DeliveryNotice:
        if submission.status == "DELIVERED":
            return DeliveryNotice(title, delivered.format(remote=submission.remote_id or ""))
        return DeliveryNotice(f"{title}未成功", rejected.format(reason=submission.last_error or "请核对后重新提交"))

    return make


PERSONAL_NOTICES: dict[str, Callable[[Submission], DeliveryNotice]] = {
    "work_order": _notice("12345诉求已受理", "您的诉求已送达12345热线，工单号{remote}。", "您的诉求未能提交：{reason}"),
    "data_error_report": _notice(
        "数据纠错已提交", "您反映的数据问题已转给主管部门核实，工单号{remote}。", "数据纠错未能提交：{reason}"
    ),
    "rating": _notice("评价已提交", "感谢您的评价。", "评价未能提交：{reason}"),
    "appointment": _notice("预约成功", "您的预约已确认，预约号{remote}。", "预约未成功：{reason}"),
    "appointment_cancel": _notice("预约已取消", "您的预约已取消。", "取消预约未成功：{reason}"),
}
