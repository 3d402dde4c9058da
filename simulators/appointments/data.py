"""Halls, their half-hour slots per service item and working day, and the appointments in them.

Slots are not stored: a slot's capacity and the places already taken by people outside the
simulated population (walk-ins booked by phone, other channels) follow from a hash of
(hall, item, day, time), so every run shows the same grid. Bookings made here (seeded for the
population, or through the API) are counted on top of that.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from kit.working_days import is_working_day
from simulators.common.lifecycle import CST
from simulators.common.population import PREFECTURES, Person, Population
from simulators.common.reads import COMPANY_ID_TYPE, PERSON_ID_TYPE
from simulators.common.service_items import ServiceItem, service_items

BOOKED, CANCELLED, DONE, NO_SHOW = "已预约", "已取消", "已完成", "爽约"
BOOKING_WINDOW_WORKING_DAYS = 10
SLOT_MINUTES = 30
# 09:00–12:00 and 13:00–17:00, as the halls open on working days.
SLOT_STARTS = [time(9 + m // 60, m % 60) for m in range(0, 180, SLOT_MINUTES)] + [
    time(13 + m // 60, m % 60) for m in range(0, 240, SLOT_MINUTES)
]
OPENING_HOURS = [
    {"days": "周一至周五（法定节假日除外，调休上班日照常）", "hours": "09:00-12:00"},
    {"days": "周一至周五（法定节假日除外，调休上班日照常）", "hours": "13:00-17:00"},
]

# Telephone area codes of the prefectures, for the halls' enquiry lines.
_AREA_CODES = {
    "530100": "0871",
    "530300": "0874",
    "530400": "0877",
    "530500": "0875",
    "530600": "0870",
    "530700": "0888",
    "530800": "0879",
    "530900": "0883",
    "532300": "0878",
    "532500": "0873",
    "532600": "0876",
    "532800": "0691",
    "532900": "0872",
    "533100": "0692",
    "533300": "0886",
    "533400": "0887",
}
_STREETS = ["政务路", "市民大道", "人民中路", "迎宾路", "文化路", "世纪大道", "彩云路", "兴业路"]
# County-level halls that take appointments too: (district code, hall name, place, prefecture code).
COUNTY_HALLS = [
    ("530102", "昆明市五华区政务服务中心", "昆明市五华区", "530100"),
    ("530111", "昆明市官渡区政务服务中心", "昆明市官渡区", "530100"),
    ("530402", "玉溪市红塔区政务服务中心", "玉溪市红塔区", "530400"),
    ("532501", "个旧市政务服务中心", "红河哈尼族彝族自治州个旧市", "532500"),
    ("532801", "景洪市政务服务中心", "西双版纳傣族自治州景洪市", "532800"),
    ("532901", "大理市政务服务中心", "大理白族自治州大理市", "532900"),
]


@dataclass(frozen=True)
class Hall:
    hall_id: str
    name: str
    level: str  # 州市级 | 县级
    prefecture: str
    prefecture_code: str
    district_code: str | None
    address: str
    phone: str
    capacity_per_slot: int
    item_codes: frozenset[str]

    def view(self) -> dict[str, object]:
        return {
            "hall_id": self.hall_id,
            "name": self.name,
            "level": self.level,
            "prefecture": self.prefecture,
            "prefecture_code": self.prefecture_code,
            "district_code": self.district_code,
            "address": self.address,
            "phone": self.phone,
            "opening_hours": OPENING_HOURS,
            "notes": "请按预约时段提前10分钟到达，凭预约号取号；逾时未到视为爽约。",
            "item_count": len(self.item_codes),
        }


@dataclass
class Appointment:
    appointment_id: str
    ticket_no: str
    hall: Hall
    item: ServiceItem
    day: date
    start: time
    holder_id_type: str
    holder_id: str
    holder_name: str
    created_at: datetime
    status: str = BOOKED
    cancelled_at: datetime | None = None

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.day, self.start, tzinfo=CST)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=SLOT_MINUTES)

    def current_status(self, at: datetime) -> str:
        # A booking whose time has passed without a visit counts as missed (爽约).
        if self.status == BOOKED and self.ends_at <= at:
            return NO_SHOW
        return self.status

    def view(self, at: datetime) -> dict[str, object]:
        return {
            "appointment_id": self.appointment_id,
            "ticket_no": self.ticket_no,
            "hall_id": self.hall.hall_id,
            "hall_name": self.hall.name,
            "hall_address": self.hall.address,
            "item_code": self.item.code,
            "item_name": self.item.name,
            "date": self.day.isoformat(),
            "start": self.start.strftime("%H:%M"),
            "end": (self.ends_at.time()).strftime("%H:%M"),
            "holder_id_type": self.holder_id_type,
            "holder_id": self.holder_id,
            "holder_name": self.holder_name,
            "status": self.current_status(at),
            "created_at": self.created_at.isoformat(),
            "cancelled_at": self.cancelled_at.isoformat() if self.cancelled_at else None,
        }


SlotKey = tuple[str, str, date, time]


@dataclass
class Book:
    halls: dict[str, Hall]
    appointments: dict[str, Appointment] = field(default_factory=dict)
    taken: dict[SlotKey, int] = field(default_factory=dict)
    _serial: int = 0

    def next_ids(self, day: date, start: time) -> tuple[str, str]:
        """The appointment id and the ticket number (预约号) shown at the hall's queue machine."""
        self._serial += 1
        ticket = f"{'A' if start.hour < 12 else 'P'}{self._serial % 10000:04d}"
        return f"YY{day:%Y%m%d}{self._serial:06d}", ticket

    def add(self, appointment: Appointment) -> None:
        self.appointments[appointment.appointment_id] = appointment
        if appointment.status == BOOKED:
            key = _slot_key(appointment.hall, appointment.item.code, appointment.day, appointment.start)
            self.taken[key] = self.taken.get(key, 0) + 1

    def release(self, appointment: Appointment) -> None:
        key = _slot_key(appointment.hall, appointment.item.code, appointment.day, appointment.start)
        self.taken[key] = max(0, self.taken.get(key, 0) - 1)

    def booked(self, hall: Hall, item_code: str, day: date, start: time) -> int:
        """Places taken in a slot: other channels' share plus the bookings held here, capped."""
        key = _slot_key(hall, item_code, day, start)
        return min(hall.capacity_per_slot, outside_bookings(hall, item_code, day, start) + self.taken.get(key, 0))

    def of_holder(self, holder_id_type: str, holder_id: str) -> list[Appointment]:
        return [
            a for a in self.appointments.values() if a.holder_id_type == holder_id_type and a.holder_id == holder_id
        ]


def _slot_key(hall: Hall, item_code: str, day: date, start: time) -> SlotKey:
    return (hall.hall_id, item_code, day, start)


def outside_bookings(hall: Hall, item_code: str, day: date, start: time) -> int:
    digest = hashlib.sha256(f"{hall.hall_id}|{item_code}|{day}|{start}".encode()).digest()
    roll = int.from_bytes(digest[:4], "big") % 100
    cap = hall.capacity_per_slot
    if roll < 10:
        return cap  # already full
    if roll < 35:
        return cap - 1
    return 1 if roll < 60 else 0


def bookable_days(today: date) -> list[date]:
    """The working days open for booking: from tomorrow, the next ten working days."""
    days: list[date] = []
    current = today
    while len(days) < BOOKING_WINDOW_WORKING_DAYS:
        current += timedelta(days=1)
        if is_working_day(current):
            days.append(current)
    return days


def working_days_back(today: date, count: int) -> date:
    current = today
    found = 0
    while found < count:
        current -= timedelta(days=1)
        if is_working_day(current):
            found += 1
    return current


def build_halls(seed: int = 41) -> dict[str, Hall]:
    rng = random.Random(seed)
    items = service_items()
    every_item = frozenset(items)
    for_people = frozenset(code for code, item in items.items() if item.audience == "自然人")
    halls: list[Hall] = []
    for code, name, _districts in PREFECTURES:
        halls.append(
            Hall(
                hall_id=f"H{code}",
                name=f"{name}政务服务中心",
                level="州市级",
                prefecture=name,
                prefecture_code=code,
                district_code=None,
                address=f"云南省{name}{rng.choice(_STREETS)}{rng.randrange(1, 300)}号",
                phone=f"{_AREA_CODES[code]}-{rng.randrange(6_000_000, 7_000_000)}",
                capacity_per_slot=3,
                item_codes=every_item,
            )
        )
    names = {code: name for code, name, _ in PREFECTURES}
    for district, hall_name, place, prefecture_code in COUNTY_HALLS:
        halls.append(
            Hall(
                hall_id=f"H{district}",
                name=hall_name,
                level="县级",
                prefecture=names[prefecture_code],
                prefecture_code=prefecture_code,
                district_code=district,
                address=f"云南省{place}{rng.choice(_STREETS)}{rng.randrange(1, 300)}号",
                phone=f"{_AREA_CODES[prefecture_code]}-{rng.randrange(6_000_000, 7_000_000)}",
                capacity_per_slot=2,
                item_codes=for_people,
            )
        )
    return {hall.hall_id: hall for hall in halls}


# What each demo user has booked: (item, hall, working days from today — negative is past,
# slot index, status for past ones, holder: "self" or a company USCC).
DEMO_APPOINTMENTS: dict[str, list[tuple[str, str, int, int, str, str]]] = {
    "citizen": [
        ("GA-002", "H530102", 2, 2, BOOKED, "self"),
        ("RS-001", "H530100", -30, 9, DONE, "self"),
        ("GJJ-004", "H530100", -12, 4, CANCELLED, "self"),
    ],
    "citizen2": [
        ("GA-011", "H532901", 4, 7, BOOKED, "self"),
        ("SJ-005", "H532900", -60, 1, DONE, "self"),
    ],
    "elder": [
        ("YB-006", "H530402", 3, 0, BOOKED, "self"),
        ("MZ-007", "H530402", -25, 1, DONE, "self"),
        ("RS-004", "H530400", -8, 3, NO_SHOW, "self"),
    ],
    "legal-rep": [
        # His driving licence has lapsed (licences simulator: status 05), so he booked its renewal.
        ("GA-015", "H530102", 7, 5, BOOKED, "self"),
        ("SJ-009", "H530100", 5, 11, BOOKED, "91530102MA6K8R2Q1N"),
        ("SJ-008", "H530100", -40, 8, DONE, "91530102MA6K8R2Q1N"),
    ],
    "staff": [
        ("GJJ-002", "H530111", 6, 10, BOOKED, "self"),
        ("RS-003", "H530111", -15, 12, NO_SHOW, "self"),
    ],
}


def home_hall(person: Person, halls: dict[str, Hall]) -> Hall:
    """The hall nearest a person: their county's when it has one, else their prefecture's."""
    district = person.id_number[:6]
    return halls.get(f"H{district}") or halls[f"H{person.prefecture_code}"]


def seed_appointments(book: Book, pop: Population, today: date, seed: int = 43) -> None:
    """Appointments for the demo users and a share of the population, relative to `today`.

    Upcoming ones are always in the future, so the demo stays alive whatever day it runs.
    """
    rng = random.Random(seed)
    items = service_items()
    upcoming = bookable_days(today)
    created = datetime.combine(today - timedelta(days=60), time(8, 0), tzinfo=CST)
    for username, entries in DEMO_APPOINTMENTS.items():
        person = pop.demo_people[username]
        for code, hall_id, offset, slot, status, holder in entries:
            day = upcoming[offset - 1] if offset > 0 else working_days_back(today, -offset)
            company = pop.companies_by_uscc.get(holder)
            who = (COMPANY_ID_TYPE, company.uscc, company.name) if company else None
            who = who or (PERSON_ID_TYPE, person.id_number, person.name)
            _seed_one(book, book.halls[hall_id], items[code], day, SLOT_STARTS[slot], who, status, created)
    demo_ids = {p.id_number for p in pop.demo_people.values()}
    person_items = [code for code, item in items.items() if item.audience == "自然人" and not item.fully_online]
    for person in pop.people:
        if person.id_number in demo_ids or person.birth_date.year > 2008 or rng.random() > 0.12:
            continue
        hall = home_hall(person, book.halls)
        code = rng.choice(person_items)
        if rng.random() < 0.3:
            day = rng.choice(upcoming)
            status = BOOKED
        else:
            day = working_days_back(today, rng.randrange(1, 120))
            status = rng.choices([DONE, CANCELLED, NO_SHOW], weights=[80, 14, 6])[0]
        _seed_one(
            book,
            hall,
            items[code],
            day,
            rng.choice(SLOT_STARTS),
            (PERSON_ID_TYPE, person.id_number, person.name),
            status,
            created,
        )


def _seed_one(
    book: Book,
    hall: Hall,
    item: ServiceItem,
    day: date,
    start: time,
    holder: tuple[str, str, str],
    status: str,
    created: datetime,
) -> None:
    appointment_id, ticket = book.next_ids(day, start)
    book.add(
        Appointment(
            appointment_id=appointment_id,
            ticket_no=ticket,
            hall=hall,
            item=item,
            day=day,
            start=start,
            holder_id_type=holder[0],
            holder_id=holder[1],
            holder_name=holder[2],
            created_at=min(created, datetime.combine(day, time(8, 0), tzinfo=CST) - timedelta(days=3)),
            status=BOOKED if status == NO_SHOW else status,
            cancelled_at=created + timedelta(days=1) if status == CANCELLED else None,
        )
    )
