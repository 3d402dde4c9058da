"""Seeded cases: a written history for each demo user and company, then a spread for everyone else.

A history is played forward from the application date through the same transitions the live
simulator uses, and stops at the seed's target status or at the seed cut-off, whichever comes
first; so a case applied for a week ago with a 30-day promise is still under review.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from kit.working_days import add_working_days, is_working_day
from simulators.cases import process
from simulators.cases.schemas import Case, CaseStatus, Channel, CrossProvinceMode
from simulators.common.lifecycle import SEED_TODAY, SeedPlayer, at_office_hours
from simulators.common.parties import Party, company_party, person_party
from simulators.common.population import Population, population
from simulators.common.service_items import ServiceItem, service_items

# Items handled across provinces (跨省通办) in the national list, as far as the catalogue has them.
CROSS_PROVINCE_ITEMS = frozenset(
    {"GA-006", "GA-015", "GA-016", "RS-001", "RS-003", "RS-008", "RS-010", "YB-001", "YB-003",
     "GJJ-006", "GJJ-007", "GJJ-008", "WJ-003", "JY-002", "SJ-002", "SJ-005", "MZ-001"}
)  # fmt: skip


@dataclass(frozen=True)
class CaseSeed:
    item_code: str
    days_ago: int
    stop_at: CaseStatus = "办结"
    channel: Channel = "一部手机办事通"
    mode: CrossProvinceMode | None = None
    supplement: bool = False
    refuse: bool = False
    filed_by: str | None = None  # demo username filing for a company


DEMO_CASES: dict[str, list[CaseSeed]] = {
    "citizen": [
        CaseSeed("GA-015", 160),
        CaseSeed("YB-001", 75, mode="全程网办"),
        CaseSeed("GJJ-002", 12),
        CaseSeed("ZR-003", 6, stop_at="审查"),
        CaseSeed("GA-011", 4, stop_at="受理", channel="政务服务中心窗口"),
        CaseSeed("RS-003", 9, stop_at="补正", supplement=True),
        CaseSeed("SF-001", 40, refuse=True),
        CaseSeed("GA-010", 300),
    ],
    "citizen2": [
        CaseSeed("SJ-005", (SEED_TODAY - date(2021, 8, 30)).days, channel="政务服务中心窗口"),
        CaseSeed("RS-008", 20, stop_at="审查", mode="异地代收代办"),
        CaseSeed("WJ-008", 60, channel="政务服务中心窗口"),
        CaseSeed("GA-012", 8, stop_at="决定", channel="政务服务中心窗口"),
        CaseSeed("GJJ-007", 30, mode="多地联办"),
    ],
    "elder": [
        CaseSeed("MZ-007", 90, channel="政务服务中心窗口", supplement=True),
        CaseSeed("RS-016", 25),
        CaseSeed("YB-006", 10, stop_at="审查", channel="政务服务中心窗口"),
        CaseSeed("CL-002", 3, stop_at="受理", channel="政务服务中心窗口"),
        CaseSeed("MZ-013", 1200, channel="政务服务中心窗口"),
    ],
    "legal-rep": [
        CaseSeed("GA-015", 5, stop_at="补正", supplement=True),
        CaseSeed("ZR-002", 16, channel="政务服务中心窗口"),
        CaseSeed("SW-009", 71),
    ],
    "staff": [
        CaseSeed("WJ-008", 45, channel="政务服务中心窗口"),
        CaseSeed("GJJ-002", 4, stop_at="受理"),
    ],
}

DEMO_COMPANY_CASES: dict[str, list[CaseSeed]] = {
    "91530102MA6K8R2Q1N": [
        CaseSeed("SJ-009", 7, stop_at="审查", filed_by="staff"),
        CaseSeed("SJ-008", 150, filed_by="staff"),
        CaseSeed("SJ-003", 400, filed_by="legal-rep", channel="网上办事大厅"),
        CaseSeed("WJ-009", 15, stop_at="补正", supplement=True, filed_by="staff"),
        CaseSeed("RS-018", 30, filed_by="staff"),
        CaseSeed("SW-003", 20, filed_by="staff", channel="网上办事大厅"),
        CaseSeed("SL-001", 50, refuse=True, filed_by="legal-rep", channel="政务服务中心窗口"),
    ],
    "92530111MA6N3T7B45": [CaseSeed("SJ-008", 145, filed_by="citizen2")],
}


@dataclass
class CaseIds:
    """Case numbers: the applicant's district, the application date, a running sequence."""

    sequence: int = 0

    def next(self, applicant: Party, day: date) -> str:
        self.sequence += 1
        district = applicant.id_number[2:8] if applicant.is_company else applicant.id_number[:6]
        return f"{district}{day:%Y%m%d}{self.sequence:06d}"


@cache
def seeded_cases() -> tuple[list[Case], CaseIds]:
    """The seeded cases of the shared population, built once per process.

    The case simulator owns these objects and moves them on; the ratings simulator reads them
    only while it builds its own seed, before any request is served.
    """
    return build_cases(population())


def build_cases(pop: Population, seed: int = 23) -> tuple[list[Case], CaseIds]:
    rng = random.Random(seed)
    items = service_items()
    ids = CaseIds()
    cases: list[Case] = []
    for username, seeds in DEMO_CASES.items():
        person = pop.demo_people[username]
        for case_seed in seeds:
            cases.append(_play(case_seed, items[case_seed.item_code], person_party(person), None, ids, rng))
    for uscc, seeds in DEMO_COMPANY_CASES.items():
        company = pop.companies_by_uscc[uscc]
        for case_seed in seeds:
            filer = person_party(pop.demo_people[case_seed.filed_by]) if case_seed.filed_by else None
            cases.append(_play(case_seed, items[case_seed.item_code], company_party(company), filer, ids, rng))
    demo_ids = {p.id_number for p in pop.demo_people.values()} | set(DEMO_COMPANY_CASES)
    person_items = [i for i in items.values() if not i.for_companies]
    company_items = [i for i in items.values() if i.for_companies]
    for person in pop.people:
        if person.id_number in demo_ids:
            continue
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            cases.append(_generated(rng, rng.choice(person_items), person_party(person), None, ids))
    for company in pop.companies:
        if company.uscc in demo_ids:
            continue
        rep = pop.people_by_id.get(company.legal_representative_id)
        filer = person_party(rep) if rep else None
        for _ in range(rng.choice((0, 1, 1, 2, 3)) if company.status == "存续" else rng.choice((0, 1))):
            cases.append(_generated(rng, rng.choice(company_items), company_party(company), filer, ids))
    return cases, ids


def _generated(rng: random.Random, item: ServiceItem, applicant: Party, filer: Party | None, ids: CaseIds) -> Case:
    recent = rng.random() < 0.25
    mode: CrossProvinceMode | None = None
    if item.code in CROSS_PROVINCE_ITEMS and rng.random() < 0.3:
        mode = "全程网办" if item.fully_online else rng.choice(("异地代收代办", "多地联办"))
    channel: Channel = (
        rng.choice(("一部手机办事通", "网上办事大厅", "一部手机办事通", "自助终端"))
        if item.fully_online
        else "政务服务中心窗口"
    )
    case_seed = CaseSeed(
        item.code,
        rng.randrange(0, 45) if recent else rng.randrange(30, 1100),
        channel=channel,
        mode=mode,
        supplement=rng.random() < 0.08,
        refuse=rng.random() < 0.03,
    )
    return _play(case_seed, item, applicant, filer, ids, rng, denied=rng.random() < 0.03, late=rng.random() < 0.04)


def _play(
    case_seed: CaseSeed,
    item: ServiceItem,
    applicant: Party,
    filer: Party | None,
    ids: CaseIds,
    rng: random.Random,
    *,
    denied: bool = False,
    late: bool = False,
) -> Case:
    applied_on = SEED_TODAY - timedelta(days=case_seed.days_ago)
    if case_seed.channel == "政务服务中心窗口":
        # Halls are closed on rest days: the visit was on the working day before.
        while not is_working_day(applied_on):
            applied_on -= timedelta(days=1)
    applied_at = at_office_hours(applied_on, rng.randrange(480))
    case = process.open_case(
        ids.next(applicant, applied_on),
        item,
        applicant,
        at=applied_at,
        channel=case_seed.channel,
        submitted_by=filer,
        cross_province_mode=case_seed.mode,
        materials=["申请表", "身份证明"] if not applicant.is_company else ["申请表", "营业执照", "法定代表人身份证明"],
    )
    clock = SeedPlayer(case.timeline[-1].at, rng, lambda: case.status == case_seed.stop_at)
    if case_seed.refuse:
        clock.run(add_working_days(applied_on, 1), lambda at: process.refuse(case, at, rng.randrange(3)))
        return case
    promised = item.promised_days
    # Online applications made on a rest day wait for the next working day to be accepted.
    first_working_day = applied_on if is_working_day(applied_on) else add_working_days(applied_on, 1)
    accepted_on = first_working_day if promised == 0 or rng.random() < 0.5 else add_working_days(applied_on, 1)
    if not clock.run(accepted_on, lambda at: process.accept(case, at, item.fully_online)):
        return case
    review_on = accepted_on if promised <= 1 else add_working_days(accepted_on, 1)
    if not clock.run(review_on, lambda at: process.start_review(case, at)):
        return case
    if case_seed.supplement:
        asked_on = add_working_days(review_on, 1)
        if not clock.run(asked_on, lambda at: process.request_supplement(case, at, rng.randrange(6))):
            return case
        resumed_on = add_working_days(asked_on, rng.randint(2, 6))
        if not clock.run(resumed_on, lambda at: process.resume(case, at, ["补正材料"])):
            return case
    elapsed = rng.randint(max(1, promised // 3), promised) if promised else 0
    decided_on = add_working_days(accepted_on, elapsed + case.paused_working_days + (rng.randint(1, 5) if late else 0))
    decided_on = max(decided_on, clock.last.date())
    if not clock.run(decided_on, lambda at: process.decide(case, at, item.kind, granted=not denied)):
        return case
    finished_on = decided_on if promised <= 1 else add_working_days(decided_on, rng.randint(0, 1))
    clock.run(finished_on, lambda at: process.finish(case, at, item))
    return case
