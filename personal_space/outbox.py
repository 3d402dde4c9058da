"""The outbox: writes bound for departments are stored with a delivery row in one transaction,
then delivered by a worker with retries and the write's idempotency key.

Several workers (one per gateway instance) may run against one database: a row is claimed
with `FOR UPDATE SKIP LOCKED` on PostgreSQL, or by a conditional UPDATE on SQLite, and a claim
is a lease — a worker killed mid-delivery leaves a row that another worker picks up after the
lease, and the department's idempotency check makes the repeat harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.errors import DepartmentError, DepartmentRejected, NotFound
from kit.events import EventBus
from personal_space.models import Notification, OutboxMessage, Submission, utcnow

log = logging.getLogger("citizen.outbox")

MAX_BACKOFF_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Delivered:
    remote_id: str
    remote_status: str


Deliver = Callable[[dict[str, Any], str], Awaitable[Delivered]]


@dataclass(frozen=True, slots=True)
class DeliveryNotice:
    """What the owner is told once the department has the write."""

    title: str
    body: str


async def enqueue(
    session: AsyncSession,
    *,
    account_id: str,
    kind: str,
    system: str,
    operation: str,
    payload: dict[str, Any],
    idempotency_key: str,
) -> Submission:
    submission = Submission(account_id=account_id, kind=kind, system=system, payload=payload, status="PENDING")
    session.add(submission)
    await session.flush()
    session.add(
        OutboxMessage(
            submission_id=submission.id,
            system=system,
            operation=operation,
            payload=payload,
            # Scoped by account so two people's keys never collide at the department.
            idempotency_key=f"{account_id}:{idempotency_key}",
            status="pending",
            attempts=0,
            next_attempt_at=utcnow(),
        )
    )
    await session.flush()
    return submission


class OutboxWorker:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        deliverers: dict[str, Deliver],
        bus: EventBus,
        notices: dict[str, Callable[[Submission], DeliveryNotice]],
        *,
        lease_seconds: float = 30.0,
        poll_seconds: float = 0.5,
        batch_size: int = 20,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._deliverers = deliverers
        self._bus = bus
        self._notices = notices
        self._lease = timedelta(seconds=lease_seconds)
        self._poll = poll_seconds
        self._batch = batch_size
        self.worker_id = f"w-{uuid.uuid4().hex[:12]}"
        self._wake = asyncio.Event()
        self.delivered = 0

    def wake(self) -> None:
        """Called after a write commits, so delivery does not wait for the next poll."""
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                handled = await self.run_once()
            except Exception:
                log.exception("outbox pass failed")
                handled = 0
            if handled == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._poll)

    async def run_once(self) -> int:
        claimed = await self._claim()
        for message_id in claimed:
            await self._deliver(message_id)
        return len(claimed)

    async def _claim(self) -> list[str]:
        now = utcnow()
        claimable = or_(
            and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
            and_(OutboxMessage.status == "delivering", OutboxMessage.claimed_until < now),
        )
        async with self._sessionmaker() as session, session.begin():
            query = select(OutboxMessage.id).where(claimable).order_by(OutboxMessage.created_at).limit(self._batch)
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            ids = list((await session.scalars(query)).all())
            if not ids:
                return []
            # The WHERE repeats the claim condition: on SQLite a concurrent claimer loses here.
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), claimable)
                .values(status="delivering", claimed_by=self.worker_id, claimed_until=now + self._lease)
                .returning(OutboxMessage.id)
            )
            return [row[0] for row in result.all()]

    async def _deliver(self, message_id: str) -> None:
        async with self._sessionmaker() as session:
            message = await session.get(OutboxMessage, message_id)
            if message is None or message.claimed_by != self.worker_id or message.status != "delivering":
                return
            deliver = self._deliverers.get(message.operation)
            submission = await session.get(Submission, message.submission_id)
            assert submission is not None
            try:
                if deliver is None:
                    raise DepartmentRejected(message.system, message.system, f"no deliverer for {message.operation}")
                result = await deliver(message.payload, message.idempotency_key)
            except (DepartmentRejected, NotFound) as exc:
                await self._finish(session, message, submission, status="REJECTED", error=exc.reason)
                return
            except ValidationError as exc:
                # The write can never be valid for the department; retrying would only repeat it.
                log.error("outbox payload rejected by the department model", extra={"operation": message.operation})
                await self._finish(
                    session,
                    message,
                    submission,
                    status="REJECTED",
                    error=f"提交内容不符合部门要求（{exc.error_count()}项）",
                )
                return
            except DepartmentError as exc:
                await self._retry_later(session, message, exc.reason)
                return
            except Exception as exc:  # a bug must not stall the queue: retry, and log loudly
                log.exception("outbox delivery crashed", extra={"operation": message.operation})
                await self._retry_later(session, message, type(exc).__name__)
                return
            submission.remote_id = result.remote_id
            submission.remote_status = result.remote_status
            await self._finish(session, message, submission, status="DELIVERED", error=None)

    async def _retry_later(self, session: AsyncSession, message: OutboxMessage, reason: str) -> None:
        message.attempts += 1
        backoff = min(MAX_BACKOFF_SECONDS, 2 ** min(message.attempts, 9)) * random.uniform(0.5, 1.0)
        message.status = "pending"
        message.claimed_by = None
        message.claimed_until = None
        message.next_attempt_at = utcnow() + timedelta(seconds=backoff)
        message.last_error = reason[:300]
        await session.commit()

    async def _finish(
        self, session: AsyncSession, message: OutboxMessage, submission: Submission, *, status: str, error: str | None
    ) -> None:
        message.attempts += 1
        message.status = "done" if status == "DELIVERED" else "dead"
        message.last_error = error
        submission.status = status
        submission.last_error = error
        notice = self._notice(submission)
        session.add(
            Notification(
                account_id=submission.account_id,
                kind=f"submission_{status.lower()}",
                title=notice.title,
                body=notice.body,
                object_ref=f"submission:{submission.id}",
            )
        )
        await session.commit()
        self.delivered += 1
        await self._bus.publish(
            f"user:{submission.account_id}",
            {
                "type": "SUBMISSION_" + status,
                "objectId": submission.id,
                "kind": submission.kind,
                "status": status,
                "remoteId": submission.remote_id,
                "title": notice.title,
                "body": notice.body,
                "at": utcnow().isoformat(),
            },
        )

    def _notice(self, submission: Submission) -> DeliveryNotice:
        make = self._notices.get(submission.kind)
        if make is not None:
            return make(submission)
        if submission.status == "DELIVERED":
            return DeliveryNotice("提交成功", "您提交的事项已送达主管部门。")
        return DeliveryNotice("提交未被受理", f"主管部门未能受理：{submission.last_error or '请核对后重新提交'}")
