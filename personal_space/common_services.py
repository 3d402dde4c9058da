"""The few services a person is most likely to need, first: what they saved, what they have
been doing lately, then what people of their age most often do. Elder clients get fewer."""

from __future__ import annotations

from collections.abc import Iterable

# By age band, the services people in it use most (from the catalogue's everyday items).
AGE_DEFAULTS: list[tuple[int, int, tuple[str, ...]]] = [
    (60, 200, ("RS-016", "MZ-007", "YB-001", "MZ-013", "YB-004", "DW-002", "GA-002")),
    (18, 60, ("GJJ-002", "RS-004", "GA-015", "SW-001", "DW-002", "YB-001", "GA-002", "YB-004")),
    (0, 18, ("JY-003", "WJ-007", "GA-021")),
]


def common_services(
    *, age: int | None, favourites: Iterable[str], recent: Iterable[str], known: set[str], limit: int
) -> list[str]:
    chosen: list[str] = []
    defaults: tuple[str, ...] = ()
    if age is not None:
        defaults = next((codes for low, high, codes in AGE_DEFAULTS if low <= age < high), ())
    for code in [*favourites, *recent, *defaults]:
        if code in known and code not in chosen:
            chosen.append(code)
        if len(chosen) == limit:
            break
    return chosen
