"""Working days (工作日) on the Chinese public-holiday calendar, with its make-up working days (调休).

Promised time limits of government services and 12345 work orders are counted in working days,
and the day a case is accepted is not counted (行政许可法: 期间开始之日不计算在内).

The published State Council schedule (through `chinese-calendar`) is used for every year it
covers. Beyond its last year the schedule is not yet published, so the statutory holiday days
themselves are used as an estimate (without the make-up Saturdays that are only announced a
year ahead); `is_official` tells which kind of answer a day gets.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache, lru_cache

import chinese_calendar

# Lunar-calendar holidays (Spring Festival = the first day of the first lunar month; Dragon Boat;
# Mid-Autumn) for the years after the package's data, from the published lunar calendar.
_SPRING_FESTIVAL = {2027: date(2027, 2, 6), 2028: date(2028, 1, 26), 2029: date(2029, 2, 13), 2030: date(2030, 2, 3)}
_DRAGON_BOAT = {2027: date(2027, 6, 9), 2028: date(2028, 5, 28), 2029: date(2029, 6, 16), 2030: date(2030, 6, 5)}
_MID_AUTUMN = {2027: date(2027, 9, 15), 2028: date(2028, 10, 3), 2029: date(2029, 9, 22), 2030: date(2030, 9, 12)}
# Fixed solar-calendar statutory holidays (month, day): 元旦, 劳动节 (2 days), 国庆节 (3 days).
_FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}
# Working-day counts are bounded so a bad input cannot spin a loop for ever.
MAX_SPAN_DAYS = 3660


def is_official(day: date) -> bool:
    """Whether the published holiday schedule covers this day (else the answer is an estimate)."""
    first, last = _official_years()
    return first <= day.year <= last


@cache
def _official_years() -> tuple[int, int]:
    years = [d.year for d in chinese_calendar.holidays]
    return min(years), max(years)


@cache
def is_working_day(day: date) -> bool:
    if is_official(day):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5 and day not in _estimated_holidays(day.year)


@cache
def _estimated_holidays(year: int) -> frozenset[date]:
    days = {date(year, month, dom) for month, dom in _FIXED_HOLIDAYS}
    spring = _SPRING_FESTIVAL.get(year)
    if spring:
        # 春节: New Year's Eve (除夕) through the third day of the first month.
        days.update(spring + timedelta(days=offset) for offset in range(-1, 3))
    days.update(day for day in (_DRAGON_BOAT.get(year), _MID_AUTUMN.get(year)) if day)
    # 清明 is a solar term, so it can be computed for any year.
    days.update(
        term_day
        for term_day, name in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))
        if name == "清明"
    )
    return frozenset(days)


@lru_cache(maxsize=65_536)
def add_working_days(start: date, days: int) -> date:
    """The date on which the `days`-th working day after `start` falls (`start` itself not counted).

    Zero days (即办件) is the start date itself.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    for _ in range(MAX_SPAN_DAYS):
        if remaining == 0:
            return current
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    raise ValueError(f"{days} working days is beyond the supported span")


@lru_cache(maxsize=65_536)
def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]; negative when `end` is before `start`."""
    if end < start:
        return -working_days_between(end, start)
    if (end - start).days > MAX_SPAN_DAYS:
        raise ValueError("span too long")
    return sum(1 for offset in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=offset)))


def promised_deadline(accepted_on: date, promised_days: int, paused_working_days: int = 0) -> date:
    """The promised completion date; time spent waiting for the applicant (补正) does not count."""
    if paused_working_days < 0:
        raise ValueError("paused_working_days must not be negative")
    return add_working_days(accepted_on, promised_days + paused_working_days)


def working_days_left(deadline: date, today: date) -> int:
    """Working days from today up to the deadline: 0 when due today, negative when overdue."""
    return working_days_between(today, deadline)
