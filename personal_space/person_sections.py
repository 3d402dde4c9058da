"""The sections of the one person a request is about, each fetched at most once per request.

A home screen reads the cases in `cases`, `timeline`, `commonServices`, `awaitingRating` and
every `Case.rating`. Those fields resolve concurrently, so each section is one shared task that
every reader awaits: one cache read or department call per section and request, however many
fields need it. `awaitingRating` and `Case.rating` are worked out from the cases and ratings
sections instead of asking the ratings system again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from connectors.appointments.models import Appointment
from connectors.bills.models import Bill
from connectors.ratings.models import Rating
from connectors.workorders.models import WorkOrder
from kit.memo import TaskMemo
from personal_space.audit import AuditTrail
from personal_space.caller import Caller
from personal_space.identity import PersonRecord
from personal_space.sections import RATINGS_PAGE, CaseView, RecordsView, SpaceSections
from personal_space.views import Federated, Provenance

T = TypeVar("T")


class PersonSections:
    def __init__(self, sections: SpaceSections, caller: Caller, person: PersonRecord, audit: AuditTrail) -> None:
        self._sections = sections
        self._caller = caller
        self._person = person
        self._audit = audit
        self._memo = TaskMemo()

    @property
    def person(self) -> PersonRecord:
        return self._person

    async def _once(self, name: str, make: Callable[[], Awaitable[T]]) -> T:
        return await self._memo.get(name, make)

    async def cases(self) -> Federated[CaseView]:
        return await self._once("cases", lambda: self._sections.cases(self._caller, self._person, self._audit))

    async def work_orders(self) -> Federated[WorkOrder]:
        return await self._once(
            "workOrders", lambda: self._sections.work_orders(self._caller, self._person, self._audit)
        )

    async def ratings(self) -> Federated[Rating]:
        return await self._once("ratings", lambda: self._sections.ratings(self._caller, self._person, self._audit))

    async def appointments(self) -> Federated[Appointment]:
        return await self._once(
            "appointments", lambda: self._sections.appointments(self._caller, self._person, self._audit)
        )

    async def bills(self) -> Federated[Bill]:
        return await self._once("bills", lambda: self._sections.bills(self._caller, self._person, self._audit))

    async def records(self) -> Federated[RecordsView]:
        return await self._once("records", lambda: self._sections.records(self._caller, self._person, self._audit))

    async def awaiting_rating(self) -> Federated[CaseView]:
        """Finished cases (办结, 不予受理) the person has not rated yet, newest first.

        Rating is for recent dealings, so the newest cases of the section are the ones that can
        still be rated; the ratings the person gave come from their ratings section."""
        self._audit.read(self._person.account_id, "awaitingRating")
        cases = await self.cases()
        finished = [view for view in cases.items if view.case.finished]
        if not finished:
            return Federated([], cases.source)
        rated, source = await self.ratings_of_cases([view.case.case_id for view in finished])
        return Federated([view for view in finished if view.case.case_id not in rated], source)

    async def ratings_of_cases(self, case_ids: list[str]) -> tuple[dict[str, Rating], Provenance]:
        """The person's rating of each of these cases that has one (the DataLoader behind
        `Case.rating`). The ratings section holds every rating of someone with fewer than a page
        of them; for the rare person with more, the ratings system is asked for the rest."""
        ratings = await self.ratings()
        mine = {r.case_id: r for r in ratings.items if r.case_id}
        unknown = [case_id for case_id in case_ids if case_id not in mine]
        if unknown and len(ratings.items) >= RATINGS_PAGE:
            more = await self._sections.ratings_for_cases(self._caller, self._person, self._audit, unknown)
            mine.update({r.case_id: r for r in more.items if r.case_id})
        return {case_id: mine[case_id] for case_id in case_ids if case_id in mine}, ratings.source
