"""Who is insured how: one seeded profile per person, from which every record is derived.

A profile is small (category, employer, contribution base, housing-fund terms); the monthly
records themselves are generated on request (`simulators.records.ledgers`), so three thousand
people's three years of history cost no memory until someone asks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from kit.identifiers import uscc_check_char
from simulators.common.lifecycle import SEED_TODAY
from simulators.common.population import Company, Person, Population
from simulators.common.reads import month_of, shift_month

AS_OF = SEED_TODAY
# Records are complete up to the last closed month; the current month is still being collected.
LATEST_MONTH = shift_month(month_of(AS_OF), -1)
HISTORY_MONTHS = 36
FIRST_MONTH = shift_month(LATEST_MONTH, -(HISTORY_MONTHS - 1))

EMPLOYEE, FLEXIBLE, RESIDENT, RETIRED, STUDENT = "职工", "灵活就业", "城乡居民", "退休", "少儿及学生"
SEALED, NORMAL = "封存", "正常"

# Work-injury premium by industry risk class (工伤保险行业基准费率), in basis points.
_INJURY_BP = {"建筑": 120, "物流": 80, "农副产品": 60, "医药": 40, "餐饮": 40}


@dataclass(frozen=True)
class Employer:
    name: str
    uscc: str
    public_sector: bool = False
    injury_bp: int = 40


@dataclass(frozen=True)
class HousingFund:
    account_no: str
    opened_on: date
    rate_bp: int  # each side, employer and employee (5%–12%)
    opening_balance_fen: int  # balance on the first day of the history window
    sealed_from: str | None  # month from which deposits stopped (封存)
    rent_withdrawal_fen: int  # quarterly 租房提取, 0 when none
    purchase_month: str | None  # a one-off 购房提取
    centre: str


@dataclass(frozen=True)
class Insured:
    person: Person
    category: str
    seed: int
    first_insured_on: date
    employer: Employer | None = None
    employed_since: date | None = None
    stopped_from: str | None = None  # first month without contributions (断缴), None while paying
    base_2023: int = 0  # monthly contribution base (yuan) for the social-insurance year from July 2023
    resident_pension_tier: int = 0  # yearly amount chosen in 城乡居民养老保险 (yuan)
    retired_on: date | None = None
    pension_2023: int = 0  # monthly pension (yuan) in 2023
    housing: HousingFund | None = None

    @property
    def age(self) -> int:
        born = self.person.birth_date
        return AS_OF.year - born.year - ((AS_OF.month, AS_OF.day) < (born.month, born.day))


def base_in(insured: Insured, month: str) -> int:
    """The contribution base in `month`: it is reset every July (社保年度), about 5% up each year."""
    year, mon = int(month[:4]), int(month[5:7])
    social_year = year if mon >= 7 else year - 1
    base = insured.base_2023 * 1.05 ** max(0, social_year - 2023)
    return int(round(base / 10) * 10)


def pension_in(insured: Insured, month: str) -> int:
    """Pensions are raised every January (about 2.5% a year in recent national adjustments)."""
    return round(insured.pension_2023 * 1.025 ** max(0, int(month[:4]) - 2023))


def _public_unit(name: str, prefix: str, area: str) -> Employer:
    body = f"{prefix}{area}00{abs(hash_text(name)) % 10**9:09d}"[:17].ljust(17, "0")
    return Employer(name=name, uscc=body + uscc_check_char(body), public_sector=True, injury_bp=20)


def hash_text(text: str) -> int:
    # Python's hash() is salted per process; the data must be identical in every run.
    value = 0
    for char in text:
        value = (value * 131 + ord(char)) % (2**61 - 1)
    return value


def _short(prefecture: str) -> str:
    return prefecture if prefecture.endswith("市") else prefecture[:2] + "州"


def _centre(prefecture: str) -> str:
    return f"{_short(prefecture)}住房公积金管理中心"


def build_profiles(pop: Population, seed: int = 51) -> dict[str, Insured]:
    rng = random.Random(seed)
    active = [c for c in pop.companies if c.status == "存续"]
    by_prefecture: dict[str, list[Company]] = {}
    for company in active:
        by_prefecture.setdefault(company.prefecture, []).append(company)
    profiles: dict[str, Insured] = {}
    demo = _demo_profiles(pop, active)
    for person in pop.people:
        if person.id_number in demo:
            profiles[person.id_number] = demo[person.id_number]
            continue
        profiles[person.id_number] = _generated(person, by_prefecture.get(person.prefecture) or active, rng)
    return profiles


def _employer_of(company: Company) -> Employer:
    return Employer(company.name, company.uscc, injury_bp=_INJURY_BP.get(company.industry, 40))


def _generated(person: Person, companies: list[Company], rng: random.Random) -> Insured:
    age = AS_OF.year - person.birth_date.year
    retirement_age = 60 if person.gender == "男" else 55
    seed = rng.randrange(2**31)
    if age < 22:
        # Children and students are insured by 城乡居民医保 only.
        return Insured(person, STUDENT, seed, first_insured_on=max(person.birth_date, date(2004, 1, 1)))
    started = date(max(person.birth_date.year + rng.randrange(20, 26), 1992), rng.randrange(1, 13), 1)
    if age >= retirement_age:
        retired = date(person.birth_date.year + retirement_age, person.birth_date.month, 1)
        if rng.random() < 0.6:
            return Insured(person, RETIRED, seed, started, retired_on=retired, pension_2023=rng.randrange(2200, 6500))
        # Residents past 60 draw the basic resident pension (城乡居民基础养老金) and pay nothing more.
        return Insured(person, RESIDENT, seed, started, retired_on=retired, pension_2023=rng.randrange(140, 260))
    roll = rng.random()
    if roll < 0.62:
        company = rng.choice(companies)
        since = max(started, company.established, date(2008, 1, 1)).replace(day=1)
        stopped = shift_month(FIRST_MONTH, rng.randrange(6, HISTORY_MONTHS)) if rng.random() < 0.08 else None
        base = int(round(rng.triangular(4400, 16000, 6500) / 10) * 10)
        housing = _housing(person, since, rng, stopped) if rng.random() < 0.72 else None
        return Insured(
            person,
            EMPLOYEE,
            seed,
            started,
            employer=_employer_of(company),
            employed_since=since,
            stopped_from=stopped,
            base_2023=base,
            housing=housing,
        )
    if roll < 0.78:
        return Insured(person, FLEXIBLE, seed, started, base_2023=4400)
    tier = rng.choice((200, 300, 500, 1000, 2000))
    return Insured(person, RESIDENT, seed, max(started, date(2014, 1, 1)), resident_pension_tier=tier)


def _housing(person: Person, since: date, rng: random.Random, stopped: str | None) -> HousingFund:
    months_before = max(0, (int(FIRST_MONTH[:4]) - since.year) * 12 + int(FIRST_MONTH[5:7]) - since.month)
    rate_bp = rng.choice((500, 800, 1000, 1200))
    monthly_fen = int(6000 * rate_bp / 10_000 * 2) * 100
    opening = int(months_before * monthly_fen * rng.uniform(0.35, 0.9))
    return HousingFund(
        account_no=f"{person.prefecture_code[:4]}{rng.randrange(10**8):08d}",
        opened_on=since,
        rate_bp=rate_bp,
        opening_balance_fen=opening,
        sealed_from=stopped,
        rent_withdrawal_fen=rng.choice((0, 0, 0, 300_000, 450_000)),
        purchase_month=shift_month(FIRST_MONTH, rng.randrange(HISTORY_MONTHS)) if rng.random() < 0.06 else None,
        centre=_centre(person.prefecture),
    )


def _demo_profiles(pop: Population, active: list[Company]) -> dict[str, Insured]:
    demo = pop.demo_people
    restaurant = pop.companies_by_uscc["91530102MA6K8R2Q1N"]
    # The demo citizen works for a Kunming software company of the generated population.
    software = next(c for c in active if c.prefecture == "昆明市" and c.industry == "信息技术")

    def employee(
        username: str, employer: Employer, first: date, since: date, base: int, seed: int, housing: HousingFund
    ) -> Insured:
        return Insured(
            demo[username],
            EMPLOYEE,
            seed,
            first,
            employer=employer,
            employed_since=since,
            base_2023=base,
            housing=housing,
        )

    def fund(
        username: str, opened: date, rate_bp: int, balance_yuan: int, rent: int, purchase: str | None
    ) -> HousingFund:
        person = demo[username]
        return HousingFund(
            account_no=f"{person.prefecture_code[:4]}{hash_text(username) % 10**8:08d}",
            opened_on=opened,
            rate_bp=rate_bp,
            opening_balance_fen=balance_yuan * 100,
            sealed_from=None,
            rent_withdrawal_fen=rent * 100,
            purchase_month=purchase,
            centre=_centre(person.prefecture),
        )

    profiles = [
        employee(
            "citizen",
            _employer_of(software),
            date(2012, 7, 1),
            date(2013, 7, 1),
            9800,
            101,
            fund("citizen", date(2013, 8, 1), 1200, 86_400, 0, "2025-12"),
        ),
        employee(
            "legal-rep",
            _employer_of(restaurant),
            date(2001, 7, 1),
            date(2019, 6, 1),
            12_000,
            104,
            fund("legal-rep", date(2019, 6, 1), 1000, 61_250, 0, None),
        ),
        employee(
            "staff",
            _employer_of(restaurant),
            date(2017, 7, 1),
            date(2019, 8, 1),
            5600,
            105,
            fund("staff", date(2019, 8, 1), 800, 18_960, 3000, None),
        ),
        employee(
            "agent",
            _public_unit("云南省12345政务服务便民热线管理中心", "12", "5300"),
            date(2010, 9, 1),
            date(2015, 3, 1),
            8600,
            106,
            fund("agent", date(2015, 3, 1), 1200, 77_300, 0, None),
        ),
        employee(
            "clerk",
            _public_unit("红河哈尼族彝族自治州政务服务管理局", "11", "5325"),
            date(2008, 7, 1),
            date(2012, 1, 1),
            7900,
            107,
            fund("clerk", date(2012, 1, 1), 1200, 95_800, 0, None),
        ),
        employee(
            "operator",
            _public_unit("云南省政务服务管理局", "11", "5300"),
            date(2006, 7, 1),
            date(2016, 5, 1),
            10_400,
            108,
            fund("operator", date(2016, 5, 1), 1200, 103_600, 0, None),
        ),
        # The demo sole proprietor pays as a flexible worker (个体工商户按灵活就业人员参保).
        Insured(demo["citizen2"], FLEXIBLE, 102, date(2014, 7, 1), base_2023=4400),
        Insured(demo["elder"], RETIRED, 103, date(1968, 10, 1), retired_on=date(1998, 10, 1), pension_2023=3280),
    ]
    return {p.person.id_number: p for p in profiles}
