"""The Elasticsearch engine: core features only, so it runs on the minimal integ-test distribution.

Documents arrive already analysed, so every text field uses the built-in ``whitespace`` analyzer
(no analysis-common, no plugins). Each rebuild writes a new versioned index and moves the alias
in one atomic action: searches keep answering from the old index until the new one is complete,
then the old one is dropped. Ranking mirrors the embedded engine (see ``search.ranking``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

from elasticsearch import AsyncElasticsearch, NotFoundError
from elasticsearch.exceptions import ApiError, TransportError

from search.documents import PROVINCE_WIDE, SearchDocument
from search.engine import EngineHit, EngineQuery, Filters, Progress
from search.ranking import DEFAULT_RANKING, Field, Ranking

MAPPING_VERSION = 1
BULK_CHUNK = 200
MAX_POPULAR = 500  # popularity travels with the query; only the most used documents need it
_KEYWORDS = ("doc_id", "kind", "code", "audience", "department", "theme", "regions", "item_codes", "exact", "best_bets")


def index_settings() -> dict[str, Any]:
    return {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "1s"}


def index_mappings() -> dict[str, Any]:
    properties: dict[str, Any] = {name: {"type": "keyword"} for name in _KEYWORDS}
    properties["follow_up"] = {"type": "boolean"}
    for target in Field:
        properties[target.value] = {"type": "text", "analyzer": "whitespace"}
    return {"dynamic": "strict", "properties": properties}


def to_source(document: SearchDocument) -> dict[str, Any]:
    source: dict[str, Any] = {
        "doc_id": document.doc_id,
        "kind": document.kind.value,
        "code": document.code,
        "regions": list(document.regions),
        "item_codes": list(document.item_codes),
        "exact": list(document.exact),
        "best_bets": list(document.best_bets),
        "follow_up": document.follow_up,
    }
    for name in ("audience", "department", "theme"):
        value = getattr(document, name)
        if value is not None:
            source[name] = value
    for target, tokens in document.fields.items():
        if tokens:
            source[target.value] = " ".join(tokens)
    return source


def build_query(query: EngineQuery, ranking: Ranking, popularity: dict[str, float] | None = None) -> dict[str, Any]:
    popularity = popularity or {}
    should: list[dict[str, Any]] = []
    for group, tokens in query.groups.items():
        should.append(
            {
                "multi_match": {
                    "query": " ".join(tokens),
                    "type": "most_fields",
                    "operator": "or",
                    "fields": [
                        f"{target.value}^{ranking.weight(group, target)}" for target in ranking.group_fields[group]
                    ],
                }
            }
        )
    if query.exact_key:
        should.append(
            {"constant_score": {"filter": {"term": {"exact": query.exact_key}}, "boost": ranking.exact_bonus}}
        )
    text = {"bool": {"should": should, "minimum_should_match": 1, "filter": _filters(query.filters)}}
    priors: list[dict[str, Any]] = [
        {"filter": {"term": {"kind": kind.value}}, "weight": prior} for kind, prior in ranking.kind_priors.items()
    ]
    if query.follow_up_intent is not None:
        against = {
            "bool": {
                "filter": [{"term": {"kind": "service_item"}}, {"term": {"follow_up": not query.follow_up_intent}}]
            }
        }
        priors.append({"filter": against, "weight": ranking.intent_prior})
    # Every document matches exactly one kind function, so the product is never empty.
    by_kind = {
        "function_score": {"query": text, "functions": priors, "score_mode": "multiply", "boost_mode": "multiply"}
    }
    # Additive parts as optional clauses beside the required text: a bool query sums them.
    bonuses: list[dict[str, Any]] = []
    if query.exact_key:
        best_bet = {"term": {"best_bets": query.exact_key}}
        bonuses.append({"constant_score": {"filter": best_bet, "boost": ranking.best_bet_bonus}})
    for bonus, doc_ids in _popularity_buckets(popularity, ranking):
        bonuses.append({"constant_score": {"filter": {"ids": {"values": doc_ids}}, "boost": bonus}})
    if not bonuses:
        return by_kind
    return {"bool": {"must": [by_kind], "should": bonuses}}


def _popularity_buckets(popularity: dict[str, float], ranking: Ranking) -> list[tuple[float, list[str]]]:
    """Documents grouped by their popularity bonus (the most used first, bounded)."""
    buckets: dict[float, list[str]] = {}
    ranked = sorted(((uses, doc_id) for doc_id, uses in popularity.items() if uses > 0), reverse=True)
    for uses, doc_id in ranked[:MAX_POPULAR]:
        buckets.setdefault(ranking.popularity_weight * math.log10(1 + uses), []).append(doc_id)
    return sorted(buckets.items(), reverse=True)


def _filters(filters: Filters) -> list[dict[str, Any]]:
    clauses: list[dict[str, Any]] = [{"terms": {"kind": [k.value for k in filters.kinds]}}]
    if filters.audience:
        clauses.append(
            {
                "bool": {
                    "should": [
                        {"term": {"audience": filters.audience}},
                        {"bool": {"must_not": {"exists": {"field": "audience"}}}},
                    ],
                    "minimum_should_match": 1,
                }
            }
        )
    if filters.departments:
        clauses.append({"terms": {"department": list(filters.departments)}})
    if filters.themes:
        clauses.append({"terms": {"theme": list(filters.themes)}})
    if filters.region:
        clauses.append({"terms": {"regions": [filters.region, PROVINCE_WIDE]}})
    if filters.item_codes:
        clauses.append({"terms": {"item_codes": list(filters.item_codes)}})
    return clauses


class ElasticsearchEngine:
    name = "elasticsearch"

    def __init__(
        self,
        url: str,
        *,
        index: str = "citizen-space",
        ranking: Ranking = DEFAULT_RANKING,
        client: AsyncElasticsearch | None = None,
    ) -> None:
        self.ranking = ranking
        self.alias = index
        self.client = client or AsyncElasticsearch(url, request_timeout=10, max_retries=2, retry_on_timeout=True)
        self._popularity: dict[str, float] = {}

    # -- writing --------------------------------------------------------------------------------

    async def rebuild(self, documents: Sequence[SearchDocument], progress: Progress | None = None) -> None:
        name = f"{self.alias}-v{MAPPING_VERSION}-{time.time_ns() // 1_000_000}"
        await self.client.indices.create(index=name, settings=index_settings(), mappings=index_mappings())
        try:
            await self._bulk_index(name, documents, progress)
            await self.client.indices.refresh(index=name)
        except BaseException:
            await self.client.indices.delete(index=name, ignore_unavailable=True)
            raise
        previous = await self._indices_behind_alias()
        actions: list[dict[str, Any]] = [{"remove": {"index": old, "alias": self.alias}} for old in previous]
        actions.append({"add": {"index": name, "alias": self.alias, "is_write_index": True}})
        await self.client.indices.update_aliases(actions=actions)
        for old in previous:
            await self.client.indices.delete(index=old, ignore_unavailable=True)

    async def _indices_behind_alias(self) -> list[str]:
        try:
            found = await self.client.indices.get_alias(name=self.alias)
        except NotFoundError:
            return []
        return sorted(found.body)

    async def _bulk_index(self, index: str, documents: Sequence[SearchDocument], progress: Progress | None) -> None:
        total = len(documents)
        for start in range(0, total, BULK_CHUNK):
            chunk = documents[start : start + BULK_CHUNK]
            operations: list[dict[str, Any]] = []
            for document in chunk:
                operations.append({"index": {"_index": index, "_id": document.doc_id}})
                operations.append(to_source(document))
            await self._bulk(operations, refresh=False)
            if progress is not None:
                progress(min(start + BULK_CHUNK, total), total)

    async def _bulk(self, operations: list[dict[str, Any]], *, refresh: bool) -> None:
        if not operations:
            return
        response = await self.client.bulk(operations=operations, refresh=refresh)
        if response.get("errors"):
            failed = [item for item in response["items"] for result in item.values() if result.get("error")]
            # A delete of a missing document is not a failure.
            real = [f for f in failed if not any(r.get("status") == 404 for r in f.values())]
            if real:
                raise RuntimeError(f"bulk indexing failed for {len(real)} documents: {str(real[0])[:300]}")

    async def upsert(self, documents: Sequence[SearchDocument]) -> None:
        operations: list[dict[str, Any]] = []
        for document in documents:
            operations.append({"index": {"_index": self.alias, "_id": document.doc_id}})
            operations.append(to_source(document))
        # Operator edits must be searchable at once.
        await self._bulk(operations, refresh=True)

    async def delete(self, doc_ids: Sequence[str]) -> None:
        await self._bulk([{"delete": {"_index": self.alias, "_id": doc_id}} for doc_id in doc_ids], refresh=True)

    async def set_popularity(self, popularity: dict[str, float]) -> None:
        # Kept here and sent with each query, not written into documents: every update would
        # leave a deleted copy behind whose term statistics skew BM25 until segments merge.
        self._popularity.update(popularity)

    # -- reading --------------------------------------------------------------------------------

    async def query(self, query: EngineQuery) -> list[EngineHit]:
        if not query.groups and not query.exact_key:
            return []
        response = await self.client.search(
            index=self.alias,
            query=build_query(query, self.ranking, self._popularity),
            size=query.limit,
            sort=[{"_score": "desc"}, {"doc_id": "asc"}],
            track_scores=True,
            source=False,
        )
        return [EngineHit(hit["_id"], float(hit["_score"])) for hit in response["hits"]["hits"]]

    async def count(self) -> int:
        try:
            return int((await self.client.count(index=self.alias))["count"])
        except NotFoundError:
            return 0

    async def health(self) -> str:
        try:
            health = await self.client.options(request_timeout=2).cluster.health()
            if health["status"] == "red":
                return "down: cluster red"
            if not await self.client.indices.exists_alias(name=self.alias):
                return "down: no index yet"
        except (ApiError, TransportError) as exc:
            return f"down: {type(exc).__name__}"
        return "up"

    async def drop(self) -> None:
        """Remove the alias and every index behind it (tests, decommissioning)."""
        for name in await self._indices_behind_alias():
            await self.client.indices.delete(index=name, ignore_unavailable=True)

    async def aclose(self) -> None:
        await self.client.close()
