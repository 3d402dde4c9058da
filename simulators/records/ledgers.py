"""The records derived from a profile: contributions, housing-fund history, medical account.

Amounts are kept in fen (分) as integers and written as decimal strings ("1234.50"), the way
the departments' interfaces carry money, so no float rounding creeps in.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from simulators.common.lifecycle import CST
from simulators.common.reads import month_of, shift_month
from simulators.records.profiles import (
    AS_OF,
    EMPLOYEE,
    FIRST_MONTH,
    FLEXIBLE,
    LATEST_MONTH,
    RESIDENT,
    RETIRED,
    STUDENT,
    Insured,
    base_in,
    pension_in,
)

SCHEMES = {
    "110": "企业职工基本养老保险",
    "120": "机关事业单位基本养老保险",
    "170": "城乡居民基本养老保险",
    "210": "失业保险",
    "310": "职工基本医疗保险",
    "390": "城乡居民基本医疗保险",
    "410": "工伤保险",
}
PAID, ARREARS = "已到账", "欠缴"
# Yearly 城乡居民医保 premium per person, by the year it covers (paid the December before).
RESIDENT_MEDICAL_YUAN = {2023: 380, 2024: 380, 2025: 400, 2026: 400, 2027: 400}


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def months(first: str = FIRST_MONTH, last: str = LATEST_MONTH) -> list[str]:
    found: list[str] = []
    current = first
    while current <= last:
        found.append(current)
        current = shift_month(current, 1)
    return found


def _roll(*parts: object) -> float:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def _fen(base_yuan: int, bp: int) -> int:
    return round(base_yuan * 100 * bp / 10_000)


# --- social insurance contributions ---------------------------------------------------------


def _employee_rates(insured: Insured) -> list[tuple[str, int, int]]:
    """(scheme, employer share, personal share) in basis points, as Yunnan levies them."""
    employer = insured.employer
    assert employer is not None
    pension = "120" if employer.public_sector else "110"
    return [(pension, 1600, 800), ("310", 850, 200), ("210", 70, 30), ("410", employer.injury_bp, 0)]


def _row(
    insured: Insured, month: str, code: str, base: int, employer_fen: int, personal_fen: int, day: int
) -> dict[str, object]:
    employer = insured.employer if insured.category == EMPLOYEE else None
    # An employer now and then falls behind on the latest months; the demo users' employers never do.
    late = employer is not None and month >= shift_month(LATEST_MONTH, -1) and insured.person.username is None
    arrears = late and _roll(insured.seed, month) < 0.03
    return {
        "month": month,
        "insurance_code": code,
        "insurance_name": SCHEMES[code],
        "category": insured.category,
        "employer_name": employer.name if employer else None,
        "employer_uscc": employer.uscc if employer else None,
        "base": yuan(base * 100) if base else None,
        "employer_amount": yuan(employer_fen),
        "personal_amount": yuan(personal_fen),
        "total": yuan(employer_fen + personal_fen),
        "status": ARREARS if arrears else PAID,
        "paid_on": None if arrears else f"{month}-{day:02d}",
    }


@lru_cache(maxsize=2048)
def contributions(insured: Insured) -> tuple[dict[str, object], ...]:
    """Every contribution in the history window, newest month first."""
    rows: list[dict[str, object]] = []
    first_paid = month_of(insured.first_insured_on)
    if insured.category == EMPLOYEE:
        assert insured.employed_since is not None
        start = max(month_of(insured.employed_since), FIRST_MONTH)
        for month in months(start):
            if insured.stopped_from and month >= insured.stopped_from:
                break
            base = base_in(insured, month)
            for code, employer_bp, personal_bp in _employee_rates(insured):
                rows.append(_row(insured, month, code, base, _fen(base, employer_bp), _fen(base, personal_bp), 15))
    elif insured.category == FLEXIBLE:
        for month in months(max(first_paid, FIRST_MONTH)):
            base = base_in(insured, month)
            rows.append(_row(insured, month, "110", base, 0, _fen(base, 2000), 20))
            rows.append(_row(insured, month, "310", base, 0, _fen(base, 800), 20))
    elif insured.category in (RESIDENT, STUDENT):
        for month in months():
            year, mon = int(month[:4]), int(month[5:7])
            if mon == 3 and insured.category == RESIDENT and insured.retired_on is None:
                tier = insured.resident_pension_tier
                rows.append(_row(insured, month, "170", 0, 0, tier * 100, 10))
            if mon == 12:
                premium = RESIDENT_MEDICAL_YUAN.get(year + 1, 400)
                rows.append(_row(insured, month, "390", 0, 0, premium * 100, 10))
    rows.sort(key=lambda r: (str(r["month"]), str(r["insurance_code"])), reverse=True)
    return tuple(rows)


def contribution_count(insured: Insured) -> int:
    """How many rows `contributions` yields, without building them (for the record counts)."""
    if insured.category == EMPLOYEE:
        assert insured.employed_since is not None
        start = max(month_of(insured.employed_since), FIRST_MONTH)
        active = [m for m in months(start) if not (insured.stopped_from and m >= insured.stopped_from)]
        return 4 * len(active)
    if insured.category == FLEXIBLE:
        return 2 * len(months(max(month_of(insured.first_insured_on), FIRST_MONTH)))
    if insured.category in (RESIDENT, STUDENT):
        marches = sum(1 for m in months() if m.endswith("-03"))
        pays_pension = insured.category == RESIDENT and insured.retired_on is None
        return sum(1 for m in months() if m.endswith("-12")) + (marches if pays_pension else 0)
    return 0


def months_paid(insured: Insured) -> int:
    """累计缴费月数: every month from the first insured month while contributions ran."""
    if insured.category == STUDENT:
        return 0
    end = LATEST_MONTH
    if insured.retired_on is not None:
        end = shift_month(month_of(insured.retired_on), -1)
    elif insured.stopped_from is not None:
        end = shift_month(insured.stopped_from, -1)
    first = month_of(insured.first_insured_on)
    return max(0, (int(end[:4]) - int(first[:4])) * 12 + int(end[5:7]) - int(first[5:7]) + 1)


# --- housing fund ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HousingLedger:
    entries: tuple[dict[str, object], ...]  # oldest first
    balance_fen: int
    monthly_deposit_fen: int
    status: str
    last_deposit_month: str | None


@lru_cache(maxsize=2048)
def housing_ledger(insured: Insured) -> HousingLedger:
    fund = insured.housing
    assert fund is not None
    balance = fund.opening_balance_fen
    entries: list[dict[str, object]] = []
    monthly = 0
    last_deposit: str | None = None

    def entry(day: date, kind: str, note: str, amount: int) -> None:
        nonlocal balance
        balance += amount
        entries.append(
            {
                "date": day.isoformat(),
                "kind": kind,
                "note": note,
                "amount": yuan(abs(amount)),
                "direction": "收入" if amount >= 0 else "支出",
                "balance_after": yuan(balance),
            }
        )

    for month in months(max(FIRST_MONTH, month_of(fund.opened_on))):
        year, mon = int(month[:4]), int(month[5:7])
        if fund.sealed_from is None or month < fund.sealed_from:
            # Both sides deposit the same rate of the base, each rounded to the yuan.
            monthly = 2 * round(base_in(insured, month) * fund.rate_bp / 10_000) * 100
            last_deposit = month
            entry(date(year, mon, 10), "汇缴", f"{year}年{mon}月汇缴", monthly)
        if month == fund.purchase_month and balance > 200_000:
            entry(date(year, mon, 18), "提取", "购买自住住房提取", -(balance - 100_000))
        if mon in (3, 6, 9, 12) and fund.rent_withdrawal_fen and balance > 0:
            entry(date(year, mon, 22), "提取", "租赁住房提取", -min(balance, fund.rent_withdrawal_fen))
        if mon == 6:
            # Interest is settled once a year on 30 June (年度结息), 1.5% a year.
            entry(date(year, 6, 30), "结息", f"{year}年度结息", round(balance * 150 / 10_000))
    status = "封存" if fund.sealed_from is not None and fund.sealed_from <= LATEST_MONTH else "正常"
    return HousingLedger(tuple(entries), balance, monthly if status == "正常" else 0, status, last_deposit)


# --- medical insurance ----------------------------------------------------------------------


@dataclass(frozen=True)
class MedicalLedger:
    scheme_code: str
    balance_fen: int | None  # None: the scheme has no personal account (城乡居民医保)
    monthly_credit_fen: int
    settlements: tuple[dict[str, object], ...]  # newest first


_KINDS = ("药店购药", "普通门诊", "门诊慢特病", "住院")


def _short(prefecture: str) -> str:
    return prefecture if prefecture.endswith("市") else prefecture[:2] + "州"


def _institutions(prefecture: str) -> list[tuple[str, str, str]]:
    """(name, level, kind of place) for where a person in `prefecture` is treated."""
    short = _short(prefecture)
    return [
        (f"{short}第一人民医院", "三级甲等", "hospital"),
        (f"{short}中医医院", "三级乙等", "hospital"),
        (f"{short}城区社区卫生服务中心", "一级", "hospital"),
        (f"{short}康源大药房", "定点零售药店", "pharmacy"),
        (f"{short}百姓平价大药房", "定点零售药店", "pharmacy"),
    ]


def _monthly_credit(insured: Insured, month: str) -> int:
    if insured.category == RETIRED:
        return round(pension_in(insured, month) * 100 * 250 / 10_000)
    if insured.category in (EMPLOYEE, FLEXIBLE):
        return _fen(base_in(insured, month), 200)
    return 0


def _visits_per_year(insured: Insured) -> float:
    if insured.person.username == "elder":
        return 16
    if insured.age >= 60:
        return 8
    return 4 if insured.age >= 40 else 2.5


_WINDOW_START = date(int(FIRST_MONTH[:4]), int(FIRST_MONTH[5:7]), 1)


def _medical_rng(insured: Insured) -> tuple[random.Random, int]:
    """The person's medical random stream, and the number of settlements it decides first."""
    rng = random.Random(insured.seed * 7 + 3)
    span_days = (AS_OF - _WINDOW_START).days
    return rng, int(_visits_per_year(insured) * span_days / 365 * rng.uniform(0.5, 1.5))


def settlement_count(insured: Insured) -> int:
    return _medical_rng(insured)[1]


def has_medical_account(insured: Insured) -> bool:
    # Resident medical insurance (城乡居民医保) has no personal account.
    return insured.category in (EMPLOYEE, FLEXIBLE, RETIRED)


@lru_cache(maxsize=2048)
def medical_ledger(insured: Insured) -> MedicalLedger:
    rng, count = _medical_rng(insured)
    with_account = has_medical_account(insured)
    scheme = "310" if with_account else "390"
    window_start = _WINDOW_START
    span_days = (AS_OF - window_start).days
    visit_days = sorted(window_start + timedelta(days=rng.randrange(span_days)) for _ in range(count))
    balance = rng.randrange(200, 3000) * 100 if with_account else 0
    credits = {m: _monthly_credit(insured, m) for m in months()} if with_account else {}
    settlements: list[dict[str, object]] = []
    places = _institutions(insured.person.prefecture)
    credited_through = shift_month(FIRST_MONTH, -1)
    for serial, day in enumerate(visit_days, start=1):
        # Credits land on the 20th; apply every credit due before this visit.
        while with_account and credited_through < LATEST_MONTH:
            upcoming = shift_month(credited_through, 1)
            if date(int(upcoming[:4]), int(upcoming[5:7]), 20) > day:
                break
            balance += credits[upcoming]
            credited_through = upcoming
        settlement, paid_from_account = _settlement(insured, rng, day, serial, places, balance, with_account)
        balance -= paid_from_account
        settlements.append(settlement)
    for month in months(shift_month(credited_through, 1)) if with_account else []:
        balance += credits[month]
    settlements.reverse()
    return MedicalLedger(
        scheme_code=scheme,
        balance_fen=balance if with_account else None,
        monthly_credit_fen=credits.get(LATEST_MONTH, 0),
        settlements=tuple(settlements),
    )


def _settlement(
    insured: Insured,
    rng: random.Random,
    day: date,
    serial: int,
    places: list[tuple[str, str, str]],
    balance: int,
    with_account: bool,
) -> tuple[dict[str, object], int]:
    chronic = insured.age >= 60
    kind = rng.choices(_KINDS, weights=[45, 38, 12 if chronic else 0, 5])[0]
    hospitals = [p for p in places if p[2] == "hospital"]
    pharmacies = [p for p in places if p[2] == "pharmacy"]
    remote = _roll(insured.seed, serial) < 0.04
    if remote:
        # Treated away from home (异地就医), settled directly through the provincial platform.
        elsewhere = "大理白族自治州" if insured.person.prefecture == "昆明市" else "昆明市"
        hospitals = [p for p in _institutions(elsewhere) if p[2] == "hospital"]
        kind = "普通门诊" if kind == "药店购药" else kind
    name, level, _ = rng.choice(pharmacies if kind == "药店购药" else hospitals)
    employee_scheme = with_account
    if kind == "药店购药":
        total = rng.randrange(2000, 26_000)
        fund = 0
    elif kind == "普通门诊":
        # Outpatient pooling (门诊共济): half of what exceeds a 100-yuan threshold.
        total = rng.randrange(6000, 80_000)
        fund = max(0, (total - 10_000) // 2)
    elif kind == "门诊慢特病":
        total = rng.randrange(15_000, 150_000)
        fund = total * 70 // 100
    else:
        total = rng.randrange(300_000, 4_000_000)
        threshold = {"三级甲等": 80_000, "三级乙等": 60_000}.get(level, 30_000)
        share = 85 if employee_scheme else 70
        fund = max(0, (total - threshold) * share // 100)
    rest = total - fund
    account = min(balance, rest) if with_account and kind != "住院" else 0
    at = datetime.combine(day, time(rng.randrange(8, 18), rng.randrange(60)), tzinfo=CST)
    return (
        {
            "settlement_id": f"JS{day:%Y%m%d}{insured.seed % 10**6:06d}{serial:03d}",
            "settled_at": at.isoformat(),
            "institution": name,
            "institution_level": level,
            "kind": kind,
            "total": yuan(total),
            "fund_paid": yuan(fund),
            "account_paid": yuan(account),
            "cash_paid": yuan(rest - account),
            "remote": remote,
        },
        account,
    )
