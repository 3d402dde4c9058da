"""The polling fallback for live updates: departments that do not call back (or whose webhook
is lost) are asked, for the people subscribed to this instance, whether their cases moved on.

Webhooks and polling publish through one once-only guard (object and status), so a change that
arrives both ways is pushed once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.base import CallContext
from connectors.errors import DepartmentError
from kit.cache import Cache
from kit.events import EventBus
from personal_space.identity import IdentityService
from personal_space.models import Account, Notification, utcnow
from personal_space.service import PersonalSpaceService

log = logging.getLogger("citizen.polling")
ONCE_SECONDS = 7 * 86_400


async def first_to_announce(cache: Cache, system: str, object_id: str, status: str) -> bool:
    """True for the first of webhook or poll to report this object's new status."""
    return await cache.add(f"ev:{system}:{object_id}:{status}", b"1", ONCE_SECONDS)


class CasePoller:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        identity: IdentityService,
        space: PersonalSpaceService,
        bus: EventBus,
        cache: Cache,
        *,
        interval_seconds: float,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._identity = identity
        self._space = space
        self._bus = bus
        self._cache = cache
        self._interval = interval_seconds
        self._watched: Counter[str] = Counter()  # account id → open subscriptions here
        self._last_seen: dict[str, dict[str, str]] = {}

    @contextlib.contextmanager
    def watching(self, account_id: str):  # type: ignore[no-untyped-def]
        self._watched[account_id] += 1
        try:
            yield
        finally:
            self._watched[account_id] -= 1
            if self._watched[account_id] <= 0:
                del self._watched[account_id]
                self._last_seen.pop(account_id, None)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            for account_id in list(self._watched):
                try:
                    await self.poll(account_id)
                except DepartmentError:
                    continue  # try again next round; the breaker keeps this cheap
                except Exception:
                    log.exception("polling failed")

    async def poll(self, account_id: str) -> int:
        async with self._sessionmaker() as session:
            account = await session.get(Account, account_id)
        if account is None:
            return 0
        person = self._identity.person(account)
        call = CallContext(
            request_id=f"poll-{uuid.uuid4().hex[:12]}",
            purpose="self_access",
            user_pseudonym=self._space.pseudonym_of(account.subject),
        )
        page = await self._space.connectors.cases.by_holder(person.id_number, call, limit=100)
        current: dict[str, str] = {case.case_id: case.status for case in page.items}
        previous = self._last_seen.get(account_id)
        self._last_seen[account_id] = current
        if previous is None:
            return 0  # the first look only sets the baseline
        changed = [(case_id, status) for case_id, status in current.items() if previous.get(case_id) != status]
        announced = 0
        for case_id, status in changed:
            if not await first_to_announce(self._cache, "cases", case_id, status):
                continue
            announced += 1
            async with self._sessionmaker() as session:
                session.add(
                    Notification(
                        account_id=account_id,
                        kind="case_status_changed",
                        title="办件进度更新",
                        body=f"您的办件有新进展：{status}",
                        object_ref=f"cases:{case_id}",
                    )
                )
                await session.commit()
            await self._space.invalidate_subject(account.subject, "cases", account_id=account_id)
            await self._bus.publish(
                f"user:{account_id}",
                {
                    "type": "CASE_STATUS_CHANGED",
                    "objectId": case_id,
                    "kind": "cases",
                    "status": status,
                    "title": "办件进度更新",
                    "body": f"您的办件有新进展：{status}",
                    "at": utcnow().isoformat(),
                },
            )
        return announced
