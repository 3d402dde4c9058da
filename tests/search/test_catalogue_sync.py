"""The 事项管理 catalogue system over HTTP: its connector, incremental sync, and search kept in step."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
import pytest_asyncio

from connectors.catalogue.client import CatalogueClient
from connectors.errors import DepartmentRejected, NotFound
from search.catalogue import fetch_all, fetch_changes
from search.embedded import EmbeddedEngine
from search.factory import build_service
from search.faq import load_seed
from simulators.catalogue.data import DATA_DIR
from tests.support.stateful import call_context, department_client


@pytest_asyncio.fixture(loop_scope="function")
async def catalogue(simulator_urls: dict[str, str]) -> AsyncIterator[CatalogueClient]:
    base = department_client("catalogue", simulator_urls["catalogue"])
    yield CatalogueClient(base)
    await base.aclose()


def reference_names(name: str) -> dict[str, str]:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


async def test_full_sync_has_every_item_and_bundle_with_its_guide(catalogue: CatalogueClient) -> None:
    loaded = await fetch_all(catalogue, call_context("CATALOGUE_SYNC"))
    assert {c: i.name for c, i in loaded.items.items()} == reference_names("service_items.csv")
    assert {c: b.name for c, b in loaded.bundles.items()} == reference_names("bundles.csv")
    assert all(item.guide.materials and item.guide.aliases for item in loaded.items.values())
    assert all(item.version >= 1 for item in loaded.items.values())
    assert loaded.synced_until is not None
    assert set(loaded.bundles["YJS-001"].items) <= set(loaded.items)


async def test_single_item_and_unknown_code(catalogue: CatalogueClient) -> None:
    item = await catalogue.item("GJJ-002", call_context())
    assert item.name == "住房公积金提取（租房）"
    with pytest.raises(NotFound):
        await catalogue.item("GJJ-999", call_context())


async def test_wrong_api_key_is_rejected(simulator_urls: dict[str, str]) -> None:
    base = department_client("catalogue", simulator_urls["catalogue"], secret="not-the-key")
    try:
        with pytest.raises(DepartmentRejected):
            await CatalogueClient(base).bundles(call_context())
    finally:
        await base.aclose()


async def test_incremental_sync_reindexes_only_what_changed(
    catalogue: CatalogueClient, simulator_urls: dict[str, str]
) -> None:
    service = build_service(EmbeddedEngine(), best_bets={})
    loaded = await fetch_all(catalogue, call_context())
    await service.load(loaded, load_seed())
    since = loaded.synced_until
    assert isinstance(since, datetime)
    nothing, _bundles, _ = await fetch_changes(catalogue, since, call_context())
    assert nothing == []

    old_version = loaded.items["WL-004"].version
    async with httpx.AsyncClient() as http:
        response = await http.patch(
            f"{simulator_urls['catalogue']}/_admin/items/WL-004", json={"aliases": ["茶马古道讲解员证"]}
        )
        response.raise_for_status()
    changed, bundles, _ = await fetch_changes(catalogue, since, call_context())
    assert [i.code for i in changed] == ["WL-004"]
    assert changed[0].version == old_version + 1
    assert await service.apply_catalogue_changes(changed, bundles) == 1
    page = await service.search("茶马古道讲解员证", size=3)
    assert page.hits[0].code == "WL-004"
    await service.engine.aclose()
