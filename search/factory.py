"""Choosing the engine from configuration, and loading what the index is built from."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from connectors.base import CallContext
from connectors.catalogue.client import CatalogueClient
from connectors.errors import DepartmentError
from search.analyzer import Analyzer, compact
from search.catalogue import Catalogue, fetch_all
from search.embedded import EmbeddedEngine
from search.engine import SearchEngine
from search.ranking import DEFAULT_RANKING, Ranking
from search.service import SearchService

log = logging.getLogger("citizen.search")
BEST_BETS_FILE = Path(__file__).resolve().parent / "data" / "best_bets.txt"


def build_engine(
    elasticsearch_url: str | None, index: str = "citizen-space", ranking: Ranking = DEFAULT_RANKING
) -> SearchEngine:
    """Embedded unless an Elasticsearch URL is configured."""
    if elasticsearch_url:
        from search.elastic import ElasticsearchEngine

        return ElasticsearchEngine(elasticsearch_url, index=index, ranking=ranking)
    return EmbeddedEngine(ranking)


def load_best_bets(path: Path = BEST_BETS_FILE) -> dict[str, list[str]]:
    """Operator-pinned results: `query => CODE` a line; returns code → query keys."""
    bets: dict[str, list[str]] = {}
    if not path.exists():
        return bets
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=>" not in line:
            continue
        query, code = (part.strip() for part in line.split("=>", 1))
        bets.setdefault(code, []).append(compact(query))
    return bets


def build_service(engine: SearchEngine, best_bets: dict[str, list[str]] | None = None) -> SearchService:
    """Loads jieba and the dictionaries (about a second): call once, at start-up."""
    return SearchService(engine, Analyzer(), best_bets=load_best_bets() if best_bets is None else best_bets)


async def load_catalogue(client: CatalogueClient | None, call: CallContext, snapshot: Path | None) -> Catalogue:
    """From the catalogue system; on failure from the last snapshot we saved; else empty."""
    if client is not None:
        try:
            catalogue = await fetch_all(client, call)
        except DepartmentError as exc:
            log.warning("catalogue system unavailable, using the last snapshot", extra={"error": exc.code})
        else:
            if snapshot is not None:
                save_snapshot(catalogue, snapshot)
            return catalogue
    if snapshot is not None:
        try:
            return Catalogue.from_file(snapshot)
        except FileNotFoundError:
            pass
    return Catalogue()


def save_snapshot(catalogue: Catalogue, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "items": [i.model_dump(mode="json") for i in catalogue.items.values()],
        "bundles": [b.model_dump(mode="json") for b in catalogue.bundles.values()],
    }
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    temporary.replace(path)
