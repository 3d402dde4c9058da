"""Water, electricity and gas accounts and their monthly bills, for people and companies.

An account is seeded once; each bill follows from a hash of (account, month), so any bill can be
built alone and the counts need no pass over all of them. Amounts are in fen (分) and written
as decimal strings.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache

from simulators.common.lifecycle import CST, SEED_TODAY
from simulators.common.population import Company, Person, Population
from simulators.common.reads import COMPANY_ID_TYPE, PERSON_ID_TYPE, month_of, shift_month

AS_OF = SEED_TODAY
LATEST_MONTH = shift_month(month_of(AS_OF), -1)
HISTORY_MONTHS = 24
FIRST_MONTH = shift_month(LATEST_MONTH, -(HISTORY_MONTHS - 1))
PAID, UNPAID, OVERDUE = "已缴", "未缴", "逾期"
_RECENT_FROM = shift_month(LATEST_MONTH, -3)
# Late-payment charge (违约金): 0.1% of the amount per day past the due date.
LATE_FEE_BP_PER_DAY = 10
CHANNELS = ("一部手机办事通", "微信支付", "支付宝", "银行代扣", "营业厅")


@dataclass(frozen=True)
class Utility:
    code: str
    name: str
    unit: str
    prefix: str  # of bill ids
    residential_usage: tuple[int, int]
    commercial_usage: tuple[int, int]
    tiers: tuple[tuple[int, int], ...]  # (upper bound of the tier in units, price in fen per unit)
    commercial_price_fen_milli: int  # commercial price, thousandths of a fen per unit
    winter_factor: float


# Residential prices are tiered by monthly use (阶梯价格); non-residential prices are flat.
UTILITIES = {
    u.code: u
    for u in [
        Utility(
            code="water",
            name="水费",
            unit="吨",
            prefix="W",
            residential_usage=(6, 16),
            commercial_usage=(40, 220),
            tiers=((15, 345), (22, 460), (10**9, 920)),
            commercial_price_fen_milli=590_000,
            winter_factor=1.0,
        ),
        Utility(
            code="electricity",
            name="电费",
            unit="千瓦时",
            prefix="E",
            residential_usage=(90, 260),
            commercial_usage=(800, 5200),
            tiers=((170, 45), (260, 50), (10**9, 75)),
            commercial_price_fen_milli=62_000,
            winter_factor=1.25,
        ),
        Utility(
            code="gas",
            name="燃气费",
            unit="立方米",
            prefix="G",
            residential_usage=(8, 22),
            commercial_usage=(200, 900),
            tiers=((27, 328), (40, 394), (10**9, 492)),
            commercial_price_fen_milli=410_000,
            winter_factor=1.5,
        ),
    ]
}

_COUNTY_SHORT = {
    "楚雄彝族自治州": "楚雄",
    "红河哈尼族彝族自治州": "红河",
    "文山壮族苗族自治州": "文山",
    "西双版纳傣族自治州": "西双版纳",
    "大理白族自治州": "大理",
    "德宏傣族景颇族自治州": "德宏",
    "怒江傈僳族自治州": "怒江",
    "迪庆藏族自治州": "迪庆",
}


def place_name(prefecture: str) -> str:
    return _COUNTY_SHORT.get(prefecture, prefecture.removesuffix("市"))


def provider(utility: str, prefecture: str) -> str:
    place = place_name(prefecture)
    if utility == "electricity":
        return f"云南电网有限责任公司{place}供电局"
    if utility == "water":
        return f"{place}供排水有限公司"
    return f"{place}燃气有限公司"


@dataclass(frozen=True)
class Account:
    account_no: str
    utility: str
    holder_id_type: str
    holder_id: str
    holder_name: str
    provider: str
    address: str
    opened_on: date
    closed_from: str | None  # first month without a bill (销户)
    commercial: bool
    usage_level: float  # 0..1 within the usage range: a household's size and habits
    # Demo accounts state each bill's fate: month → status; every other month is paid.
    fixed: tuple[tuple[str, str], ...] | None = None

    @property
    def bill_months(self) -> list[str]:
        first = max(FIRST_MONTH, month_of(self.opened_on))
        last = shift_month(self.closed_from, -1) if self.closed_from else LATEST_MONTH
        found: list[str] = []
        current = first
        while current <= last:
            found.append(current)
            current = shift_month(current, 1)
        return found

    def view(self) -> dict[str, object]:
        utility = UTILITIES[self.utility]
        return {
            "account_no": self.account_no,
            "utility": self.utility,
            "utility_name": utility.name,
            "provider": self.provider,
            "holder_id_type": self.holder_id_type,
            "holder_name": self.holder_name,
            "address": self.address,
            "category": "非居民" if self.commercial else "居民",
            "opened_on": self.opened_on.isoformat(),
            "status": "已销户" if self.closed_from else "正常",
        }


def _roll(*parts: object) -> float:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


@cache
def _due_on(month: str) -> date:
    following = shift_month(month, 1)
    return date(int(following[:4]), int(following[5:7]), 25)


@cache
def _issued_on(month: str) -> date:
    following = shift_month(month, 1)
    return date(int(following[:4]), int(following[5:7]), 5)


def bill_status(account: Account, month: str) -> str:
    """Paid, unpaid (not yet due) or overdue, as of the data's date."""
    due = _due_on(month)
    if account.fixed is not None:
        unpaid = dict(account.fixed).get(month) is not None
    elif due >= AS_OF:
        unpaid = _roll(account.account_no, month, "paid") < 0.45  # the latest bill: about half paid
    else:
        # Older bills are nearly all paid; the few left are the recent ones.
        recent = month >= _RECENT_FROM
        unpaid = _roll(account.account_no, month, "paid") < (0.03 if recent else 0.002)
    if not unpaid:
        return PAID
    return UNPAID if due >= AS_OF else OVERDUE


def _usage(account: Account, month: str) -> int:
    utility = UTILITIES[account.utility]
    low, high = utility.commercial_usage if account.commercial else utility.residential_usage
    mon = int(month[5:7])
    # Heating and hot water push winter use up; spring and autumn sit half way.
    if mon in (12, 1, 2):
        winter = utility.winter_factor
    else:
        winter = 1 + (utility.winter_factor - 1) / 2 if mon in (3, 11) else 1.0
    noise = 0.8 + 0.4 * _roll(account.account_no, month, "usage")
    return max(1, round((low + (high - low) * account.usage_level) * winter * noise))


def _amount_fen(account: Account, usage: int) -> int:
    utility = UTILITIES[account.utility]
    if account.commercial:
        return round(usage * utility.commercial_price_fen_milli / 1000)
    total, lower = 0, 0
    for upper, price in utility.tiers:
        in_tier = max(0, min(usage, upper) - lower)
        total += in_tier * price
        lower = upper
    return total


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def bill_id(account: Account, month: str) -> str:
    return f"{UTILITIES[account.utility].prefix}{account.account_no}{month.replace('-', '')}"


def bill(account: Account, month: str) -> dict[str, object]:
    utility = UTILITIES[account.utility]
    usage = _usage(account, month)
    amount = _amount_fen(account, usage)
    status = bill_status(account, month)
    due = _due_on(month)
    issued = _issued_on(month)
    paid_at: datetime | None = None
    late_fee = 0
    channel: str | None = None
    if status == PAID:
        late = account.fixed is None and _roll(account.account_no, month, "late") < 0.03 and due < AS_OF
        offset = int(_roll(account.account_no, month, "day") * 19)
        paid_on = due + timedelta(days=1 + offset % 9) if late else issued + timedelta(days=offset)
        paid_on = min(paid_on, AS_OF - timedelta(days=1))
        minutes = int(_roll(account.account_no, month, "minute") * 12 * 60)
        paid_at = datetime.combine(paid_on, time(8 + minutes // 60, minutes % 60), tzinfo=CST)
        channel = CHANNELS[int(_roll(account.account_no, month, "channel") * len(CHANNELS))]
        if paid_on > due:
            late_fee = amount * LATE_FEE_BP_PER_DAY * (paid_on - due).days // 10_000
    elif status == OVERDUE:
        late_fee = amount * LATE_FEE_BP_PER_DAY * (AS_OF - due).days // 10_000
    return {
        "bill_id": bill_id(account, month),
        "account_no": account.account_no,
        "utility": account.utility,
        "utility_name": utility.name,
        "provider": account.provider,
        "holder_name": account.holder_name,
        "period": month,
        "usage": usage,
        "unit": utility.unit,
        "amount": yuan(amount),
        "late_fee": yuan(late_fee),
        "amount_due": yuan(0 if status == PAID else amount + late_fee),
        "issued_on": issued.isoformat(),
        "due_on": due.isoformat(),
        "status": status,
        "paid_at": paid_at.isoformat() if paid_at else None,
        "pay_channel": channel,
    }


# Demo holders: utility → the months left unpaid (status follows from the due date).
DEMO_PEOPLE_ACCOUNTS: dict[str, dict[str, list[str]]] = {
    "citizen": {"water": [], "electricity": [LATEST_MONTH], "gas": []},
    "citizen2": {"water": [shift_month(LATEST_MONTH, -1), LATEST_MONTH], "electricity": []},
    "elder": {"water": [LATEST_MONTH], "electricity": []},
    "legal-rep": {"water": [], "electricity": [], "gas": []},
    "staff": {"electricity": [LATEST_MONTH]},
}
DEMO_COMPANY_ACCOUNTS: dict[str, dict[str, list[str]]] = {
    "91530102MA6K8R2Q1N": {"water": [], "electricity": [LATEST_MONTH], "gas": [shift_month(LATEST_MONTH, -1)]},
    "92530111MA6N3T7B45": {"water": [], "electricity": [], "gas": []},
}


@dataclass
class Ledger:
    accounts: dict[str, Account]
    by_holder: dict[tuple[str, str], list[Account]]
    holders: set[tuple[str, str]]

    def bills_of(self, holder_id_type: str, holder_id: str) -> list[tuple[Account, str]]:
        found = [(a, m) for a in self.by_holder.get((holder_id_type, holder_id), []) for m in a.bill_months]
        found.sort(key=lambda pair: (pair[1], pair[0].utility), reverse=True)
        return found

    def find_bill(self, wanted: str) -> tuple[Account, str] | None:
        # A bill id is the utility prefix, the account number and the period (YYYYMM).
        if len(wanted) < 8:
            return None
        account = self.accounts.get(wanted[1:-6])
        if account is None or UTILITIES[account.utility].prefix != wanted[0]:
            return None
        month = f"{wanted[-6:-2]}-{wanted[-2:]}"
        return (account, month) if month in account.bill_months else None


class _UniqueNumbers(random.Random):
    """The seeded source of accounts, which never hands out one account number twice."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.issued: set[str] = set()

    def account_no(self, utility: str, prefecture_code: str) -> str:
        while True:
            if utility == "electricity":
                number = f"05{prefecture_code[2:4]}{self.randrange(10**8):08d}"
            elif utility == "water":
                number = f"{prefecture_code[2:4]}{self.randrange(10**7):07d}"
            else:
                number = f"8{prefecture_code[2:4]}{self.randrange(10**7):07d}"
            if number not in self.issued:
                self.issued.add(number)
                return number


def build_ledger(pop: Population, seed: int = 61) -> Ledger:
    rng = _UniqueNumbers(seed)
    accounts: list[Account] = []
    demo_ids = {p.id_number: username for username, p in pop.demo_people.items()}
    for person in pop.people:
        username = demo_ids.get(person.id_number)
        if username is not None:
            plan = DEMO_PEOPLE_ACCOUNTS.get(username, {})
            accounts += [_person_account(person, u, rng, unpaid) for u, unpaid in plan.items()]
            continue
        age = AS_OF.year - person.birth_date.year
        # One adult per household holds the accounts (户主); the others have none in their name.
        if age < 22 or rng.random() > 0.55:
            continue
        utilities = ["water", "electricity"] + (["gas"] if rng.random() < 0.5 else [])
        accounts += [_person_account(person, u, rng, None) for u in utilities]
    for company in pop.companies:
        company_plan = DEMO_COMPANY_ACCOUNTS.get(company.uscc)
        if company_plan is not None:
            accounts += [_company_account(company, u, rng, unpaid) for u, unpaid in company_plan.items()]
            continue
        utilities = ["water", "electricity"] + (["gas"] if company.industry == "餐饮" else [])
        accounts += [_company_account(company, u, rng, None) for u in utilities]
    by_holder: dict[tuple[str, str], list[Account]] = {}
    for account in accounts:
        by_holder.setdefault((account.holder_id_type, account.holder_id), []).append(account)
    holders = {(PERSON_ID_TYPE, p.id_number) for p in pop.people} | {(COMPANY_ID_TYPE, c.uscc) for c in pop.companies}
    return Ledger({a.account_no: a for a in accounts}, by_holder, holders)


def _fixed(unpaid: list[str] | None) -> tuple[tuple[str, str], ...] | None:
    return None if unpaid is None else tuple((month, UNPAID) for month in unpaid)


def _person_account(person: Person, utility: str, rng: _UniqueNumbers, unpaid: list[str] | None) -> Account:
    opened = date(rng.randrange(2005, 2024), rng.randrange(1, 13), rng.randrange(1, 28))
    return Account(
        account_no=rng.account_no(utility, person.prefecture_code),
        utility=utility,
        holder_id_type=PERSON_ID_TYPE,
        holder_id=person.id_number,
        holder_name=person.name,
        provider=provider(utility, person.prefecture),
        address=person.address,
        opened_on=opened,
        closed_from=None,
        commercial=False,
        usage_level=rng.random(),
        fixed=_fixed(unpaid),
    )


def _company_account(company: Company, utility: str, rng: _UniqueNumbers, unpaid: list[str] | None) -> Account:
    closed = None
    if company.status != "存续":
        # A company struck off closes its accounts; a few did so inside the history window.
        closed = shift_month(LATEST_MONTH, -rng.randrange(1, 40))
    return Account(
        account_no=rng.account_no(utility, company.uscc[2:6] + "00"),
        utility=utility,
        holder_id_type=COMPANY_ID_TYPE,
        holder_id=company.uscc,
        holder_name=company.name,
        provider=provider(utility, company.prefecture),
        address=company.address,
        opened_on=max(company.established, date(2005, 1, 1)),
        closed_from=closed,
        commercial=True,
        usage_level=rng.random(),
        fixed=_fixed(unpaid),
    )
