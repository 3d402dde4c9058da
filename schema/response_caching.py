"""Reuse a person's own answer while it is still true (see `personal_space.response_cache`).

Only what is plainly the caller's own space is considered: a query whose root fields are all
`me`, asked by a signed-in person, without `dataAccessLog` (it changes with every read, this one
included). Anything else runs as usual. A client that must see the departments' latest (pull to
refresh) sends `Cache-Control: no-cache`: the answer is built afresh and kept for the next time.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Iterable
from typing import TypeVar

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.language import FragmentDefinitionNode
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from kit import freshness
from personal_space.response_cache import AuditedRead, CachedAnswer, ResponseCache
from resolvers.context import Context

# Fields of `me` whose answer cannot be reused: the access log grows with every read.
NOT_REUSABLE = frozenset({"dataAccessLog"})
# An answer worth keeping outlives a client's next request by a margin.
MIN_SECONDS = 1.0

T = TypeVar("T")
log = logging.getLogger("citizen.cache")


class ResponseCaching(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:  # type: ignore[override]
        context = self.execution_context.context
        cache = _cache_of(context)
        key = await _quietly(self._key(context, cache)) if cache is not None else None
        if cache is None or key is None:
            yield
            return
        if not context.revalidate:
            hit = await _quietly(cache.get(key))
            if hit is not None:
                for read in hit.reads:
                    context.audit.reads.setdefault((read.data_subject_id, read.purpose), set()).update(read.sections)
                self.execution_context.result = ExecutionResult(data=hit.data, errors=None)
                cache.outcomes.labels("hit").inc()
                yield
                return
        tracker = freshness.Freshness(cache.max_seconds)
        token = freshness.track(tracker)
        try:
            yield
        finally:
            freshness.stop_tracking(token)
        result = self.execution_context.result
        if result is None or result.errors or not isinstance(result.data, dict) or tracker.max_age < MIN_SECONDS:
            cache.outcomes.labels("not_kept").inc()
            return
        reads = tuple(
            AuditedRead(subject, purpose, tuple(sorted(sections)))
            for (subject, purpose), sections in context.audit.reads.items()
        )
        if await _quietly(cache.put(key, CachedAnswer(result.data, reads), tracker.max_age)):
            cache.outcomes.labels("kept").inc()

    async def _key(self, context: Context, cache: ResponseCache) -> str | None:
        execution = self.execution_context
        caller, person = context.caller, context.person
        if caller is None or person is None or execution.operation_type is not OperationType.QUERY:
            return None
        document = execution.graphql_document
        operation = _operation(document, execution.operation_name) if document is not None else None
        if document is None or operation is None or not _own_space_only(document, operation.selection_set):
            return None
        generation = await context.generation_of(person.account_id)
        if generation is None:
            return None
        request = [
            execution.query,
            execution.variables or {},
            execution.operation_name,
            context.client_mode.value,
            caller.role,
            caller.subject,
        ]
        return cache.key(person.account_id, generation, request)


async def _quietly(work: Awaitable[T]) -> T | None:
    """A cache that fails (Redis unreachable, a generation that cannot be read) costs the reuse,
    never the answer: the request goes on as if nothing had been kept."""
    try:
        return await work
    except Exception:
        log.warning("response cache unavailable", exc_info=True)
        return None


def _cache_of(context: object) -> ResponseCache | None:
    if not isinstance(context, Context):
        return None
    cache = context.services.response_cache
    return cache if cache is not None and cache.enabled else None


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name is not None and o.name.value == name), None)


def _own_space_only(document: DocumentNode, root: SelectionSetNode) -> bool:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    roots = list(_fields(root, fragments))
    if not roots:
        return False
    for field in roots:
        if field.name.value == "__typename":
            continue
        if field.name.value != "me" or field.selection_set is None:
            return False
        if any(f.name.value in NOT_REUSABLE for f in _fields(field.selection_set, fragments)):
            return False
    return True


def _fields(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]) -> Iterable[FieldNode]:
    """The fields of one level, through fragments (an unknown fragment fails validation before)."""
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            yield from _fields(fragments[selection.name.value].selection_set, fragments)
