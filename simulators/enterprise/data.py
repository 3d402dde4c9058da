"""The market-entity register (市场主体登记) and the staff authorisations of 电子营业执照.

Companies come from the shared population; what the register adds is derived from a seed:
business scope, registration authority, business term, the date a company was struck off, and
staff authorisations granted by legal representatives. Identity numbers never leave the
register in clear: people appear by name and a keyed reference (`person_key`).
"""

from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from simulators.common.lifecycle import CST, SEED_TODAY
from simulators.common.population import Company, Population

SCOPES = ("licences", "cases", "workorders", "ratings", "appointments", "records", "bills", "staff")
STATUS_ACTIVE, STATUS_EXPIRED, STATUS_REVOKED = "有效", "已过期", "已撤销"
ROLE_LEGAL_REP, ROLE_ADMIN = "法定代表人", "管理员"
# The longest authorisation the register accepts, as the e-licence app caps it.
MAX_GRANT_DAYS = 5 * 366

BUSINESS_SCOPE = {
    "餐饮": "餐饮服务；食品销售；餐饮管理；外卖递送服务（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
    "批发零售": "日用百货销售；五金产品零售；针纺织品销售；食品销售（仅销售预包装食品）",
    "农副产品": "茶叶种植；初级农产品收购；农副产品销售；茶具销售；食品生产",
    "信息技术": "软件开发；信息系统集成服务；信息技术咨询服务；数据处理和存储支持服务",
    "建筑": "建设工程施工；建筑劳务分包；住宅室内装饰装修；建筑材料销售",
    "旅游": "旅行社服务网点旅游招徕、咨询服务；组织文化艺术交流活动；会议及展览服务",
    "医药": "药品零售；第二类医疗器械销售；保健食品（预包装）销售；中药饮片零售",
    "物流": "道路货物运输（不含危险货物）；普通货物仓储服务；国内货物运输代理；装卸搬运",
}
SOLE_PROPRIETOR_SCOPE = "小吃服务；餐饮服务（不产生油烟、异味、废气）；食品销售（仅销售预包装食品）"


def person_key(secret: str, id_number: str) -> str:
    """A keyed reference to a person: stable for matching, useless for recovering the number.

    Derived from the secret the gateway and this system share, domain-separated so it never
    equals a request signature; the connector computes the same value to recognise its caller.
    """
    return hmac.new(secret.encode(), b"person-key:" + id_number.upper().encode(), hashlib.sha256).hexdigest()[:32]


def today() -> date:
    return datetime.now(CST).date()


@dataclass
class Registration:
    company: Company
    business_scope: str
    authority: str
    approved_on: date
    term_until: date | None  # None: 长期
    struck_off_on: date | None  # the 注销 or 吊销 date
    latest_annual_report: int | None

    def view(self, secret: str) -> dict[str, object]:
        c = self.company
        return {
            "uscc": c.uscc,
            "name": c.name,
            "type": c.type,
            "legal_representative": {
                "name": c.legal_representative_name,
                "person_key": person_key(secret, c.legal_representative_id),
            },
            "registered_capital_wan": c.registered_capital_wan,
            "registered_capital": f"{c.registered_capital_wan}万元人民币",
            "address": c.address,
            "established_on": c.established.isoformat(),
            "business_term_from": c.established.isoformat(),
            "business_term_until": self.term_until.isoformat() if self.term_until else None,
            "status": c.status,
            "status_changed_on": self.struck_off_on.isoformat() if self.struck_off_on else None,
            "registration_authority": self.authority,
            "approved_on": self.approved_on.isoformat(),
            "prefecture": c.prefecture,
            "industry": c.industry,
            "business_scope": self.business_scope,
            "latest_annual_report_year": self.latest_annual_report,
        }

    def summary(self) -> dict[str, object]:
        # List views carry no identity number at all, keyed or not.
        c = self.company
        return {
            "uscc": c.uscc,
            "name": c.name,
            "type": c.type,
            "legal_representative_name": c.legal_representative_name,
            "status": c.status,
            "established_on": c.established.isoformat(),
            "prefecture": c.prefecture,
        }


@dataclass
class Authorisation:
    grant_id: str
    uscc: str
    company_name: str
    staff_name: str
    staff_id: str
    scopes: list[str]
    granted_by_name: str
    granted_by_role: str
    granted_at: datetime
    expires_on: date
    revoked_at: datetime | None = None
    revoked_by_name: str | None = None
    replaces: str | None = None

    def status(self, on: date) -> str:
        if self.revoked_at is not None:
            return STATUS_REVOKED
        return STATUS_EXPIRED if self.expires_on < on else STATUS_ACTIVE

    def view(self, secret: str, on: date) -> dict[str, object]:
        return {
            "grant_id": self.grant_id,
            "uscc": self.uscc,
            "company_name": self.company_name,
            "staff_name": self.staff_name,
            "staff_key": person_key(secret, self.staff_id),
            "scopes": list(self.scopes),
            "granted_by_name": self.granted_by_name,
            "granted_by_role": self.granted_by_role,
            "granted_at": self.granted_at.isoformat(),
            "expires_on": self.expires_on.isoformat(),
            "status": self.status(on),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "revoked_by_name": self.revoked_by_name,
            "replaces": self.replaces,
        }


@dataclass
class Register:
    registrations: dict[str, Registration]
    grants: dict[str, Authorisation]
    by_representative: dict[str, list[str]] = field(default_factory=dict)
    _serial: int = 0

    def next_grant_id(self) -> str:
        self._serial += 1
        return f"SQ{self._serial:08d}"

    def grants_of_company(self, uscc: str) -> list[Authorisation]:
        return sorted((g for g in self.grants.values() if g.uscc == uscc), key=lambda g: g.granted_at, reverse=True)

    def grants_of_staff(self, id_number: str) -> list[Authorisation]:
        return sorted(
            (g for g in self.grants.values() if g.staff_id == id_number), key=lambda g: g.granted_at, reverse=True
        )

    def active_grant(self, uscc: str, id_number: str, on: date) -> Authorisation | None:
        return next(
            (
                g
                for g in self.grants.values()
                if g.uscc == uscc and g.staff_id == id_number and g.status(on) == STATUS_ACTIVE
            ),
            None,
        )


def _registration(company: Company, rng: random.Random) -> Registration:
    sole = company.type == "个体工商户"
    scope = SOLE_PROPRIETOR_SCOPE if sole else BUSINESS_SCOPE.get(company.industry, BUSINESS_SCOPE["批发零售"])
    long_term = sole or rng.random() < 0.7
    term_until = None if long_term else company.established.replace(year=company.established.year + 30)
    struck_off = None
    if company.status != "存续":
        lifetime = max(30, (SEED_TODAY - company.established).days - 30)
        struck_off = company.established + timedelta(days=rng.randrange(30, lifetime + 1))
    last_year = SEED_TODAY.year - 1
    report: int | None = None
    if company.status == "存续" and company.established.year <= last_year:
        # Most file the annual report (年报) on time; a few are behind, which the register shows.
        report = last_year if rng.random() < 0.9 else max(company.established.year, last_year - rng.randrange(1, 3))
    return Registration(
        company=company,
        business_scope=scope,
        authority=f"{company.prefecture}市场监督管理局",
        approved_on=struck_off or company.established,
        term_until=term_until,
        struck_off_on=struck_off,
        latest_annual_report=report,
    )


def build_register(pop: Population, seed: int = 31) -> Register:
    rng = random.Random(seed)
    registrations = {c.uscc: _registration(c, rng) for c in pop.companies}
    register = Register(registrations=registrations, grants={})
    for company in pop.companies:
        register.by_representative.setdefault(company.legal_representative_id, []).append(company.uscc)
    _seed_demo_grants(register, pop)
    _seed_generated_grants(register, pop, rng)
    return register


def _seed_demo_grants(register: Register, pop: Population) -> None:
    for company in pop.companies:
        for index, entry in enumerate(company.staff):
            staff = pop.demo_people[str(entry["username"])]
            granted_at = datetime.combine(company.established + timedelta(days=200 + 30 * index), datetime.min.time())
            grant = Authorisation(
                grant_id=register.next_grant_id(),
                uscc=company.uscc,
                company_name=company.name,
                staff_name=staff.name,
                staff_id=staff.id_number,
                scopes=sorted(str(s) for s in _as_list(entry["scopes"])),
                granted_by_name=company.legal_representative_name,
                granted_by_role=ROLE_LEGAL_REP,
                granted_at=granted_at.replace(hour=9, minute=30, tzinfo=CST),
                expires_on=date.fromisoformat(str(entry["expires"])),
            )
            register.grants[grant.grant_id] = grant


def _as_list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise TypeError("demo staff scopes must be a list")
    return value


def _seed_generated_grants(register: Register, pop: Population, rng: random.Random) -> None:
    demo_ids = {p.id_number for p in pop.demo_people.values()}
    adults_by_prefecture: dict[str, list[str]] = {}
    for person in pop.people:
        if person.id_number not in demo_ids and person.birth_date.year <= 2004:
            adults_by_prefecture.setdefault(person.prefecture, []).append(person.id_number)
    plain_scopes = [s for s in SCOPES if s != "staff"]
    for company in pop.companies:
        if company.legal_representative_id in demo_ids or company.status != "存续" or rng.random() > 0.3:
            continue
        rep = company.legal_representative_id
        candidates = [i for i in adults_by_prefecture.get(company.prefecture, []) if i != rep]
        for staff_id in rng.sample(candidates, k=min(len(candidates), rng.choice((1, 1, 2, 3)))):
            staff = pop.people_by_id[staff_id]
            scopes = sorted(rng.sample(plain_scopes, k=rng.randrange(2, 5)))
            if rng.random() < 0.15:
                scopes.append("staff")
            start = max(company.established, SEED_TODAY - timedelta(days=3 * 365))
            granted_on = start + timedelta(days=rng.randrange(0, max(1, (SEED_TODAY - start).days)))
            granted_at = datetime.combine(granted_on, datetime.min.time()).replace(
                hour=rng.randrange(9, 18), minute=rng.randrange(60), tzinfo=CST
            )
            grant = Authorisation(
                grant_id=register.next_grant_id(),
                uscc=company.uscc,
                company_name=company.name,
                staff_name=staff.name,
                staff_id=staff_id,
                scopes=sorted(scopes),
                granted_by_name=company.legal_representative_name,
                granted_by_role=ROLE_LEGAL_REP,
                granted_at=granted_at,
                expires_on=granted_on + timedelta(days=rng.choice((365, 730, 1095))),
            )
            held_days = (SEED_TODAY - granted_on).days
            if held_days > 30 and rng.random() < 0.05:
                grant.revoked_at = granted_at + timedelta(days=rng.randrange(10, min(200, held_days)))
                grant.revoked_by_name = company.legal_representative_name
            register.grants[grant.grant_id] = grant
