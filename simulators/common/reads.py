"""What the read-heavy simulators (enterprise, appointments, records, bills) share.

Paging, month ranges and one JSON error shape `{"code", "message"}` — the same shape the
stateful simulators answer with (`simulators.common.lifecycle.SimulatorError`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from kit.identifiers import is_valid_id_number, is_valid_uscc
from simulators.common.lifecycle import SimulatorError

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
PERSON_ID_TYPE = "111"  # 居民身份证, as the national licence standard codes holder id types
COMPANY_ID_TYPE = "001"  # 统一社会信用代码

PageNumber = Annotated[int, Query(ge=1, le=10_000)]
PageSize = Annotated[int, Query(ge=1, le=100)]
MonthParam = Annotated[str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM")]
HolderIdType = Annotated[str, Query(pattern=r"^(111|001)$", description="111 居民身份证, 001 统一社会信用代码")]


def bad_request(code: str, message: str) -> SimulatorError:
    return SimulatorError(400, code, message)


def page_of(items: Sequence[Any], page: int, page_size: int, **extra: Any) -> dict[str, Any]:
    start = (page - 1) * page_size
    return {"items": list(items[start : start + page_size]), "total": len(items), "page": page, "page_size": page_size}


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@cache
def shift_month(month: str, delta: int) -> str:
    # Cached: the record generators call this for every month of every holder.
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: str, last: str) -> int:
    """Months from `first` to `last` inclusive (0 when `last` is before `first`)."""
    span = (int(last[:4]) * 12 + int(last[5:7])) - (int(first[:4]) * 12 + int(first[5:7])) + 1
    return max(0, span)


def month_range(
    from_month: str | None, to_month: str | None, *, latest: str, default_months: int, max_months: int
) -> tuple[str, str]:
    """A validated inclusive range of months; defaults to the `default_months` up to `latest`."""
    last = to_month or latest
    first = from_month or shift_month(last, -(default_months - 1))
    if first > last:
        raise bad_request("INVALID_RANGE", "起始月份不能晚于截止月份")
    if months_between(first, last) > max_months:
        raise bad_request("RANGE_TOO_LONG", f"查询区间不能超过{max_months}个月")
    return first, last


def check_person_id(value: str) -> str:
    value = value.upper()
    if not is_valid_id_number(value):
        raise bad_request("INVALID_ID_NUMBER", "身份证号码格式或校验位不正确")
    return value


def check_uscc(value: str) -> str:
    value = value.upper()
    if not is_valid_uscc(value):
        raise bad_request("INVALID_USCC", "统一社会信用代码格式或校验位不正确")
    return value


def check_holder(holder_id: str, holder_id_type: str) -> str:
    return check_person_id(holder_id) if holder_id_type == PERSON_ID_TYPE else check_uscc(holder_id)


def install_error_handlers(app: FastAPI) -> None:
    """Answer refusals and invalid input as `{"code", "message"}`, never as a bare 500."""

    async def simulator_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, SimulatorError)
        return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status)

    async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = jsonable_encoder(exc.errors(), custom_encoder={ValueError: str})
        return JSONResponse({"code": "INVALID_REQUEST", "message": "请求参数不合法", "errors": errors}, status_code=422)

    app.add_exception_handler(SimulatorError, simulator_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
