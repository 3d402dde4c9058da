"""Root fields of smart search and answers (智能搜索 / 智能问答)."""

from __future__ import annotations

import strawberry

from resolvers import search as resolve
from schema.types.search import Answer, Bundle, DeleteFaqResult, Faq, SearchHitConnection, ServiceItem, Suggestion


@strawberry.type
class SearchQuery:
    search: SearchHitConnection = strawberry.field(
        resolver=resolve.search, description="搜索办事事项、“一件事”和常见问题（支持俗称、拼音、首字母、繁体）"
    )
    suggest: list[Suggestion] = strawberry.field(resolver=resolve.suggest, description="输入联想（汉字、拼音、首字母）")
    ask: Answer = strawberry.field(
        resolver=resolve.ask, description="智能问答：有把握才回答，否则给出相近问题并建议转人工（12345）"
    )
    service_item: ServiceItem | None = strawberry.field(resolver=resolve.service_item, description="按编码取事项")
    bundle: Bundle | None = strawberry.field(resolver=resolve.bundle, description="按编码取“一件事”")


@strawberry.type
class SearchMutation:
    upsert_faq: Faq = strawberry.mutation(resolver=resolve.upsert_faq, description="新增或修改常见问题（运营人员）")
    delete_faq: DeleteFaqResult = strawberry.mutation(
        resolver=resolve.delete_faq, description="删除常见问题（运营人员）"
    )
    record_search_click: bool = strawberry.mutation(
        resolver=resolve.record_search_click, description="记录用户点开了某条搜索结果（用于按热度排序）"
    )
