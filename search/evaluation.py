"""Measuring search and answers on judged query sets (search_dev.tsv, ask_dev.tsv).

Shared by the bench and the quality-floor tests. A search is judged on its catalogue hits (items
and bundles, in the order shown); FAQ hits are not codes and are skipped.
"""

from __future__ import annotations

import csv
import statistics
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from search.analyzer import compact
from search.catalogue import Catalogue
from search.documents import FaqRecord
from search.ranking import DocKind

ABSTAIN = "ABSTAIN"


@dataclass(frozen=True)
class SearchCase:
    query: str
    relevant: frozenset[str]
    kind: str


@dataclass(frozen=True)
class AskCase:
    question: str
    relevant: frozenset[str]  # empty: out of domain, must be declined

    @property
    def out_of_domain(self) -> bool:
        return not self.relevant


def reference_dir(repo_root: Path) -> Path:
    """The shared reference beside the checkout when it is there (the source of truth), else the
    copy of the development query sets kept in the repository."""
    shared = repo_root.parent / "shared" / "reference"
    if (shared / "search_dev.tsv").exists():
        return shared
    return repo_root / "search" / "data" / "reference"


def load_search_cases(path: Path) -> list[SearchCase]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            SearchCase(row["query"], frozenset(row["relevant_codes"].split(",")), row["kind"])
            for row in csv.DictReader(handle, delimiter="\t")
        ]


def load_ask_cases(path: Path) -> list[AskCase]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            AskCase(
                row["question"],
                frozenset() if row["relevant_codes"] == ABSTAIN else frozenset(row["relevant_codes"].split(",")),
            )
            for row in csv.DictReader(handle, delimiter="\t")
        ]


@dataclass
class SearchReport:
    mrr: float
    recall_at_3: float
    mrr_by_kind: dict[str, float]
    misses: list[tuple[str, list[str], set[str]]] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)


@dataclass
class AskReport:
    accuracy: float
    abstain_precision: float
    abstain_recall: float
    wrong: list[tuple[str, bool, float, list[str]]] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)


Ranker = Callable[[str], Awaitable[list[str]]]
Asker = Callable[[str], Awaitable[tuple[bool, float, list[str]]]]


async def evaluate_search(rank: Ranker, cases: Iterable[SearchCase], k: int = 10) -> SearchReport:
    reciprocal: list[float] = []
    recalls: list[float] = []
    by_kind: dict[str, list[float]] = defaultdict(list)
    misses = []
    latencies = []
    for case in cases:
        started = time.perf_counter()
        codes = (await rank(case.query))[:k]
        latencies.append((time.perf_counter() - started) * 1000)
        rr = next((1.0 / rank_ for rank_, code in enumerate(codes, start=1) if code in case.relevant), 0.0)
        reciprocal.append(rr)
        by_kind[case.kind].append(rr)
        recalls.append(len(set(codes[:3]) & case.relevant) / min(len(case.relevant), 3))
        if rr < 1.0:
            misses.append((case.query, codes[:5], set(case.relevant)))
    return SearchReport(
        mrr=statistics.fmean(reciprocal),
        recall_at_3=statistics.fmean(recalls),
        mrr_by_kind={kind: statistics.fmean(values) for kind, values in sorted(by_kind.items())},
        misses=misses,
        latencies_ms=latencies,
    )


async def evaluate_ask(ask: Asker, cases: Iterable[AskCase]) -> AskReport:
    correct = 0
    in_domain = 0
    declined_ood = 0
    declined_total = 0
    ood = 0
    wrong: list[tuple[str, bool, float, list[str]]] = []
    latencies = []
    for case in cases:
        started = time.perf_counter()
        answered, confidence, codes = await ask(case.question)
        latencies.append((time.perf_counter() - started) * 1000)
        if not answered:
            declined_total += 1
        if case.out_of_domain:
            ood += 1
            declined_ood += 0 if answered else 1
            if answered:
                wrong.append((case.question, answered, confidence, codes))
            continue
        in_domain += 1
        if answered and set(codes) & case.relevant:
            correct += 1
        else:
            wrong.append((case.question, answered, confidence, codes))
    return AskReport(
        accuracy=correct / in_domain if in_domain else 0.0,
        abstain_precision=declined_ood / declined_total if declined_total else 1.0,
        abstain_recall=declined_ood / ood if ood else 1.0,
        wrong=wrong,
        latencies_ms=latencies,
    )


def catalogue_codes(hits: Iterable[tuple[DocKind, str]]) -> list[str]:
    return [code for kind, code in hits if kind is not DocKind.FAQ]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def blind_to(catalogue: Catalogue, faqs: list[FaqRecord], queries: Iterable[str]) -> tuple[Catalogue, list[FaqRecord]]:
    """The catalogue and FAQ without any alias, keyword or FAQ phrasing that equals a judged query.

    The content was written with everyday names in it, some identical to judged queries; scoring
    against this copy estimates how search does on queries nobody wrote down in advance.
    """
    keys = {compact(q) for q in queries}

    def keep(phrase: str) -> bool:
        return compact(phrase) not in keys

    items = [
        item.model_copy(
            update={
                "guide": item.guide.model_copy(
                    update={
                        "aliases": [a for a in item.guide.aliases if keep(a)],
                        "keywords": [k for k in item.guide.keywords if keep(k)],
                        "english": [e for e in item.guide.english if keep(e)],
                    }
                )
            }
        )
        for item in catalogue.items.values()
    ]
    bundles = [
        bundle.model_copy(
            update={
                "guide": bundle.guide.model_copy(
                    update={
                        "aliases": [a for a in bundle.guide.aliases if keep(a)],
                        "keywords": [k for k in bundle.guide.keywords if keep(k)],
                    }
                )
            }
        )
        for bundle in catalogue.bundles.values()
    ]
    blind_faqs = []
    for faq in faqs:
        phrasings = [p for p in (faq.question, *faq.variants) if keep(p)]
        if not phrasings:
            continue
        blind_faqs.append(
            FaqRecord(
                id=faq.id,
                question=phrasings[0],
                answer=faq.answer,
                variants=tuple(phrasings[1:]),
                item_codes=faq.item_codes,
            )
        )
    return Catalogue.of(items, bundles), blind_faqs
