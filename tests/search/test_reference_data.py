"""The catalogue's reference CSVs are copied into the repo; they must equal the shared originals."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from search.evaluation import reference_dir
from simulators.catalogue.data import DATA_DIR, load_guides

REFERENCE = reference_dir(Path(__file__).resolve().parents[2])


@pytest.mark.parametrize("name", ["service_items.csv", "bundles.csv"])
def test_reference_copies_match_the_shared_originals(name: str) -> None:
    shared = REFERENCE / name
    if not shared.exists():
        pytest.skip("../shared/reference is not beside this checkout")
    assert (DATA_DIR / name).read_bytes() == shared.read_bytes()


def test_every_item_and_bundle_has_a_guide() -> None:
    guides = load_guides()
    for name in ("service_items.csv", "bundles.csv"):
        with (DATA_DIR / name).open(encoding="utf-8") as handle:
            codes = [row["code"] for row in csv.DictReader(handle)]
        missing = [code for code in codes if code not in guides]
        assert not missing
    bundles = {code: guide for code, guide in guides.items() if code.startswith("YJS-")}
    assert all(guide.get("items") for guide in bundles.values())
