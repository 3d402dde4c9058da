"""Completions while typing: Chinese prefixes, full pinyin and initials of names and aliases."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from search.analyzer import compact, full_pinyin, initials, is_cjk
from search.ranking import DocKind


@dataclass(frozen=True)
class Suggestion:
    text: str
    code: str
    kind: DocKind


@dataclass(frozen=True)
class _Entry:
    suggestion: Suggestion
    key: str
    pinyin: str
    initials: str
    formal: bool  # the item's own name, preferred over an alias


class Suggester:
    def __init__(self) -> None:
        self._entries: list[_Entry] = []

    def rebuild(self, phrases: Iterable[tuple[str, str, DocKind, bool]]) -> None:
        """(text, code, kind, is the formal name) for every name and alias."""
        entries = []
        seen: set[tuple[str, str]] = set()
        for text, code, kind, formal in phrases:
            key = compact(text)
            if not key or (key, code) in seen or not is_cjk(key):
                continue
            seen.add((key, code))
            entries.append(_Entry(Suggestion(text, code, kind), key, full_pinyin(key), initials(key), formal))
        self._entries = entries

    def suggest(
        self, prefix: str, popularity: dict[str, float], limit: int = 10, demand: dict[str, float] | None = None
    ) -> list[Suggestion]:
        """One completion per item: its best-matching name or alias, the more used items first.

        `demand` is a static prior per document (how many FAQ entries ask about it).
        """
        demand = demand or {}
        key = compact(prefix)
        if not key:
            return []
        scored: list[tuple[float, int, str, Suggestion]] = []
        latin = not is_cjk(key)
        for entry in self._entries:
            if latin:
                if entry.pinyin.startswith(key):
                    rank = 2.0
                elif entry.initials.startswith(key):
                    rank = 1.5
                else:
                    continue
            elif entry.key.startswith(key):
                rank = 2.0
            elif key in entry.key:
                rank = 1.0
            else:
                continue
            doc = f"{entry.suggestion.kind.value}:{entry.suggestion.code}"
            rank += 0.5 if entry.formal else 0.0
            rank += math.log1p(popularity.get(doc, 0.0)) / 2 + math.log1p(demand.get(doc, 0.0)) / 4
            scored.append((-rank, len(entry.key), entry.key, entry.suggestion))
        scored.sort(key=lambda s: (s[0], s[1], s[2]))
        out: list[Suggestion] = []
        shown: set[str] = set()
        for *_, suggestion in scored:
            if suggestion.text in shown or suggestion.code in shown:
                continue
            shown.update((suggestion.text, suggestion.code))
            out.append(suggestion)
            if len(out) >= limit:
                break
        return out
