"""What the appointments system returns, validated before anything of ours touches it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

HALL_ID_PATTERN = r"^H\d{6}$"
ITEM_CODE_PATTERN = r"^[A-Z]{2,4}-\d{3}$"
CLOCK_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"

AppointmentStatus = Literal["已预约", "已取消", "已完成", "爽约"]
HolderIdType = Literal["111", "001"]  # 居民身份证 | 统一社会信用代码


class OpeningHours(BaseModel):
    days: str
    hours: str


class Hall(BaseModel):
    hall_id: str = Field(pattern=HALL_ID_PATTERN)
    name: str
    level: Literal["州市级", "县级"]
    prefecture: str
    prefecture_code: str
    district_code: str | None = None
    address: str
    phone: str
    opening_hours: list[OpeningHours]
    notes: str = ""
    item_count: int = Field(ge=0)
    item_codes: list[str] = Field(default_factory=list)  # only in the single-hall answer


class HallList(BaseModel):
    items: list[Hall]
    total: int = Field(ge=0)


class Slot(BaseModel):
    start: str = Field(pattern=CLOCK_PATTERN)
    end: str = Field(pattern=CLOCK_PATTERN)
    capacity: int = Field(ge=0)
    booked: int = Field(ge=0)
    available: int = Field(ge=0)


class SlotDay(BaseModel):
    date: date
    slots: list[Slot]


class SlotGrid(BaseModel):
    hall_id: str = Field(pattern=HALL_ID_PATTERN)
    hall_name: str
    item_code: str = Field(pattern=ITEM_CODE_PATTERN)
    item_name: str
    slot_minutes: int = Field(gt=0)
    days: list[SlotDay]

    def open_slots(self) -> list[tuple[date, Slot]]:
        return [(day.date, slot) for day in self.days for slot in day.slots if slot.available > 0]


class Appointment(BaseModel):
    appointment_id: str
    ticket_no: str
    hall_id: str = Field(pattern=HALL_ID_PATTERN)
    hall_name: str
    hall_address: str
    item_code: str = Field(pattern=ITEM_CODE_PATTERN)
    item_name: str
    date: date
    start: str = Field(pattern=CLOCK_PATTERN)
    end: str = Field(pattern=CLOCK_PATTERN)
    holder_id_type: HolderIdType
    holder_id: str
    holder_name: str
    status: AppointmentStatus
    created_at: datetime
    cancelled_at: datetime | None = None


class AppointmentPage(BaseModel):
    items: list[Appointment]
    total: int = Field(ge=0)
    page: int = Field(ge=1)
    page_size: int = Field(ge=1)


class BookingRequest(BaseModel):
    hall_id: str = Field(pattern=HALL_ID_PATTERN)
    item_code: str = Field(pattern=ITEM_CODE_PATTERN)
    date: date
    start: str = Field(pattern=CLOCK_PATTERN)
    holder_id_type: HolderIdType = "111"
    holder_id: str = Field(min_length=18, max_length=18)
    holder_name: str = Field(min_length=2, max_length=60)
