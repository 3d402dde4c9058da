"""Schema extensions of ours: the request's unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension

from schema.errors import is_unexpected


class UnitOfWork(SchemaExtension):
    """Commits the request's writes and its audit entry once the operation has run."""

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
