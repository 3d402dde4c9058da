"""The one small interface both search engines implement, and what goes in and out of it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from search.analyzer import AnalyzedQuery
from search.documents import SearchDocument
from search.ranking import DEFAULT_RANKING, DocKind, Group, Ranking, asks_follow_up

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Filters:
    kinds: tuple[DocKind, ...] = (DocKind.SERVICE_ITEM, DocKind.BUNDLE, DocKind.FAQ)
    audience: str | None = None
    departments: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    region: str | None = None
    # Only documents about these items (used to find the FAQ of an item).
    item_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class EngineQuery:
    groups: dict[Group, tuple[str, ...]]
    exact_key: str
    filters: Filters = field(default_factory=Filters)
    limit: int = 50
    # True: the query asks for a follow-up (补领, 换领 …); False: for a first-time service.
    follow_up_intent: bool | None = None

    @classmethod
    def of(cls, analyzed: AnalyzedQuery, filters: Filters | None = None, limit: int = 50) -> EngineQuery:
        groups = {
            Group.TERMS: analyzed.terms,
            Group.SYNONYMS: analyzed.synonyms,
            Group.CORRECTIONS: analyzed.corrections,
            Group.PINYIN: analyzed.pinyin,
            Group.CHARS: analyzed.chars,
        }
        return cls(
            groups={g: tokens for g, tokens in groups.items() if tokens},
            exact_key=analyzed.key,
            filters=filters or Filters(),
            limit=limit,
            follow_up_intent=asks_follow_up(analyzed.key, analyzed.synonyms),
        )


@dataclass(frozen=True)
class EngineHit:
    doc_id: str
    score: float


class SearchEngine(Protocol):
    """Embedded (SQLite FTS5) or Elasticsearch; both rank with the same `Ranking`."""

    name: str
    ranking: Ranking

    async def rebuild(self, documents: Sequence[SearchDocument], progress: Progress | None = None) -> None:
        """Replace the whole index; readers keep the old one until the new one is complete."""
        ...

    async def upsert(self, documents: Sequence[SearchDocument]) -> None: ...

    async def delete(self, doc_ids: Sequence[str]) -> None: ...

    async def set_popularity(self, popularity: dict[str, float]) -> None:
        """Uses per document id (clicks and chosen results), folded into the ranking."""
        ...

    async def query(self, query: EngineQuery) -> list[EngineHit]: ...

    async def count(self) -> int: ...

    async def health(self) -> str:
        """ "up", or "down: reason"."""
        ...

    async def aclose(self) -> None: ...


__all__ = ["DEFAULT_RANKING", "EngineHit", "EngineQuery", "Filters", "Progress", "SearchEngine"]
