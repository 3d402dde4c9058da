"""The embedded engine: SQLite FTS5 over the analyzer's tokens, one table per field.

One table per field gives each field its own BM25 length normalisation and document count, as
Lucene does, so this engine and Elasticsearch rank alike. The index lives in memory by default
(or in a file); a rebuild fills a fresh database and swaps it in, so searches never see a
half-built index.
"""

from __future__ import annotations

import asyncio
import math
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from search.documents import PROVINCE_WIDE, SearchDocument
from search.engine import EngineHit, EngineQuery, Filters, Progress
from search.ranking import DEFAULT_RANKING, DocKind, Field, Ranking

_TOKENIZER = "unicode61 remove_diacritics 0"


def _table(target: Field) -> str:
    return f"f_{target.value}"


def _match(tokens: Sequence[str]) -> str:
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in tokens)


@dataclass
class _Index:
    connection: sqlite3.Connection
    rowids: dict[str, int] = field(default_factory=dict)
    documents: dict[int, SearchDocument] = field(default_factory=dict)
    exact: dict[str, set[int]] = field(default_factory=dict)
    best_bets: dict[str, set[int]] = field(default_factory=dict)
    next_rowid: int = 1


def _open(path: Path | None) -> sqlite3.Connection:
    if path is not None:
        path.unlink(missing_ok=True)
    connection = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False)
    for target in Field:
        connection.execute(f"CREATE VIRTUAL TABLE {_table(target)} USING fts5(tokens, tokenize='{_TOKENIZER}')")
    return connection


class EmbeddedEngine:
    name = "embedded"

    def __init__(self, ranking: Ranking = DEFAULT_RANKING, path: Path | None = None) -> None:
        self.ranking = ranking
        self._path = path
        self._index = _Index(_open(None))
        self._popularity: dict[str, float] = {}
        self._write_lock = threading.Lock()

    # -- writing --------------------------------------------------------------------------------

    async def rebuild(self, documents: Sequence[SearchDocument], progress: Progress | None = None) -> None:
        fresh = _Index(_open(self._path))
        total = len(documents)
        for done, document in enumerate(documents, start=1):
            self._put(fresh, document)
            if progress is not None and (done % 50 == 0 or done == total):
                progress(done, total)
                await asyncio.sleep(0)
        fresh.connection.commit()
        with self._write_lock:
            old, self._index = self._index, fresh
        old.connection.close()

    async def upsert(self, documents: Sequence[SearchDocument]) -> None:
        with self._write_lock:
            index = self._index
            for document in documents:
                self._remove(index, document.doc_id)
                self._put(index, document)
            index.connection.commit()

    async def delete(self, doc_ids: Sequence[str]) -> None:
        with self._write_lock:
            for doc_id in doc_ids:
                self._remove(self._index, doc_id)
            self._index.connection.commit()

    async def set_popularity(self, popularity: dict[str, float]) -> None:
        self._popularity = dict(popularity)

    def _put(self, index: _Index, document: SearchDocument) -> None:
        rowid = index.next_rowid
        index.next_rowid += 1
        index.rowids[document.doc_id] = rowid
        index.documents[rowid] = document
        for target, tokens in document.fields.items():
            index.connection.execute(
                f"INSERT INTO {_table(target)}(rowid, tokens) VALUES (?, ?)",  # noqa: S608 - table names are ours
                (rowid, " ".join(tokens)),
            )
        for key in document.exact:
            index.exact.setdefault(key, set()).add(rowid)
        for key in document.best_bets:
            index.best_bets.setdefault(key, set()).add(rowid)

    def _remove(self, index: _Index, doc_id: str) -> None:
        rowid = index.rowids.pop(doc_id, None)
        if rowid is None:
            return
        document = index.documents.pop(rowid)
        for target in document.fields:
            index.connection.execute(f"DELETE FROM {_table(target)} WHERE rowid = ?", (rowid,))  # noqa: S608
        for key in document.exact:
            index.exact.get(key, set()).discard(rowid)
        for key in document.best_bets:
            index.best_bets.get(key, set()).discard(rowid)

    # -- reading --------------------------------------------------------------------------------

    async def query(self, query: EngineQuery) -> list[EngineHit]:
        index = self._index
        ranking = self.ranking
        parts: list[str] = []
        params: list[object] = []
        for group, tokens in query.groups.items():
            for target in ranking.group_fields[group]:
                # bm25() is negative (smaller is better); Elasticsearch's BM25 keeps the same
                # (k1 + 1) factor, so the scales already agree.
                weight = -ranking.weight(group, target)
                parts.append(
                    f"SELECT rowid AS r, bm25({_table(target)}) * ? AS s "  # noqa: S608
                    f"FROM {_table(target)} WHERE {_table(target)} MATCH ?"
                )
                params += [weight, _match(tokens)]
        text: dict[int, float] = {}
        if parts:
            sql = "SELECT r, SUM(s) FROM (" + " UNION ALL ".join(parts) + ") GROUP BY r"  # noqa: S608
            text = {int(r): float(s) for r, s in index.connection.execute(sql, params)}
        for rowid in index.exact.get(query.exact_key, ()):
            text[rowid] = text.get(rowid, 0.0) + ranking.exact_bonus
        bets = index.best_bets.get(query.exact_key, set())
        hits = []
        for rowid, score in text.items():
            document = index.documents.get(rowid)
            if document is None or not _passes(document, query.filters):
                continue
            final = score * ranking.kind_priors[document.kind]
            if _against_intent(document, query.follow_up_intent):
                final *= ranking.intent_prior
            final += ranking.popularity_weight * math.log10(1 + self._popularity.get(document.doc_id, 0.0))
            if rowid in bets:
                final += ranking.best_bet_bonus
            hits.append(EngineHit(document.doc_id, final))
        hits.sort(key=lambda h: (-h.score, h.doc_id))
        return hits[: query.limit]

    async def count(self) -> int:
        return len(self._index.documents)

    async def health(self) -> str:
        return "up"

    async def aclose(self) -> None:
        self._index.connection.close()


def _against_intent(document: SearchDocument, follow_up_intent: bool | None) -> bool:
    if follow_up_intent is None or document.kind is not DocKind.SERVICE_ITEM:
        return False
    return document.follow_up != follow_up_intent


def _passes(document: SearchDocument, filters: Filters) -> bool:
    if document.kind not in filters.kinds:
        return False
    if filters.audience and document.audience not in (None, filters.audience):
        return False
    if filters.departments and document.department not in filters.departments:
        return False
    if filters.themes and document.theme not in filters.themes:
        return False
    if filters.region and not ({filters.region, PROVINCE_WIDE} & set(document.regions)):
        return False
    return not (filters.item_codes and not set(filters.item_codes) & set(document.item_codes))
