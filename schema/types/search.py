"""Smart search and answers as the apps see them: hits, the catalogue's guides, FAQ answers."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from connectors.catalogue.models import Bundle as BundleRecord
from connectors.catalogue.models import Guide as GuideRecord
from connectors.catalogue.models import ServiceItem as ServiceItemRecord
from schema.types.common import PageInfo
from search.documents import FaqRecord
from search.ranking import DocKind
from search.service import Answer as AnswerResult
from search.service import SearchHit as Hit
from search.suggest import Suggestion as SuggestionRecord


@strawberry.enum(description="搜索结果类型")
class SearchHitKind(Enum):
    SERVICE_ITEM = "service_item"
    BUNDLE = "bundle"
    FAQ = "faq"

    @classmethod
    def of(cls, kind: DocKind) -> SearchHitKind:
        return cls(kind.value)

    @property
    def doc_kind(self) -> DocKind:
        return DocKind(self.value)


@strawberry.enum(description="服务对象")
class ServiceAudience(Enum):
    NATURAL_PERSON = "自然人"
    LEGAL_PERSON = "法人"


@strawberry.type(description="申请材料")
class Material:
    name: str
    form: str = strawberry.field(description="原件、复印件、电子证照等")
    copies: int
    licence_type: str | None = strawberry.field(description="可用电子证照代替时的证照类型")
    note: str


@strawberry.type(description="办事指南")
class ServiceGuide:
    summary: str
    aliases: list[str] = strawberry.field(description="俗称、常用说法")
    keywords: list[str]
    conditions: list[str] = strawberry.field(description="申请条件")
    materials: list[Material]
    fee: str = strawberry.field(description="收费标准")
    legal_days: int | None = strawberry.field(description="法定办结时限（工作日）")
    promised_days: int | None = strawberry.field(description="承诺办结时限（工作日）")
    where: str = strawberry.field(description="办理地点")
    online: str = strawberry.field(description="网办程度")
    visits: int | None = strawberry.field(description="最多跑动次数")
    legal_basis: str
    steps: list[str] = strawberry.field(description="办理流程")

    @classmethod
    def of(cls, guide: GuideRecord) -> ServiceGuide:
        return cls(
            summary=guide.summary,
            aliases=list(guide.aliases),
            keywords=list(guide.keywords),
            conditions=list(guide.conditions),
            materials=[
                Material(name=m.name, form=m.form, copies=m.copies, licence_type=m.licence_type, note=m.note)
                for m in guide.materials
            ],
            fee=guide.fee,
            legal_days=guide.legal_days,
            promised_days=guide.promised_days,
            where=guide.where,
            online=guide.online,
            visits=guide.visits,
            legal_basis=guide.legal_basis,
            steps=list(guide.steps),
        )


@strawberry.type(description="政务服务事项")
class ServiceItem:
    code: str = strawberry.field(description="事项编码")
    name: str
    department: str
    audience: ServiceAudience
    kind: str = strawberry.field(description="事项类型：行政许可、公共服务……")
    theme: str
    fully_online: bool = strawberry.field(description="是否全程网办")
    promised_days: int
    fee_yuan: float
    version: int
    updated_at: datetime
    guide: ServiceGuide

    @classmethod
    def of(cls, item: ServiceItemRecord) -> ServiceItem:
        return cls(
            code=item.code,
            name=item.name,
            department=item.department,
            audience=ServiceAudience(item.audience),
            kind=item.kind,
            theme=item.theme,
            fully_online=item.fully_online,
            promised_days=item.promised_days,
            fee_yuan=item.fee_yuan,
            version=item.version,
            updated_at=item.updated_at,
            guide=ServiceGuide.of(item.guide),
        )


@strawberry.type(description="“一件事”主题套餐：多个事项一次申请")
class Bundle:
    code: str
    name: str
    audience: ServiceAudience
    items: list[ServiceItem]
    version: int
    updated_at: datetime
    guide: ServiceGuide

    @classmethod
    def of(cls, bundle: BundleRecord, items: list[ServiceItemRecord]) -> Bundle:
        return cls(
            code=bundle.code,
            name=bundle.name,
            audience=ServiceAudience(bundle.audience),
            items=[ServiceItem.of(i) for i in items],
            version=bundle.version,
            updated_at=bundle.updated_at,
            guide=ServiceGuide.of(bundle.guide),
        )


@strawberry.type(description="常见问题")
class Faq:
    id: strawberry.ID
    question: str
    answer: str
    variants: list[str] = strawberry.field(description="同一问题的其他问法")
    item_codes: list[str] = strawberry.field(description="相关事项编码")

    @classmethod
    def of(cls, faq: FaqRecord) -> Faq:
        return cls(
            id=strawberry.ID(faq.id),
            question=faq.question,
            answer=faq.answer,
            variants=list(faq.variants),
            item_codes=list(faq.item_codes),
        )


@strawberry.type(description="搜索结果")
class SearchHit:
    kind: SearchHitKind
    score: float
    highlight: str = strawberry.field(description="标题，命中词以 <em> 标出")
    service_item: ServiceItem | None
    bundle: Bundle | None
    faq: Faq | None


@strawberry.type
class SearchHitEdge:
    cursor: str
    node: SearchHit


@strawberry.type(description="搜索结果（游标分页）")
class SearchHitConnection:
    edges: list[SearchHitEdge]
    page_info: PageInfo
    total_count: int


@strawberry.input(description="搜索筛选条件")
class SearchFilter:
    kinds: list[SearchHitKind] | None = None
    audience: ServiceAudience | None = None
    departments: list[str] | None = strawberry.field(default=None, description="实施部门，如 省公安厅")
    themes: list[str] | None = strawberry.field(default=None, description="主题，如 社会保障")
    region: str | None = strawberry.field(default=None, description="州（市），如 昆明市；不填为全省")


@strawberry.type(description="输入联想")
class Suggestion:
    text: str
    code: str
    kind: SearchHitKind

    @classmethod
    def of(cls, suggestion: SuggestionRecord) -> Suggestion:
        return cls(text=suggestion.text, code=suggestion.code, kind=SearchHitKind.of(suggestion.kind))


@strawberry.type(description="相关事项")
class RelatedItem:
    code: str
    name: str
    kind: SearchHitKind


@strawberry.type(description="转人工：拨打热线或由客服创建工单")
class Handoff:
    reason: str = strawberry.field(description="OUT_OF_SCOPE 非政务问题；LOW_CONFIDENCE 没有把握")
    hotline: str
    can_create_work_order: bool


@strawberry.type(description="智能问答的回答；没有把握时不作答，给出相近问题并转人工")
class Answer:
    answered: bool
    confidence: float = strawberry.field(description="回答正确的把握（0–1，经过校准）")
    text: str
    speakable_text: str = strawberry.field(description="适合朗读的简短文本（长辈模式）")
    faq: Faq | None
    related_items: list[RelatedItem]
    alternatives: list[Faq]
    handoff: Handoff | None

    @classmethod
    def of(cls, answer: AnswerResult) -> Answer:
        return cls(
            answered=answer.answered,
            confidence=answer.confidence,
            text=answer.text,
            speakable_text=answer.speakable_text,
            faq=Faq.of(answer.faq) if answer.faq else None,
            related_items=[
                RelatedItem(
                    code=r.code,
                    name=r.name,
                    kind=SearchHitKind.BUNDLE if isinstance(r, BundleRecord) else SearchHitKind.SERVICE_ITEM,
                )
                for r in answer.related_items
            ],
            alternatives=[Faq.of(f) for f in answer.alternatives],
            handoff=Handoff(
                reason=answer.handoff.reason,
                hotline=answer.handoff.hotline,
                can_create_work_order=answer.handoff.can_create_work_order,
            )
            if answer.handoff
            else None,
        )


@strawberry.input(description="新增或修改常见问题（运营人员）")
class FaqInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="不填则新增")
    question: str
    answer: str
    variants: list[str] = strawberry.field(default_factory=list)
    item_codes: list[str] = strawberry.field(default_factory=list)


@strawberry.type(description="删除常见问题的结果")
class DeleteFaqResult:
    id: strawberry.ID
    deleted: bool


def hit_of(hit: Hit, bundle_items: list[ServiceItemRecord]) -> SearchHit:
    return SearchHit(
        kind=SearchHitKind.of(hit.kind),
        score=hit.score,
        highlight=hit.highlight,
        service_item=ServiceItem.of(hit.item) if hit.item else None,
        bundle=Bundle.of(hit.bundle, bundle_items) if hit.bundle else None,
        faq=Faq.of(hit.faq) if hit.faq else None,
    )
