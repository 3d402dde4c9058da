"""A deterministic population: the demo users plus generated people and companies.

Every simulator draws from this one seeded source, so a person's ID number, licences, cases
and bills agree across systems.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, cached_property
from pathlib import Path

from kit.identifiers import id_check_digit, uscc_check_char

DEMO_FILE = Path(__file__).resolve().parents[2] / "personal_space" / "demo_people.json"

PREFECTURES: list[tuple[str, str, list[str]]] = [
    ("530100", "昆明市", ["530102", "530103", "530111", "530112", "530113", "530114"]),
    ("530300", "曲靖市", ["530302", "530303", "530381"]),
    ("530400", "玉溪市", ["530402", "530403"]),
    ("530500", "保山市", ["530502", "530581"]),
    ("530600", "昭通市", ["530602", "530621"]),
    ("530700", "丽江市", ["530702", "530721"]),
    ("530800", "普洱市", ["530802", "530821"]),
    ("530900", "临沧市", ["530902", "530921"]),
    ("532300", "楚雄彝族自治州", ["532301", "532322"]),
    ("532500", "红河哈尼族彝族自治州", ["532501", "532502", "532504"]),
    ("532600", "文山壮族苗族自治州", ["532601", "532622"]),
    ("532800", "西双版纳傣族自治州", ["532801", "532822"]),
    ("532900", "大理白族自治州", ["532901", "532922"]),
    ("533100", "德宏傣族景颇族自治州", ["533102", "533103"]),
    ("533300", "怒江傈僳族自治州", ["533301", "533323"]),
    ("533400", "迪庆藏族自治州", ["533401", "533422"]),
]

_SURNAMES = (
    "李王张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN = (
    "建华秀英丽萍志强敏婷晓东磊伟芳娜军勇杰涛明超霞平刚桂英玉兰红梅海燕春燕云飞文斌国强永福家兴子涵雨欣思"
    "远浩然佳怡俊杰嘉怡宇轩梓萱"
)
_STREETS = ["人民路", "青年路", "北京路", "东风路", "环城路", "建设路", "民族路", "金碧路", "滇池路", "彩云路"]
_COMPANY_WORDS = ["彩云", "滇池", "普洱", "高原", "七彩", "金马", "碧鸡", "春城", "苍山", "洱海", "玉龙", "孔雀"]
_COMPANY_TRADES = [
    ("餐饮管理有限公司", "餐饮"),
    ("商贸有限公司", "批发零售"),
    ("茶业有限公司", "农副产品"),
    ("科技有限公司", "信息技术"),
    ("建筑工程有限公司", "建筑"),
    ("旅游文化有限公司", "旅游"),
    ("药业有限公司", "医药"),
    ("物流有限公司", "物流"),
]


@dataclass(frozen=True)
class Person:
    username: str | None
    name: str
    id_number: str
    phone: str
    birth_date: date
    gender: str
    prefecture: str
    prefecture_code: str
    address: str


@dataclass(frozen=True)
class Company:
    uscc: str
    name: str
    type: str
    legal_representative_id: str
    legal_representative_name: str
    registered_capital_wan: int
    established: date
    address: str
    status: str
    prefecture: str
    industry: str
    staff: list[dict[str, object]] = field(default_factory=list)


@dataclass(frozen=True)
class Population:
    people: list[Person]
    companies: list[Company]
    demo_people: dict[str, Person]

    @cached_property
    def people_by_id(self) -> dict[str, Person]:
        return {p.id_number: p for p in self.people}

    @cached_property
    def companies_by_uscc(self) -> dict[str, Company]:
        return {c.uscc: c for c in self.companies}


def _prefecture_for(name: str) -> tuple[str, str, list[str]]:
    return next(p for p in PREFECTURES if p[1] == name)


@cache
def population(generated_people: int = 3000, generated_companies: int = 600, seed: int = 20261123) -> Population:
    raw = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    people: list[Person] = []
    demo: dict[str, Person] = {}
    for entry in raw["people"]:
        pref = _prefecture_for(entry["prefecture"])
        person = Person(
            username=entry["username"],
            name=entry["name"],
            id_number=entry["id_number"],
            phone=entry["phone"],
            birth_date=date.fromisoformat(entry["birth_date"]),
            gender=entry["gender"],
            prefecture=pref[1],
            prefecture_code=pref[0],
            address=entry["address"],
        )
        people.append(person)
        demo[entry["username"]] = person
    seen = {p.id_number for p in people}
    while len(people) < len(demo) + generated_people:
        code, pref_name, districts = rng.choice(PREFECTURES)
        district = rng.choice(districts)
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 66))
        gender = rng.choice("男女")
        seq = rng.randrange(0, 99)
        sex_digit = rng.choice("13579" if gender == "男" else "02468")
        first17 = f"{district}{born:%Y%m%d}{seq:02d}{sex_digit}"
        id_number = first17 + id_check_digit(first17)
        if id_number in seen:
            continue
        seen.add(id_number)
        name = rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, rng.choice((1, 2))))
        phone = rng.choice(["138", "139", "137", "187", "158", "159", "182", "151"]) + f"{rng.randrange(10**8):08d}"
        address = f"云南省{pref_name}{rng.choice(_STREETS)}{rng.randrange(1, 900)}号"
        people.append(Person(None, name, id_number, phone, born, gender, pref_name, code, address))
    companies: list[Company] = []
    for entry in raw["companies"]:
        rep = demo[entry["legal_representative"]]
        companies.append(
            Company(
                uscc=entry["uscc"],
                name=entry["name"],
                type=entry["type"],
                legal_representative_id=rep.id_number,
                legal_representative_name=rep.name,
                registered_capital_wan=entry["registered_capital_wan"],
                established=date.fromisoformat(entry["established"]),
                address=entry["address"],
                status=entry["status"],
                prefecture=entry["prefecture"],
                industry="餐饮",
                staff=entry["staff"],
            )
        )
    seen_uscc = {c.uscc for c in companies}
    adults = [p for p in people[len(demo) :] if p.birth_date < date(2002, 1, 1)]
    while len(companies) < len(raw["companies"]) + generated_companies:
        code, pref_name, districts = rng.choice(PREFECTURES)
        body = (
            "9153"
            + rng.choice(districts)[2:]
            + "MA"
            + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(7))
        )
        uscc = body + uscc_check_char(body)
        if uscc in seen_uscc:
            continue
        seen_uscc.add(uscc)
        trade, industry = rng.choice(_COMPANY_TRADES)
        city = pref_name.removesuffix("市")[:2]
        rep = rng.choice(adults)
        companies.append(
            Company(
                uscc=uscc,
                name=f"{city}{rng.choice(_COMPANY_WORDS)}{trade}",
                type="有限责任公司（自然人投资或控股）",
                legal_representative_id=rep.id_number,
                legal_representative_name=rep.name,
                registered_capital_wan=rng.choice([10, 50, 100, 200, 500, 1000]),
                established=date(2005, 1, 1) + timedelta(days=rng.randrange(0, 365 * 20)),
                address=f"云南省{pref_name}{rng.choice(_STREETS)}{rng.randrange(1, 900)}号",
                status=rng.choices(["存续", "注销", "吊销"], weights=[92, 6, 2])[0],
                prefecture=pref_name,
                industry=industry,
            )
        )
    return Population(people=people, companies=companies, demo_people=demo)
