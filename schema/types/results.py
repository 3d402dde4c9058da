"""Expected failures as data: the members every mutation's result union may carry."""

from __future__ import annotations

import strawberry


@strawberry.type(description="输入有误")
class ValidationError:
    message: str
    field: str | None = None
    code: str = "BAD_USER_INPUT"


@strawberry.type(description="无权进行此操作")
class NotAllowed:
    message: str
    code: str = "NOT_ALLOWED"


@strawberry.type(description="同一幂等键已用于不同的请求")
class IdempotencyConflict:
    message: str
    idempotency_key: str
    code: str = "IDEMPOTENCY_CONFLICT"


@strawberry.type(description="对象不存在或不属于您")
class NotFoundError:
    message: str
    code: str = "NOT_FOUND"
