"""Search fixtures: services loaded with the real catalogue and FAQ, on each engine.

The embedded engine always runs. Elasticsearch runs when `scripts/services.sh up` has started a
node; without one the Elasticsearch cases skip with one loud line, and with CI=true they fail.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest

from search.catalogue import Catalogue
from search.documents import FaqRecord
from search.embedded import EmbeddedEngine
from search.engine import SearchEngine
from search.factory import build_service
from search.faq import load_seed
from search.service import SearchService
from simulators.catalogue.data import catalogue_snapshot
from tests.support.real_services import _reachable, read_env

ENGINES = ["embedded", "elasticsearch"]


@pytest.fixture(scope="session")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """One loop for the session's services (the Elasticsearch client is bound to its loop)."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return Catalogue.from_snapshot(catalogue_snapshot())


@pytest.fixture(scope="session")
def faqs() -> list[FaqRecord]:
    return load_seed()


def elasticsearch_url() -> str:
    url = os.environ.get("CITIZEN_ELASTICSEARCH_URL") or read_env().get("CITIZEN_ELASTICSEARCH_URL")
    if not url or not _reachable(url):
        reason = "ELASTICSEARCH MISSING: no node reachable (run `scripts/services.sh up`)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        print(f"\n*** {reason}: skipping the Elasticsearch search tests ***")
        pytest.skip(reason)
    return url


def make_engine(name: str, index: str) -> SearchEngine:
    if name == "embedded":
        return EmbeddedEngine()
    from search.elastic import ElasticsearchEngine

    return ElasticsearchEngine(elasticsearch_url(), index=index)


def start_service(
    name: str, index: str, catalogue: Catalogue, faqs: list[FaqRecord], loop: asyncio.AbstractEventLoop
) -> SearchService:
    service = build_service(make_engine(name, index), best_bets={})
    loop.run_until_complete(service.load(catalogue, faqs))
    return service


def stop_service(service: SearchService, loop: asyncio.AbstractEventLoop) -> None:
    drop = getattr(service.engine, "drop", None)
    if drop is not None:
        loop.run_until_complete(drop())
    loop.run_until_complete(service.engine.aclose())


@pytest.fixture(scope="session", params=ENGINES)
def service(
    request: pytest.FixtureRequest, catalogue: Catalogue, faqs: list[FaqRecord], loop: asyncio.AbstractEventLoop
) -> Iterator[SearchService]:
    """A loaded service per engine, for tests that only read."""
    service = start_service(request.param, f"test-search-read-{os.getpid()}", catalogue, faqs, loop)
    yield service
    stop_service(service, loop)


@pytest.fixture(scope="module", params=ENGINES)
def fresh_service(
    request: pytest.FixtureRequest, catalogue: Catalogue, faqs: list[FaqRecord], loop: asyncio.AbstractEventLoop
) -> Iterator[SearchService]:
    """A service of the module's own, for tests that edit the index (each cleans up after itself)."""
    service = start_service(request.param, f"test-search-edit-{os.getpid()}", catalogue, faqs, loop)
    yield service
    stop_service(service, loop)


@pytest.fixture(scope="session")
def embedded(catalogue: Catalogue, faqs: list[FaqRecord], loop: asyncio.AbstractEventLoop) -> SearchService:
    return start_service("embedded", "unused", catalogue, faqs, loop)
