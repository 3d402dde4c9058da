"""Department failures become partial results: the section is null, errors[] says why."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from graphql import GraphQLError

from connectors.errors import DepartmentError, NotFound

ResultT = TypeVar("ResultT")


async def federated(section: str, work: Awaitable[ResultT]) -> ResultT:
    try:
        return await work
    except NotFound:
        raise GraphQLError("未找到相关数据", extensions={"code": "NOT_FOUND", "section": section}) from None
    except DepartmentError as exc:
        raise GraphQLError(
            f"{exc.department}的系统暂时无法访问，请稍后再试",
            extensions={
                "code": exc.code,
                "department": exc.department,
                "system": exc.system,
                "retryable": exc.retryable,
                "section": section,
            },
        ) from None
