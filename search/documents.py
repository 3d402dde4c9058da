"""Search documents: catalogue items, 一件事 bundles and FAQ entries, analysed once for both engines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from connectors.catalogue.models import Bundle, ServiceItem
from search.analyzer import Analyzer, compact
from search.ranking import DocKind, Field, is_follow_up

PROVINCE_WIDE = "全省"


@dataclass(frozen=True)
class FaqRecord:
    """A FAQ entry as search sees it, whether it came from SQL or from the seed files."""

    id: str
    question: str
    answer: str
    variants: tuple[str, ...] = ()
    item_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchDocument:
    doc_id: str
    kind: DocKind
    code: str
    title: str
    fields: dict[Field, list[str]]
    exact: tuple[str, ...] = ()
    best_bets: tuple[str, ...] = ()
    audience: str | None = None
    department: str | None = None
    theme: str | None = None
    regions: tuple[str, ...] = (PROVINCE_WIDE,)
    item_codes: tuple[str, ...] = ()
    follow_up: bool = False
    # Everything the service needs to show a hit without another lookup.
    payload: dict[str, object] = field(default_factory=dict, compare=False)


def doc_id(kind: DocKind, code: str) -> str:
    return f"{kind.value}:{code}"


@dataclass
class DocumentBuilder:
    analyzer: Analyzer
    best_bets: dict[str, list[str]] = field(default_factory=dict)  # code → compact query keys

    def learn(self, items: Sequence[ServiceItem], bundles: Sequence[Bundle]) -> None:
        """Teach the analyzer the catalogue's words before any document is analysed."""
        phrases: list[str] = []
        words: list[str] = []
        english: list[str] = []
        records: list[ServiceItem | Bundle] = [*items, *bundles]
        for record in records:
            phrases.append(record.name)
            phrases.extend(record.guide.aliases)
            words.extend(record.guide.keywords)
            english.extend(record.guide.english)
        self.analyzer.learn(phrases, words=words, english=english)

    def item(self, item: ServiceItem, faqs: Iterable[FaqRecord]) -> SearchDocument:
        guide = item.guide
        names = [item.name, *guide.aliases]
        questions = [q for faq in faqs for q in (faq.question, *faq.variants)]
        body = [guide.summary, *guide.conditions, *(m.name for m in guide.materials)]
        return SearchDocument(
            doc_id=doc_id(DocKind.SERVICE_ITEM, item.code),
            kind=DocKind.SERVICE_ITEM,
            code=item.code,
            title=item.name,
            fields=self._fields(
                title=item.name,
                aliases=guide.aliases,
                keywords=[*guide.keywords, *guide.english, item.department, item.theme],
                questions=questions,
                body=body,
                names=names,
            ),
            exact=_exact(names),
            best_bets=tuple(self.best_bets.get(item.code, ())),
            audience=item.audience,
            department=item.department,
            theme=item.theme,
            item_codes=(item.code,),
            follow_up=is_follow_up(item.name),
            payload={"name": item.name, "summary": guide.summary},
        )

    def bundle(self, bundle: Bundle) -> SearchDocument:
        guide = bundle.guide
        names = [bundle.name, *guide.aliases]
        return SearchDocument(
            doc_id=doc_id(DocKind.BUNDLE, bundle.code),
            kind=DocKind.BUNDLE,
            code=bundle.code,
            title=bundle.name,
            fields=self._fields(
                title=bundle.name,
                aliases=guide.aliases,
                keywords=[*guide.keywords, *guide.english],
                questions=[],
                body=[guide.summary],
                names=names,
            ),
            exact=_exact(names),
            best_bets=tuple(self.best_bets.get(bundle.code, ())),
            audience=bundle.audience,
            theme="一件事",
            item_codes=tuple(bundle.items),
            payload={"name": bundle.name, "summary": guide.summary},
        )

    def faq(self, faq: FaqRecord) -> SearchDocument:
        phrasings = [faq.question, *faq.variants]
        fields = {
            Field.QUESTIONS: self.analyzer.tokens(" ".join(phrasings)),
            Field.BODY: self.analyzer.tokens(faq.answer),
        }
        return SearchDocument(
            doc_id=doc_id(DocKind.FAQ, faq.id),
            kind=DocKind.FAQ,
            code=faq.id,
            title=faq.question,
            fields={k: v for k, v in fields.items() if v},
            exact=_exact(phrasings),
            item_codes=faq.item_codes,
            payload={"question": faq.question, "answer": faq.answer},
        )

    def _fields(
        self,
        *,
        title: str,
        aliases: Sequence[str],
        keywords: Sequence[str],
        questions: Sequence[str],
        body: Sequence[str],
        names: Sequence[str],
    ) -> dict[Field, list[str]]:
        tokens = self.analyzer.tokens
        fields = {
            Field.TITLE: tokens(title),
            Field.ALIASES: tokens(" ".join(aliases)),
            Field.KEYWORDS: tokens(" ".join(keywords)),
            Field.QUESTIONS: tokens(" ".join(questions)),
            Field.BODY: tokens(" ".join(body)),
            Field.PINYIN: [t for name in names for t in self.analyzer.pinyin_tokens(name)],
            Field.CHARS: self.analyzer.chars(" ".join(names)),
        }
        # An empty field is absent, as in Elasticsearch, so both count documents per field alike.
        return {k: v for k, v in fields.items() if v}


def build_documents(
    builder: DocumentBuilder,
    items: Sequence[ServiceItem],
    bundles: Sequence[Bundle],
    faqs: Sequence[FaqRecord],
) -> list[SearchDocument]:
    by_item: dict[str, list[FaqRecord]] = defaultdict(list)
    for faq in faqs:
        for code in faq.item_codes:
            by_item[code].append(faq)
    documents = [builder.item(item, by_item.get(item.code, [])) for item in items]
    documents += [builder.bundle(bundle) for bundle in bundles]
    documents += [builder.faq(faq) for faq in faqs]
    return documents


def _exact(phrases: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(key for key in (compact(p) for p in phrases) if key))
