"""Working days on the Chinese holiday calendar: holidays, make-up Saturdays, pauses, estimates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kit.working_days import (
    add_working_days,
    is_official,
    is_working_day,
    promised_deadline,
    working_days_between,
    working_days_left,
)


def test_national_day_week_is_skipped_and_the_make_up_saturday_counts() -> None:
    # 2026: 1–7 October off; Saturday 10 October is worked in lieu (调休).
    assert not is_working_day(date(2026, 10, 1))
    assert not is_working_day(date(2026, 10, 7))
    assert is_working_day(date(2026, 10, 10))
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)


def test_spring_festival_2026_is_a_rest_week() -> None:
    assert not any(is_working_day(date(2026, 2, day)) for day in range(15, 24))
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)  # a make-up Saturday
    assert add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)


def test_the_start_day_does_not_count_and_zero_days_is_the_same_day() -> None:
    monday = date(2026, 11, 23)
    assert add_working_days(monday, 0) == monday
    assert add_working_days(monday, 1) == date(2026, 11, 24)
    assert add_working_days(monday, 5) == date(2026, 11, 30)
    saturday = date(2026, 11, 28)
    assert add_working_days(saturday, 1) == date(2026, 11, 30)


def test_days_between_is_signed_and_matches_adding() -> None:
    assert working_days_between(date(2026, 11, 23), date(2026, 11, 30)) == 5
    assert working_days_between(date(2026, 11, 30), date(2026, 11, 23)) == -5
    assert working_days_between(date(2026, 11, 28), date(2026, 11, 29)) == 0


def test_pauses_push_the_deadline_and_days_left_goes_negative_when_overdue() -> None:
    accepted = date(2026, 11, 2)
    assert promised_deadline(accepted, 10) == date(2026, 11, 16)
    assert promised_deadline(accepted, 10, paused_working_days=3) == date(2026, 11, 19)
    assert working_days_left(date(2026, 11, 16), today=date(2026, 11, 16)) == 0
    assert working_days_left(date(2026, 11, 16), today=date(2026, 11, 12)) == 2
    assert working_days_left(date(2026, 11, 16), today=date(2026, 11, 18)) == -2


def test_years_past_the_published_schedule_are_estimated_from_statutory_holidays() -> None:
    assert is_official(date(2026, 12, 31))
    assert not is_official(date(2027, 1, 4))
    assert not is_working_day(date(2027, 1, 1))  # 元旦, a Friday
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    # 2027 Spring Festival: 除夕 5 February (Friday) to 初三 8 February (Monday).
    assert not is_working_day(date(2027, 2, 5))
    assert not is_working_day(date(2027, 2, 8))
    assert is_working_day(date(2027, 2, 9))
    assert not is_working_day(date(2027, 4, 5))  # 清明, computed from the solar terms
    assert not is_working_day(date(2027, 10, 1))


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_working_days(date(2026, 1, 5), -1)
    with pytest.raises(ValueError, match="negative"):
        promised_deadline(date(2026, 1, 5), 3, paused_working_days=-1)


@given(
    start=st.dates(min_value=date(2010, 1, 1), max_value=date(2029, 6, 30)),
    days=st.integers(min_value=0, max_value=60),
)
def test_adding_then_counting_round_trips(start: date, days: int) -> None:
    end = add_working_days(start, days)
    assert working_days_between(start, end) == days
    assert end == start or is_working_day(end)
    assert end - start <= timedelta(days=days * 3 + 20)
