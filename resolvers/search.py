"""Resolvers of search and answers: read the arguments, call the search service, map to types."""

from __future__ import annotations

from graphql import GraphQLError
from pydantic import ValidationError

from personal_space.plain_words import for_voice, speakable
from resolvers.context import Info
from resolvers.permissions import require_caller
from resolvers.sections import wants_elder
from schema.types.common import MAX_PAGE_SIZE, PageInfo, bad_input, decode_cursor, encode_cursor
from schema.types.search import (
    Answer,
    Bundle,
    DeleteFaqResult,
    Faq,
    FaqInput,
    SearchFilter,
    SearchHitConnection,
    SearchHitEdge,
    SearchHitKind,
    ServiceItem,
    Suggestion,
    hit_of,
)
from search.engine import Filters
from search.faq import FaqInput as FaqData
from search.service import SearchInputError, SearchService

OPERATOR_ROLE = "operator"


def _service(info: Info) -> SearchService:
    service: SearchService | None = getattr(info.context.services, "search", None)
    if service is None:
        raise GraphQLError("搜索服务暂不可用", extensions={"code": "SEARCH_UNAVAILABLE", "retryable": True})
    return service


def _filters(value: SearchFilter | None) -> Filters | None:
    if value is None:
        return None
    base = Filters()
    return Filters(
        kinds=tuple(k.doc_kind for k in value.kinds) if value.kinds else base.kinds,
        audience=value.audience.value if value.audience else None,
        departments=tuple(value.departments or ()),
        themes=tuple(value.themes or ()),
        region=value.region or None,
    )


async def search(
    info: Info, query: str, filter: SearchFilter | None = None, first: int | None = 10, after: str | None = None
) -> SearchHitConnection:
    service = _service(info)
    size = 10 if first is None else first
    if not 0 <= size <= MAX_PAGE_SIZE:
        raise bad_input(f"first must be between 0 and {MAX_PAGE_SIZE}")
    offset = decode_cursor(after) + 1 if after else 0
    try:
        page = await service.search(query, _filters(filter), offset=offset, size=size)
    except SearchInputError as exc:
        raise bad_input(str(exc)) from None
    edges = [
        SearchHitEdge(cursor=encode_cursor(offset + i), node=hit_of(hit, service.bundle_items(hit.bundle)))
        for i, hit in enumerate(page.hits)
    ]
    return SearchHitConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=offset + size < page.total,
            has_previous_page=offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=page.total,
    )


async def suggest(info: Info, prefix: str, first: int | None = 10) -> list[Suggestion]:
    size = 10 if first is None else first
    if not 1 <= size <= 20:
        raise bad_input("first must be between 1 and 20")
    try:
        return [Suggestion.of(s) for s in await _service(info).suggest(prefix, size)]
    except SearchInputError as exc:
        raise bad_input(str(exc)) from None


async def ask(info: Info, question: str) -> Answer:
    try:
        answer = Answer.of(await _service(info).ask(question))
    except SearchInputError as exc:
        raise bad_input(str(exc)) from None
    if await wants_elder(info):
        # Elder clients read answers aloud: keep the first sentences, say where to learn more.
        answer.text = for_voice(answer.text)
        answer.speakable_text = speakable(answer.text)
    return answer


def service_item(info: Info, code: str) -> ServiceItem | None:
    item = _service(info).catalogue.items.get(code.strip().upper())
    return ServiceItem.of(item) if item else None


def bundle(info: Info, code: str) -> Bundle | None:
    service = _service(info)
    record = service.catalogue.bundles.get(code.strip().upper())
    return Bundle.of(record, service.bundle_items(record)) if record else None


async def record_search_click(info: Info, kind: SearchHitKind, code: str) -> bool:
    """A person opened a result: it counts towards that result's popularity."""
    return await _service(info).record_click(kind.doc_kind, code)


def _require_operator(info: Info) -> str:
    caller = require_caller(info)
    if caller.role != OPERATOR_ROLE:
        raise GraphQLError("只有运营人员可以维护常见问题", extensions={"code": "NOT_ALLOWED"})
    return caller.subject


async def upsert_faq(info: Info, input: FaqInput) -> Faq:
    actor = _require_operator(info)
    try:
        data = FaqData(
            id=str(input.id) if input.id else None,
            question=input.question,
            answer=input.answer,
            variants=input.variants,
            item_codes=input.item_codes,
        )
    except ValidationError as exc:
        first_error = exc.errors()[0]
        field = ".".join(str(p) for p in first_error["loc"])
        raise GraphQLError(
            f"{field}: {first_error['msg']}", extensions={"code": "BAD_USER_INPUT", "field": field}
        ) from None
    service = _service(info)
    try:
        async with info.context.db() as session:
            record, _created = await service.save_faq(session, data, actor=actor)
    except SearchInputError as exc:
        raise bad_input(str(exc)) from None
    return Faq.of(record)


async def delete_faq(info: Info, id: str) -> DeleteFaqResult:
    actor = _require_operator(info)
    service = _service(info)
    async with info.context.db() as session:
        deleted = await service.remove_faq(session, id, actor=actor)
    return DeleteFaqResult(id=id, deleted=deleted)  # type: ignore[arg-type]
