"""Schema extensions of ours: the request's unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from schema.errors import is_unexpected


class UnitOfWork(SchemaExtension):
    """Commits the request's writes and its audit entry once the operation has run."""

    def on_execute(self) -> Iterator[None]:
        # What the person sees may be read from what is kept under their generation only when
        # nothing in this operation writes it (see personal_space.owned_cache).
        context = self.execution_context.context
        if hasattr(context, "read_only"):
            context.read_only = self.execution_context.operation_type is OperationType.QUERY
        yield

    async def on_operation(self) -> AsyncIterator[None]:  # type: ignore[override]
        yield
        context = self.execution_context.context
        finish = getattr(context, "finish", None)
        if finish is None:
            return
        result = self.execution_context.result
        errors = (result.errors or []) if result is not None else []
        failed = any(is_unexpected(e) for e in errors)
        await finish(failed=failed)
