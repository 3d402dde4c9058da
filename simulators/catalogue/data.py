"""The catalogue's records: the reference CSVs (codes, names, facets) joined with the written guides.

Every record carries a version and an `updated_at`, as a real 事项管理系统 does, so consumers can
sync incrementally. The starting timestamps are fixed so two runs serve identical data.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
GUIDE_FILES = ("A.json", "B.json", "C.json", "D.json")
# When the seeded catalogue was last published; edits made through the admin API come after it.
PUBLISHED_AT = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)

GUIDE_FIELDS = (
    "summary",
    "aliases",
    "keywords",
    "english",
    "conditions",
    "materials",
    "fee",
    "legal_days",
    "promised_days",
    "where",
    "online",
    "visits",
    "legal_basis",
    "steps",
)


@dataclass
class CatalogueStore:
    """Items and bundles by code, mutable through the admin API (which bumps the version)."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    bundles: dict[str, dict[str, Any]] = field(default_factory=dict)

    def changed_since(self, since: datetime | None) -> list[dict[str, Any]]:
        records = list(self.items.values())
        if since is not None:
            records = [r for r in records if _parse(r["updated_at"]) > since]
        return sorted(records, key=lambda r: (r["updated_at"], r["code"]))

    def update(self, code: str, changes: dict[str, Any], now: datetime) -> dict[str, Any]:
        record = self.items.get(code) or self.bundles[code]
        guide = dict(record["guide"])
        for key, value in changes.items():
            if key == "name":
                record["name"] = value
            elif key in GUIDE_FIELDS:
                guide[key] = value
        record["guide"] = guide
        record["version"] += 1
        record["updated_at"] = now.isoformat()
        return record


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def load_guides() -> dict[str, dict[str, Any]]:
    guides: dict[str, dict[str, Any]] = {}
    for name in GUIDE_FILES:
        guides.update(json.loads((DATA_DIR / "guides" / name).read_text(encoding="utf-8")))
    return guides


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _guide(raw: dict[str, Any]) -> dict[str, Any]:
    return {key: raw[key] for key in GUIDE_FIELDS if key in raw}


@cache
def _seed_records() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    guides = load_guides()
    items: dict[str, dict[str, Any]] = {}
    for index, row in enumerate(_rows("service_items.csv")):
        code = row["code"]
        items[code] = {
            "code": code,
            "name": row["name"],
            "department": row["department"],
            "audience": row["audience"],
            "kind": row["kind"],
            "theme": row["theme"],
            "fully_online": row["fully_online"] == "Y",
            "promised_days": int(row["promised_days"]),
            "fee_yuan": float(row["fee_yuan"]),
            "version": 1,
            # Spread over a few minutes so changed_since paging sees distinct timestamps.
            "updated_at": (PUBLISHED_AT + timedelta(seconds=index)).isoformat(),
            "guide": _guide(guides[code]),
        }
    bundles: dict[str, dict[str, Any]] = {}
    for row in _rows("bundles.csv"):
        code = row["code"]
        guide = guides[code]
        bundles[code] = {
            "code": code,
            "name": row["name"],
            "audience": row["audience"],
            "items": row["items"].split(";"),
            "version": 1,
            "updated_at": PUBLISHED_AT.isoformat(),
            "guide": _guide(guide),
        }
    return items, bundles


def build_store() -> CatalogueStore:
    """A fresh, independent copy of the seeded catalogue."""
    items, bundles = _seed_records()
    return CatalogueStore(
        items={code: json.loads(json.dumps(record)) for code, record in items.items()},
        bundles={code: json.loads(json.dumps(record)) for code, record in bundles.items()},
    )


def catalogue_snapshot() -> dict[str, list[dict[str, Any]]]:
    """The whole catalogue as the API serves it (for offline loading: bench, tools)."""
    store = build_store()
    return {"items": store.changed_since(None), "bundles": list(store.bundles.values())}
