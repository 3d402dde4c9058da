"""The catalogue as search holds it: loaded from the 事项管理 system, kept in step incrementally.

The same models validate what the connector fetched and what a snapshot file holds, so offline
tools (the bench, the CLI without simulators) load the catalogue through the same code path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from connectors.base import CallContext
from connectors.catalogue.client import CatalogueClient
from connectors.catalogue.models import Bundle, ServiceItem


@dataclass
class Catalogue:
    items: dict[str, ServiceItem] = field(default_factory=dict)
    bundles: dict[str, Bundle] = field(default_factory=dict)
    # The catalogue system's clock at the last sync: the next `changed_since`.
    synced_until: datetime | None = None

    @classmethod
    def of(cls, items: Iterable[ServiceItem], bundles: Iterable[Bundle]) -> Catalogue:
        return cls(items={i.code: i for i in items}, bundles={b.code: b for b in bundles})

    @classmethod
    def from_snapshot(cls, raw: dict[str, Any]) -> Catalogue:
        """A snapshot in the API's shape: {"items": [...], "bundles": [...]}."""
        return cls.of(
            (ServiceItem.model_validate(i) for i in raw.get("items", [])),
            (Bundle.model_validate(b) for b in raw.get("bundles", [])),
        )

    @classmethod
    def from_file(cls, path: Path) -> Catalogue:
        return cls.from_snapshot(json.loads(path.read_text(encoding="utf-8")))

    def name_of(self, code: str) -> str | None:
        record = self.items.get(code) or self.bundles.get(code)
        return record.name if record else None


async def fetch_all(client: CatalogueClient, call: CallContext) -> Catalogue:
    changes = await client.items_changed_since(None, call)
    catalogue = Catalogue.of(changes.items, await client.bundles(call))
    catalogue.synced_until = changes.server_time
    return catalogue


async def fetch_changes(
    client: CatalogueClient, since: datetime | None, call: CallContext
) -> tuple[list[ServiceItem], list[Bundle], datetime | None]:
    """Items changed since the last sync, and the bundles (few; always fetched whole)."""
    changes = await client.items_changed_since(since, call)
    return changes.items, await client.bundles(call), changes.server_time
