"""The federated sections of the personal space beyond licences: cases, work orders, ratings,
appointments, bills and records. Each is fetched through its connector, masked here, cached
with stale-if-error, audited, and tagged with where it came from.

Connector models double as views once masked: they are validated department data, and copying
each into a parallel dataclass would add nothing but places to forget a field.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from connectors.appointments.models import Appointment
from connectors.bills.models import Bill, BillSummary
from connectors.cases.models import Case
from connectors.errors import NotFound
from connectors.ratings.models import Rating
from connectors.records.models import HousingFundAccount, MedicalAccount, SocialInsuranceSummary
from connectors.workorders.models import WorkOrder
from kit import working_days
from kit.masking import MaskingPolicy
from personal_space.audit import AuditTrail
from personal_space.caller import Caller
from personal_space.identity import PersonRecord
from personal_space.section_cache import items_codec
from personal_space.service import PersonalSpaceService
from personal_space.views import Federated

ModelT = TypeVar("ModelT", bound=BaseModel)
CHINA = ZoneInfo("Asia/Shanghai")
# One page of a person's ratings: everyone's, bar the rare person who rated more.
RATINGS_PAGE = 100


def china_today() -> date:
    return datetime.now(UTC).astimezone(CHINA).date()


@dataclass(frozen=True, slots=True)
class CaseView:
    case: Case
    promised_deadline: date | None
    working_days_left: int | None
    overdue: bool


class RecordsView(BaseModel):
    """社保, 公积金 and 医保 of one person: one system, one section."""

    social_insurance: SocialInsuranceSummary | None
    housing_fund: HousingFundAccount | None
    medical: MedicalAccount | None


def _mask_party(m: MaskingPolicy, party: Any) -> Any:
    if party is None:
        return None
    return party.model_copy(update={"name": m.name(party.name), "id_number": m.id_number(party.id_number)})


class SpaceSections:
    def __init__(self, space: PersonalSpaceService) -> None:
        self.space = space

    @property
    def m(self) -> MaskingPolicy:
        return self.space.masking

    async def _fetch(
        self,
        name: str,
        system: str,
        caller: Caller,
        person: PersonRecord,
        audit: AuditTrail,
        fetch: Callable[[Any], Awaitable[list[ModelT]]],
        model: type[ModelT],
        mask: Callable[[ModelT], ModelT],
    ) -> Federated[ModelT]:
        """Fetch (or take from the sealed cache) the department's data, then mask it."""
        audit.read(person.account_id, name)
        call = self.space.call_context(caller, audit.request_id, audit.purpose)
        client = self.space.connectors.systems[system]
        section = await self.space.section(name, client.config, call, lambda: fetch(call), items_codec(model), audit)
        return Federated([mask(item) for item in section.items], section.source)

    # -- 办件 ------------------------------------------------------------------------------------

    async def cases(self, caller: Caller, person: PersonRecord, audit: AuditTrail) -> Federated[CaseView]:
        async def fetch(call: Any) -> list[Case]:
            return (await self.space.connectors.cases.by_holder(person.id_number, call, limit=100)).items

        section = await self._fetch("cases", "cases", caller, person, audit, fetch, Case, self._mask_case)
        return Federated([case_view(c, china_today()) for c in section.items], section.source)

    def _mask_case(self, case: Case) -> Case:
        return case.model_copy(
            update={
                "applicant": _mask_party(self.m, case.applicant),
                "submitted_by": _mask_party(self.m, case.submitted_by),
            }
        )

    # -- 12345 工单 -------------------------------------------------------------------------------

    async def work_orders(self, caller: Caller, person: PersonRecord, audit: AuditTrail) -> Federated[WorkOrder]:
        async def fetch(call: Any) -> list[WorkOrder]:
            return (await self.space.connectors.workorders.by_subject(person.id_number, call, limit=100)).items

        def mask(o: WorkOrder) -> WorkOrder:
            return o.model_copy(
                update={
                    "caller": _mask_party(self.m, o.caller),
                    "on_behalf_of": _mask_party(self.m, o.on_behalf_of),
                    "contact_phone": self.m.phone(o.contact_phone),
                }
            )

        return await self._fetch("workOrders", "workorders", caller, person, audit, fetch, WorkOrder, mask)

    # -- 好差评 ---------------------------------------------------------------------------------

    async def ratings(self, caller: Caller, person: PersonRecord, audit: AuditTrail) -> Federated[Rating]:
        async def fetch(call: Any) -> list[Rating]:
            return (await self.space.connectors.ratings.by_subject(person.id_number, call, limit=RATINGS_PAGE)).items

        def mask(r: Rating) -> Rating:
            return r.model_copy(update={"rater": _mask_party(self.m, r.rater), "applicant_id": None})

        return await self._fetch("ratings", "ratings", caller, person, audit, fetch, Rating, mask)

    async def ratings_for_cases(
        self, caller: Caller, person: PersonRecord, audit: AuditTrail, case_ids: list[str]
    ) -> Federated[Rating]:
        """The ratings of many cases in one call (the DataLoader behind `Case.rating`)."""
        audit.read(person.account_id, "ratings")
        call = self.space.call_context(caller, audit.request_id, audit.purpose)
        verdict = await self.space.connectors.ratings.for_cases(case_ids, call)
        source = self.space.provenance(self.space.connectors.ratings.base.config)
        mine = [r for r in verdict.items if r.rater.id_number.upper() == person.id_number.upper()]
        return Federated(
            [r.model_copy(update={"rater": _mask_party(self.m, r.rater), "applicant_id": None}) for r in mine], source
        )

    # -- 预约 -------------------------------------------------------------------------------------

    async def appointments(self, caller: Caller, person: PersonRecord, audit: AuditTrail) -> Federated[Appointment]:
        async def fetch(call: Any) -> list[Appointment]:
            return (await self.space.connectors.appointments.of_holder(person.id_number, call, page_size=50)).items

        def mask(a: Appointment) -> Appointment:
            return a.model_copy(
                update={
                    "holder_id": self.m.id_number(a.holder_id) or "",
                    "holder_name": self.m.name(a.holder_name) or "",
                }
            )

        return await self._fetch("appointments", "appointments", caller, person, audit, fetch, Appointment, mask)

    # -- 水电气账单 -------------------------------------------------------------------------------

    async def bills(self, caller: Caller, person: PersonRecord, audit: AuditTrail) -> Federated[Bill]:
        async def fetch(call: Any) -> list[Bill]:
            return (await self.space.connectors.bills.bills(person.id_number, call, page_size=50)).items

        def mask(b: Bill) -> Bill:
            return b.model_copy(update={"holder_name": self.m.name(b.holder_name) or ""})

        return await self._fetch("bills", "bills", caller, person, audit, fetch, Bill, mask)

    async def bill_summary(self, caller: Caller, person: PersonRecord, audit: AuditTrail) -> BillSummary:
        call = self.space.call_context(caller, audit.request_id, audit.purpose)
        return await self.space.connectors.bills.summary(person.id_number, call)

    # -- 社保 / 公积金 / 医保 -------------------------------------------------------------------

    async def records(self, caller: Caller, person: PersonRecord, audit: AuditTrail) -> Federated[RecordsView]:
        """Three accounts from one system, fetched together and cached as one section; one missing
        account is not an error."""
        client = self.space.connectors.records

        async def optional(work: Awaitable[ModelT]) -> ModelT | None:
            try:
                return await work
            except NotFound:
                return None

        async def fetch(call: Any) -> list[RecordsView]:
            social, fund, medical = await asyncio.gather(
                optional(client.social_insurance_summary(person.id_number, call)),
                optional(client.housing_fund_account(person.id_number, call)),
                optional(client.medical_account(person.id_number, call)),
            )
            return [RecordsView(social_insurance=social, housing_fund=fund, medical=medical)]

        def mask(view: RecordsView) -> RecordsView:
            m = self.m
            social, fund, medical = view.social_insurance, view.housing_fund, view.medical
            return RecordsView(
                social_insurance=social.model_copy(update={"holder_name": m.name(social.holder_name) or ""})
                if social
                else None,
                housing_fund=fund.model_copy(
                    update={
                        "holder_name": m.name(fund.holder_name) or "",
                        "account_no": m.licence_number(fund.account_no) or "",
                    }
                )
                if fund
                else None,
                medical=medical.model_copy(update={"holder_name": m.name(medical.holder_name) or ""})
                if medical
                else None,
            )

        return await self._fetch("records", "records", caller, person, audit, fetch, RecordsView, mask)


def case_view(case: Case, today: date) -> CaseView:
    """The clock of a case: promised working days from acceptance, paused while 补正 waits."""
    deadline = case.promised_deadline
    if deadline is None and case.accepted_at is not None:
        deadline = working_days.promised_deadline(
            case.accepted_at.astimezone(CHINA).date(), case.promised_days, case.paused_working_days
        )
    if case.finished or deadline is None:
        return CaseView(case, deadline, None, False)
    if case.clock_paused:
        # While the applicant supplements (补正) the clock stands still at the day it stopped.
        paused_on = max((s.at for s in case.timeline if s.status == "补正"), default=None)
        if paused_on is not None:
            today = min(today, paused_on.astimezone(CHINA).date())
    left = working_days.working_days_left(deadline, today)
    return CaseView(case, deadline, left, left < 0)


def money(value: Decimal) -> str:
    return f"{value:.2f}"
