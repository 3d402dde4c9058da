"""Search, suggest and ask over the catalogue and the FAQ, on whichever engine is configured.

The service owns what the engines do not: the analyzer, the documents (so a hit is shown without
a lookup), popularity from use, and the decision whether an answer is good enough to give.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from connectors.catalogue.models import Bundle, ServiceItem
from search import faq as faq_store
from search.analyzer import AnalyzedQuery, Analyzer
from search.answers import HOTLINE, AnswerFeatures, ConfidenceModel, speakable
from search.catalogue import Catalogue
from search.documents import DocumentBuilder, FaqRecord, SearchDocument, build_documents, doc_id
from search.engine import EngineHit, EngineQuery, Filters, Progress, SearchEngine
from search.faq import FaqInput
from search.ranking import DocKind, Field
from search.suggest import Suggester, Suggestion

MAX_QUERY_CHARS = 100
MAX_RESULTS = 100
# Rankings kept between identical searches (see `SearchService._ranked`).
RANKINGS_SECONDS = 60.0
RANKINGS_KEPT = 2048
# How much a FAQ gains from being about the item that item search ranks best (0–1 of that score).
ITEM_SUPPORT = 0.5


class SearchInputError(ValueError):
    """The query is empty, too long, or otherwise not something to search for."""


@dataclass(frozen=True)
class SearchHit:
    kind: DocKind
    code: str
    score: float
    highlight: str
    item: ServiceItem | None = None
    bundle: Bundle | None = None
    faq: FaqRecord | None = None


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]  # the requested window, hydrated
    total: int  # every match (up to MAX_RESULTS)
    offset: int
    analyzed: AnalyzedQuery


@dataclass(frozen=True)
class Handoff:
    reason: str
    hotline: str = HOTLINE
    can_create_work_order: bool = True


@dataclass(frozen=True)
class Answer:
    answered: bool
    confidence: float
    text: str
    speakable_text: str
    faq: FaqRecord | None = None
    related_items: list[ServiceItem | Bundle] = field(default_factory=list)
    alternatives: list[FaqRecord] = field(default_factory=list)
    handoff: Handoff | None = None
    features: AnswerFeatures | None = None


OUT_OF_SCOPE_TEXT = (
    "这个问题不属于政务服务范围，我暂时回答不了。办事相关的问题可以换个说法再问，或拨打12345政务服务便民热线。"
)
UNSURE_TEXT = "我不太确定您想办理哪项业务，下面是几个相近的问题；也可以拨打12345政务服务便民热线，由人工客服为您解答。"


def validate_query(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise SearchInputError("请输入要搜索的内容")
    if len(cleaned) > MAX_QUERY_CHARS:
        raise SearchInputError(f"搜索内容不能超过{MAX_QUERY_CHARS}个字")
    return cleaned


class SearchService:
    def __init__(
        self,
        engine: SearchEngine,
        analyzer: Analyzer,
        *,
        confidence: ConfidenceModel | None = None,
        best_bets: dict[str, list[str]] | None = None,
    ) -> None:
        self.engine = engine
        self.analyzer = analyzer
        self.confidence = confidence or ConfidenceModel.load()
        self.builder = DocumentBuilder(analyzer, best_bets=best_bets or {})
        self.catalogue = Catalogue()
        self.faqs: dict[str, FaqRecord] = {}
        self.documents: dict[str, SearchDocument] = {}
        self.suggester = Suggester()
        self.clicks: Counter[str] = Counter()
        self.queries: Counter[str] = Counter()
        self._domain_words: set[str] = set()
        self._demand: dict[str, float] = {}
        # Why the index is not what it should be (set by the runtime; reported by /readyz).
        self.problem: str | None = None
        self._lock = asyncio.Lock()
        self._rankings: OrderedDict[tuple[str, Filters | None, int], tuple[float, list[EngineHit]]] = OrderedDict()

    # -- keeping the index in step --------------------------------------------------------------

    async def load(self, catalogue: Catalogue, faqs: Sequence[FaqRecord], progress: Progress | None = None) -> int:
        """Index everything from scratch (start-up, `reindex`); returns the document count."""
        async with self._lock:
            self.catalogue = catalogue
            self.faqs = {f.id: f for f in faqs}
            self.builder.learn(list(catalogue.items.values()), list(catalogue.bundles.values()))
            documents = build_documents(
                self.builder, list(catalogue.items.values()), list(catalogue.bundles.values()), list(self.faqs.values())
            )
            await self.engine.rebuild(documents, progress)
            self.documents = {d.doc_id: d for d in documents}
            self._refresh_derived()
            return len(documents)

    async def apply_catalogue_changes(
        self, items: Sequence[ServiceItem], bundles: Sequence[Bundle], synced_until: object = None
    ) -> int:
        """Reindex just the changed items (and the bundles, which are few)."""
        async with self._lock:
            changed_items = [i for i in items if self.catalogue.items.get(i.code) != i]
            changed_bundles = [b for b in bundles if self.catalogue.bundles.get(b.code) != b]
            for item in changed_items:
                self.catalogue.items[item.code] = item
            for bundle in changed_bundles:
                self.catalogue.bundles[bundle.code] = bundle
            self.builder.learn(changed_items, changed_bundles)
            documents = [self.builder.item(i, self._faqs_of(i.code)) for i in changed_items]
            documents += [self.builder.bundle(b) for b in changed_bundles]
            await self._upsert(documents)
            return len(documents)

    async def upsert_faq(self, record: FaqRecord) -> None:
        """Index an operator's edit at once, with the items whose FAQ phrasings it changes."""
        async with self._lock:
            previous = self.faqs.get(record.id)
            self.faqs[record.id] = record
            touched = set(record.item_codes) | set(previous.item_codes if previous else ())
            await self._upsert([self.builder.faq(record), *self._item_documents(touched)])

    async def delete_faq(self, faq_id: str) -> bool:
        async with self._lock:
            previous = self.faqs.pop(faq_id, None)
            if previous is None:
                return False
            key = doc_id(DocKind.FAQ, faq_id)
            await self.engine.delete([key])
            self.documents.pop(key, None)
            self._forget_rankings()
            await self._upsert(self._item_documents(set(previous.item_codes)))
            return True

    async def save_faq(self, session: AsyncSession, data: FaqInput, *, actor: str) -> tuple[FaqRecord, bool]:
        """An operator's edit: stored in the request's transaction and indexed at once."""
        unknown = [c for c in data.item_codes if self._record(c) is None]
        if unknown and self.catalogue.items:
            raise SearchInputError(f"未知的事项编码：{'、'.join(unknown)}")
        entry, created = await faq_store.upsert(session, data, new_id=new_faq_id(), actor=actor)
        record = faq_store.to_record(entry)
        await self.upsert_faq(record)
        return record, created

    async def remove_faq(self, session: AsyncSession, faq_id: str, *, actor: str) -> bool:
        entry = await faq_store.soft_delete(session, faq_id, actor=actor)
        removed = await self.delete_faq(faq_id)
        return entry is not None or removed

    def _faqs_of(self, code: str) -> list[FaqRecord]:
        return [f for f in self.faqs.values() if code in f.item_codes]

    def _item_documents(self, codes: set[str]) -> list[SearchDocument]:
        items = [self.catalogue.items[c] for c in sorted(codes) if c in self.catalogue.items]
        return [self.builder.item(i, self._faqs_of(i.code)) for i in items]

    async def _ranked(self, analyzed: AnalyzedQuery, filters: Filters | None, limit: int) -> list[EngineHit]:
        """The engine's ranking of a query, kept for a minute: people ask the same few things
        (社保卡, 公积金提取 …) all day. Any change to the index or to the popularity that ranks
        it drops every kept ranking (`_forget_rankings`)."""
        key = (analyzed.normalized, filters, limit)
        now = time.monotonic()
        kept = self._rankings.get(key)
        if kept is not None and now - kept[0] < RANKINGS_SECONDS:
            self._rankings.move_to_end(key)
            return kept[1]
        found = await self.engine.query(EngineQuery.of(analyzed, filters, limit=limit))
        self._rankings[key] = (now, found)
        if len(self._rankings) > RANKINGS_KEPT:
            self._rankings.popitem(last=False)
        return found

    def _forget_rankings(self) -> None:
        self._rankings.clear()

    async def _upsert(self, documents: list[SearchDocument]) -> None:
        if not documents:
            return
        await self.engine.upsert(documents)
        for document in documents:
            self.documents[document.doc_id] = document
        self._refresh_derived()

    def _refresh_derived(self) -> None:
        self._forget_rankings()
        phrases: list[tuple[str, str, DocKind, bool]] = []
        records: list[tuple[ServiceItem | Bundle, DocKind]] = [
            *((i, DocKind.SERVICE_ITEM) for i in self.catalogue.items.values()),
            *((b, DocKind.BUNDLE) for b in self.catalogue.bundles.values()),
        ]
        for record, kind in records:
            phrases.append((record.name, record.code, kind, True))
            # Aliases spelt wrong on purpose (so that search forgives the typo) are not suggested.
            phrases.extend(
                (alias, record.code, kind, False) for alias in record.guide.aliases if not self.analyzer.misspelt(alias)
            )
        self.suggester.rebuild(phrases)
        demand: Counter[str] = Counter()
        for faq in self.faqs.values():
            for code in faq.item_codes:
                kind = DocKind.BUNDLE if code in self.catalogue.bundles else DocKind.SERVICE_ITEM
                demand[doc_id(kind, code)] += 1
        self._demand = {k: float(v) for k, v in demand.items()}
        words: set[str] = set()
        for document in self.documents.values():
            for target in (Field.TITLE, Field.ALIASES, Field.KEYWORDS, Field.QUESTIONS):
                words.update(document.fields.get(target, ()))
        self._domain_words = words

    # -- search ---------------------------------------------------------------------------------

    async def search(self, text: str, filters: Filters | None = None, *, offset: int = 0, size: int = 20) -> SearchPage:
        """One page of results; only that page is hydrated and highlighted."""
        query = validate_query(text)
        if offset < 0 or not 0 <= size <= MAX_RESULTS:
            raise SearchInputError(f"每页条数应在0到{MAX_RESULTS}之间")
        analyzed = self.analyzer.analyze(query)
        self.queries[analyzed.key] += 1
        if analyzed.empty:
            return SearchPage([], 0, offset, analyzed)
        found = await self._ranked(analyzed, filters, MAX_RESULTS)
        window = found[offset : offset + size]
        hits = [h for h in (self._hit(x, analyzed) for x in window) if h is not None]
        return SearchPage(hits, len(found), offset, analyzed)

    def _hit(self, hit: EngineHit, analyzed: AnalyzedQuery) -> SearchHit | None:
        document = self.documents.get(hit.doc_id)
        if document is None:
            return None
        item = self.catalogue.items.get(document.code) if document.kind is DocKind.SERVICE_ITEM else None
        bundle = self.catalogue.bundles.get(document.code) if document.kind is DocKind.BUNDLE else None
        faq = self.faqs.get(document.code) if document.kind is DocKind.FAQ else None
        return SearchHit(
            kind=document.kind,
            code=document.code,
            score=round(hit.score, 4),
            highlight=highlight(document.title, analyzed),
            item=item,
            bundle=bundle,
            faq=faq,
        )

    async def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        cleaned = " ".join(prefix.split())
        if not cleaned or len(cleaned) > MAX_QUERY_CHARS:
            raise SearchInputError(f"输入内容应为1到{MAX_QUERY_CHARS}个字")
        popularity = {k: float(v) for k, v in self.clicks.items()}
        return self.suggester.suggest(cleaned, popularity, limit, self._demand)

    async def record_click(self, kind: DocKind, code: str) -> bool:
        """A person chose this result: it counts towards its popularity."""
        key = doc_id(kind, code)
        if key not in self.documents:
            return False
        self.clicks[key] += 1
        await self.engine.set_popularity({key: float(self.clicks[key])})
        self._forget_rankings()
        return True

    # -- ask ------------------------------------------------------------------------------------

    async def ask(self, text: str) -> Answer:
        question = validate_query(text)
        analyzed = self.analyzer.analyze(question)
        coverage = self.coverage(analyzed)
        anchored = any(self.analyzer.is_service_word(w) for w in (*analyzed.terms, *analyzed.corrections))
        if analyzed.empty or coverage < self.confidence.min_coverage or not anchored:
            return Answer(
                answered=False,
                confidence=0.0,
                text=OUT_OF_SCOPE_TEXT,
                speakable_text=OUT_OF_SCOPE_TEXT,
                handoff=Handoff(reason="OUT_OF_SCOPE", can_create_work_order=False),
                features=AnswerFeatures(0.0, 0.0, 0.0, 0.0, coverage),
            )
        items, faqs = await asyncio.gather(
            self._ranked(analyzed, Filters(kinds=(DocKind.SERVICE_ITEM, DocKind.BUNDLE)), 10),
            self._ranked(analyzed, Filters(kinds=(DocKind.FAQ,)), 20),
        )
        ranked = self._rank_faqs(items, faqs)
        if not ranked:
            return self._unsure(0.0, [], AnswerFeatures(0.0, 0.0, 0.0, 0.0, coverage))
        features = self.features(ranked, items, coverage, analyzed)
        confidence = round(self.confidence.confidence(features), 4)
        best = ranked[0][1]
        if confidence < self.confidence.threshold:
            return self._unsure(confidence, [faq for _, faq in ranked[:3]], features)
        related = [r for r in (self._record(c) for c in best.item_codes) if r is not None]
        return Answer(
            answered=True,
            confidence=confidence,
            text=best.answer,
            speakable_text=speakable(best.answer),
            faq=best,
            related_items=related,
            alternatives=[faq for _, faq in ranked[1:4]],
            features=features,
        )

    def _unsure(self, confidence: float, alternatives: list[FaqRecord], features: AnswerFeatures) -> Answer:
        return Answer(
            answered=False,
            confidence=confidence,
            text=UNSURE_TEXT,
            speakable_text=speakable(UNSURE_TEXT),
            alternatives=alternatives,
            handoff=Handoff(reason="LOW_CONFIDENCE"),
            features=features,
        )

    def bundle_items(self, bundle: Bundle | None) -> list[ServiceItem]:
        if bundle is None:
            return []
        return [self.catalogue.items[c] for c in bundle.items if c in self.catalogue.items]

    def _record(self, code: str) -> ServiceItem | Bundle | None:
        return self.catalogue.items.get(code) or self.catalogue.bundles.get(code)

    def _rank_faqs(self, items: list[EngineHit], faqs: list[EngineHit]) -> list[tuple[float, FaqRecord]]:
        """FAQ hits, each lifted by how strongly item search supports the items it is about."""
        top_item = items[0].score if items else 0.0
        support: dict[str, float] = {}
        for hit in items:
            document = self.documents.get(hit.doc_id)
            if document is not None and top_item > 0:
                for code in document.item_codes if document.kind is DocKind.SERVICE_ITEM else (document.code,):
                    support[code] = max(support.get(code, 0.0), hit.score / top_item)
        ranked = []
        for hit in faqs:
            faq = self.faqs.get(self.documents[hit.doc_id].code) if hit.doc_id in self.documents else None
            if faq is None:
                continue
            lift = max((support.get(c, 0.0) for c in faq.item_codes), default=0.0)
            ranked.append((hit.score * (1 + ITEM_SUPPORT * lift), faq))
        ranked.sort(key=lambda pair: (-pair[0], pair[1].id))
        return ranked

    def features(
        self,
        ranked: list[tuple[float, FaqRecord]],
        items: list[EngineHit],
        coverage: float,
        analyzed: AnalyzedQuery,
    ) -> AnswerFeatures:
        best_score, best = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        rival = next((s for s, f in ranked[1:] if not set(f.item_codes) & set(best.item_codes)), 0.0)
        top_codes: set[str] = set()
        if items:
            document = self.documents.get(items[0].doc_id)
            if document is not None:
                top_codes = {document.code, *document.item_codes}
        return AnswerFeatures(
            top_score=best_score,
            margin=(best_score - runner_up) / best_score if best_score > 0 else 0.0,
            rival_margin=(best_score - rival) / best_score if best_score > 0 else 0.0,
            item_agreement=1.0 if top_codes & set(best.item_codes) else 0.0,
            coverage=coverage,
            overlap=self._overlap(best, analyzed),
        )

    def _overlap(self, faq: FaqRecord, analyzed: AnalyzedQuery) -> float:
        asked = {*analyzed.terms, *analyzed.synonyms, *analyzed.corrections, *analyzed.chars}
        best = 0.0
        for phrasing in (faq.question, *faq.variants):
            words = {w for w in self.analyzer.tokens(phrasing) if len(w) >= 2}
            if words:
                best = max(best, len(words & asked) / len(words))
        return best

    def coverage(self, analyzed: AnalyzedQuery) -> float:
        """Share of the question's content words that appear in names, aliases, keywords or FAQ."""
        words = [w for w in analyzed.meaningful if len(w) >= 2]
        if not words:
            return 0.0
        known = sum(1 for w in words if w in self._domain_words or self.analyzer.knows(w))
        return known / len(words)

    async def health(self) -> str:
        """ "up" when the engine answers and the catalogue is loaded, else why not."""
        state = await self.engine.health()
        if state != "up":
            return state
        if self.problem:
            return f"down: {self.problem}"
        return "up" if self.catalogue.items else "down: catalogue not loaded"

    def describe(self) -> dict[str, object]:
        return {
            "engine": self.engine.name,
            "items": len(self.catalogue.items),
            "bundles": len(self.catalogue.bundles),
            "faqs": len(self.faqs),
            "documents": len(self.documents),
        }


def new_faq_id() -> str:
    return f"faq-op-{uuid.uuid4().hex[:12]}"


def highlight(title: str, analyzed: AnalyzedQuery) -> str:
    """The title with the words that matched wrapped in <em>, longest words first."""
    words = sorted(
        {w for w in (*analyzed.terms, *analyzed.synonyms, *analyzed.corrections) if len(w) >= 2 or not w.isascii()},
        key=len,
        reverse=True,
    )
    words = [w for w in words if w in title]
    if not words:
        return title
    pattern = re.compile("|".join(re.escape(w) for w in words))
    return pattern.sub(lambda m: f"<em>{m.group(0)}</em>", title)
