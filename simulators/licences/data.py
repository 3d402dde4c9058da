"""Seeded licences for the population: the demo users' own, then a spread for everyone else."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from kit.identifiers import licence_identifier, uscc_check_char
from simulators.common.population import Company, Person, Population


@dataclass(frozen=True)
class LicenceType:
    name: str
    type_code: str
    issuer_suffix: str  # issuing body, after the place name
    valid_years: int | None  # None: long-term (长期)
    holder: str  # person | company


TYPES: dict[str, LicenceType] = {
    t.name: t
    for t in [
        LicenceType("居民身份证", "11100000000013127D001", "公安局", 20, "person"),
        LicenceType("居民户口簿", "11100000000013127D002", "公安局", None, "person"),
        LicenceType("机动车驾驶证", "11100000000013127D006", "公安局交通警察支队", 6, "person"),
        LicenceType("机动车行驶证", "11100000000013127D007", "公安局交通警察支队", None, "person"),
        LicenceType("社会保障卡", "11100000000013338W011", "人力资源和社会保障局", 10, "person"),
        LicenceType("结婚证", "11100000000013258D003", "民政局", None, "person"),
        LicenceType("出生医学证明", "11100000000013317X004", "卫生健康委员会", None, "person"),
        LicenceType("残疾人证", "51100000500000054L005", "残疾人联合会", 10, "person"),
        LicenceType("不动产权证书", "11100000000013221E008", "自然资源局", None, "person"),
        LicenceType("老年人优待证", "11100000000013258D012", "民政局", None, "person"),
        LicenceType("营业执照", "11100000000013344M009", "市场监督管理局", None, "company"),
        LicenceType("食品经营许可证", "11100000000013344M010", "市场监督管理局", 5, "company"),
    ]
}

# Which licences each demo user holds: (type, status, issued years ago, extra attributes).
DEMO_HOLDINGS: dict[str, list[tuple[str, str, int, dict[str, str]]]] = {
    "citizen": [
        ("居民身份证", "01", 6, {}),
        ("居民户口簿", "01", 10, {"户别": "家庭户"}),
        ("机动车驾驶证", "01", 4, {"准驾车型": "C1", "累积记分": "0"}),
        ("机动车行驶证", "01", 3, {"号牌号码": "云A·5K8Q2", "车辆类型": "小型轿车"}),
        ("社会保障卡", "01", 5, {"卡面编号": "K53010218"}),
        ("结婚证", "01", 2, {"登记机关": "昆明市五华区民政局"}),
        ("不动产权证书", "01", 1, {"坐落": "昆明市五华区青年路188号3栋2单元501室", "面积": "98.6平方米"}),
    ],
    "citizen2": [
        ("居民身份证", "01", 3, {}),
        ("社会保障卡", "01", 7, {"卡面编号": "K53290107"}),
        ("机动车驾驶证", "02", 5, {"准驾车型": "C2", "累积记分": "12"}),
    ],
    "elder": [
        ("居民身份证", "01", 12, {}),
        ("居民户口簿", "01", 30, {"户别": "家庭户"}),
        ("社会保障卡", "01", 6, {"卡面编号": "K53040233"}),
        ("残疾人证", "01", 4, {"残疾类别": "肢体", "残疾等级": "三级"}),
        ("老年人优待证", "01", 3, {}),
    ],
    "legal-rep": [
        ("居民身份证", "01", 8, {}),
        ("机动车驾驶证", "05", 9, {"准驾车型": "C1", "累积记分": "0"}),
        ("社会保障卡", "01", 6, {"卡面编号": "K53010311"}),
    ],
    "staff": [("居民身份证", "01", 2, {}), ("社会保障卡", "01", 3, {"卡面编号": "K53011102"})],
    "agent": [("居民身份证", "01", 5, {})],
    "clerk": [("居民身份证", "01", 7, {})],
    "operator": [("居民身份证", "01", 9, {})],
}

DEMO_COMPANY_HOLDINGS: list[tuple[str, str, int, dict[str, str]]] = [
    ("营业执照", "01", 6, {"经营范围": "餐饮服务；食品销售；餐饮管理"}),
    ("食品经营许可证", "01", 2, {"经营项目": "热食类食品制售；冷食类食品制售"}),
]

TODAY = date(2026, 11, 23)


def _issuer(prefecture: str, prefecture_code: str, suffix: str) -> tuple[str, str]:
    body = f"11{prefecture_code}{abs(hash_text(suffix)) % 10**9:09d}"[:17]
    body = body.ljust(17, "0")
    return f"{prefecture}{suffix}", body + uscc_check_char(body)


def hash_text(text: str) -> int:
    # Python's hash() is salted per process; the data must be identical in every run.
    value = 0
    for char in text:
        value = (value * 131 + ord(char)) % (2**61 - 1)
    return value


def _licence(
    kind: LicenceType,
    holder_name: str,
    holder_id: str,
    holder_id_type: str,
    prefecture: str,
    prefecture_code: str,
    status: str,
    issued: date,
    serial_seed: int,
    attributes: dict[str, str],
    number: str,
) -> dict[str, object]:
    issuer, issuer_code = _issuer(prefecture, prefecture_code, kind.issuer_suffix)
    serial = f"{prefecture_code}{issued:%y%m%d}{serial_seed % 10**6:06d}"
    valid_until = None
    if kind.valid_years:
        # Feb 29 plus whole years lands on Mar 1, as the issuing offices count it.
        anniversary = issued + timedelta(days=1) if (issued.month, issued.day) == (2, 29) else issued
        valid_until = anniversary.replace(year=issued.year + kind.valid_years) - timedelta(days=1)
        if status == "01" and valid_until < TODAY:
            status = "05"
    return {
        "licence_id": licence_identifier(kind.type_code, issuer_code, serial),
        "type_code": kind.type_code,
        "type_name": kind.name,
        "number": number,
        "holder_name": holder_name,
        "holder_id_type": holder_id_type,
        "holder_id": holder_id,
        "issuer": issuer,
        "issuer_code": issuer_code,
        "issued_on": issued.isoformat(),
        "valid_from": issued.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "status_code": status,
        "attributes": attributes,
    }


def _number(kind: LicenceType, holder_id: str, rng: random.Random) -> str:
    if kind.name in ("居民身份证", "机动车驾驶证", "社会保障卡"):
        return holder_id
    if kind.name == "营业执照":
        return holder_id
    if kind.name == "食品经营许可证":
        return f"JY2{holder_id[2:8]}{rng.randrange(10**7):07d}"
    if kind.name == "不动产权证书":
        return f"云（{TODAY.year - 1}）昆明市不动产权第{rng.randrange(10**7):07d}号"
    return f"{rng.randrange(10**11):011d}"


def build_licences(pop: Population, seed: int = 11) -> list[dict[str, object]]:
    rng = random.Random(seed)
    licences: list[dict[str, object]] = []
    demo_ids = {p.id_number for p in pop.demo_people.values()}
    for username, person in pop.demo_people.items():
        for type_name, status, years_ago, attrs in DEMO_HOLDINGS.get(username, []):
            licences.append(_person_licence(person, TYPES[type_name], status, years_ago, attrs, rng))
    demo_companies = [c for c in pop.companies if c.legal_representative_id in demo_ids]
    for company in demo_companies:
        for type_name, status, years_ago, attrs in DEMO_COMPANY_HOLDINGS:
            licences.append(_company_licence(company, TYPES[type_name], status, years_ago, attrs, rng))
    for person in pop.people:
        if person.id_number in demo_ids:
            continue
        age = TODAY.year - person.birth_date.year
        held = ["居民身份证"] if age >= 16 else ["出生医学证明"]
        if age >= 16:
            held.append("社会保障卡")
        if 18 <= age <= 70 and rng.random() < 0.45:
            held.append("机动车驾驶证")
        if age >= 22 and rng.random() < 0.5:
            held.append("结婚证")
        if age >= 25 and rng.random() < 0.3:
            held.append("不动产权证书")
        if rng.random() < 0.03:
            held.append("残疾人证")
        for type_name in held:
            status = rng.choices(["01", "05", "02", "04"], weights=[90, 6, 2, 2])[0]
            licences.append(_person_licence(person, TYPES[type_name], status, rng.randrange(0, 12), {}, rng))
    for company in pop.companies:
        if company in demo_companies:
            continue
        status = {"存续": "01", "注销": "04", "吊销": "07"}[company.status]
        years = max(0, TODAY.year - company.established.year)
        licences.append(_company_licence(company, TYPES["营业执照"], status, years, {}, rng))
        if company.industry == "餐饮":
            licences.append(_company_licence(company, TYPES["食品经营许可证"], status, min(years, 4), {}, rng))
    return licences


def _person_licence(
    person: Person, kind: LicenceType, status: str, years_ago: int, attrs: dict[str, str], rng: random.Random
) -> dict[str, object]:
    issued = TODAY.replace(year=TODAY.year - years_ago) - timedelta(days=rng.randrange(1, 300))
    return _licence(
        kind,
        person.name,
        person.id_number,
        "111",
        person.prefecture,
        person.prefecture_code,
        status,
        issued,
        rng.randrange(10**6),
        attrs,
        _number(kind, person.id_number, rng),
    )


def _company_licence(
    company: Company, kind: LicenceType, status: str, years_ago: int, attrs: dict[str, str], rng: random.Random
) -> dict[str, object]:
    issued = TODAY.replace(year=TODAY.year - years_ago) - timedelta(days=rng.randrange(1, 300))
    prefecture_code = company.uscc[2:6] + "00"
    return _licence(
        kind,
        company.name,
        company.uscc,
        "001",
        company.prefecture,
        prefecture_code,
        status,
        issued,
        rng.randrange(10**6),
        attrs,
        _number(kind, company.uscc, rng),
    )
