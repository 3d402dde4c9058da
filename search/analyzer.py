"""The one analyzer both engines index and query with.

Text is normalised (NFKC, case folding, traditional → simplified), segmented with jieba using a
user dictionary learnt from the catalogue, and stripped of stopwords. Queries additionally get
three kinds of expansion, each kept apart so the engines can weigh them differently from what the
person typed:

- synonyms: everyday words mapped to the formal words items are named with (data/synonyms.txt);
- pinyin: Latin input read as full pinyin or initials (``shebaoka``, ``sbk``) and turned back into
  the catalogue words it spells;
- corrections: Chinese that is not a catalogue word but sounds like one (``公基金`` → ``公积金``,
  with the southern fuzzy pairs zh/z, ch/c, sh/s, n/l, -ng/-n), or misses one by a single character.

Engines receive plain whitespace-separated tokens, so Elasticsearch needs only its core
``whitespace`` analyzer and SQLite FTS5 its default tokenizer.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import jieba
import opencc
from pypinyin import Style, lazy_pinyin

DATA_DIR = Path(__file__).resolve().parent / "data"

_NON_WORD = re.compile(r"[^\w]+|_+")
_SEGMENT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z]+|\d+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"^[a-z]+$")
# Pinyin syllables, longest first, to tell "shebaoka" (pinyin) from "passport" (English).
_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z", "c", "s")
_FINALS = (
    "iang", "iong", "uang", "ueng", "ang", "eng", "ing", "ong", "ian", "iao", "uai", "uan", "van",
    "ai", "ei", "ao", "ou", "an", "en", "in", "un", "vn", "ia", "ie", "iu", "ua", "uo", "ui", "ve", "ue",
    "er", "a", "o", "e", "i", "u", "v",
)  # fmt: skip
_MAX_QUERY_CHARS = 200
# Above this count in jieba's general corpus a word is everyday language (孩子 17k, 名字 5k,
# 手机 5k) even when our catalogue uses it too; below it (结婚 3k, 失业 1.3k) it can anchor a
# question in government services.
SERVICE_WORD_MAX_FREQUENCY = 4000


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """NFKC, case folding, traditional → simplified, punctuation to single spaces.

    Idempotent: normalize(normalize(x)) == normalize(x).
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    simplified = _converter().convert(folded)
    # Conversion and folding can each produce characters the other would change; settle them.
    simplified = unicodedata.normalize("NFKC", simplified).casefold()
    return " ".join(_NON_WORD.sub(" ", simplified).split())


def compact(text: str) -> str:
    """The normalised text without spaces: the key for exact name and alias matches."""
    return normalize(text).replace(" ", "")


def is_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


@lru_cache(maxsize=65536)
def _syllables_of(word: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(word, errors="ignore"))


def full_pinyin(word: str) -> str:
    return "".join(_syllables_of(word))


@lru_cache(maxsize=65536)
def initials(word: str) -> str:
    return "".join(p[0] for p in lazy_pinyin(word, style=Style.FIRST_LETTER, errors="ignore") if p)


def _fuzzy_syllable(syllable: str) -> str:
    for hard, soft in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if syllable.startswith(hard):
            syllable = soft + syllable[2:]
            break
    if syllable.startswith("n"):
        syllable = "l" + syllable[1:]
    for hard, soft in (("ang", "an"), ("eng", "en"), ("ing", "in")):
        if syllable.endswith(hard):
            return syllable[: -len(hard)] + soft
    return syllable


@lru_cache(maxsize=65536)
def fuzzy_pinyin(word: str) -> str:
    """Pinyin with the pairs many speakers (Yunnan's among them) do not tell apart merged."""
    return " ".join(_fuzzy_syllable(s) for s in _syllables_of(word))


@cache
def _syllables() -> frozenset[str]:
    found = {i + f for i in ("", *_INITIALS) for f in _FINALS}
    return frozenset(found | {"a", "o", "e", "ai", "ei", "ao", "ou", "an", "en", "ang", "eng", "er"})


def looks_like_pinyin(token: str) -> bool:
    """Whether a Latin token splits entirely into pinyin syllables."""
    syllables = _syllables()
    reachable = [True] + [False] * len(token)
    for end in range(1, len(token) + 1):
        reachable[end] = any(reachable[s] and token[s:end] in syllables for s in range(max(0, end - 6), end))
    return reachable[-1]


@dataclass(frozen=True)
class SynonymRule:
    everyday: tuple[str, ...]
    formal: str


def load_synonyms(path: Path = DATA_DIR / "synonyms.txt") -> list[SynonymRule]:
    rules = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=>" not in line:
            continue
        left, right = line.split("=>", 1)
        everyday = tuple(sorted({compact(w) for w in left.split(",") if compact(w)}, key=len, reverse=True))
        if everyday and right.strip():
            rules.append(SynonymRule(everyday=everyday, formal=right.strip()))
    return rules


def load_stopwords(path: Path = DATA_DIR / "stopwords.txt") -> frozenset[str]:
    words = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(normalize(w) for w in words if w and not w.startswith("#"))


@dataclass(frozen=True)
class AnalyzedQuery:
    """A query as the engines see it: tokens by origin, plus what the service needs to judge it."""

    text: str
    normalized: str
    terms: tuple[str, ...]  # what the person typed, segmented
    synonyms: tuple[str, ...]  # formal words their everyday words map to
    corrections: tuple[str, ...]  # pinyin read back into words, typos and near-homophones fixed
    chars: tuple[str, ...]  # single CJK characters, for the fallback field
    pinyin: tuple[str, ...]  # Latin tokens as typed, for the pinyin field
    meaningful: tuple[str, ...] = ()  # content words (no stopwords), for domain coverage

    @property
    def key(self) -> str:
        return self.normalized.replace(" ", "")

    @property
    def empty(self) -> bool:
        return not (self.terms or self.synonyms or self.corrections or self.chars or self.pinyin)


@dataclass
class _Vocabulary:
    """Catalogue words and how they sound, learnt from names, aliases and keywords."""

    words: Counter[str] = field(default_factory=Counter)
    by_pinyin: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_initials: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_fuzzy: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


class Analyzer:
    """Thread-safe after `learn`; build one per search service (jieba loads once, ~1 s)."""

    def __init__(self, *, synonyms: list[SynonymRule] | None = None, stopwords: frozenset[str] | None = None) -> None:
        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        self.synonyms = synonyms if synonyms is not None else load_synonyms()
        self.stopwords = stopwords if stopwords is not None else load_stopwords()
        self._long_stopwords = tuple(w for w in self.stopwords if len(w) >= 2)
        self._vocabulary = _Vocabulary()
        self._english: set[str] = set()
        self._general: dict[str, int] = {}
        self._learnt: set[str] = set()
        for rule in self.synonyms:
            for word in normalize(rule.formal).split():
                if is_cjk(word):
                    self._add_word(word, teach_jieba=2 <= len(word) <= 8)

    # -- learning the catalogue's words ----------------------------------------------------

    def learn(self, phrases: Iterable[str], *, words: Iterable[str] = (), english: Iterable[str] = ()) -> None:
        """Add names and aliases (phrases) and keywords (words) to the dictionary and pinyin indexes."""
        keywords = {normalize(w) for w in words}
        for phrase in [*phrases, *keywords]:
            for part in normalize(phrase).split():
                if is_cjk(part) and not self._is_filler(part):
                    # Only word-sized phrases become jieba words: a whole sentence-like alias kept
                    # as one token would match only itself. Keywords are words by definition.
                    self._add_word(part, teach_jieba=2 <= len(part) <= 4 or (part in keywords and len(part) <= 8))
                    for word in self._jieba.cut(part, HMM=False):
                        if len(word) >= 2 and not self._is_filler(word):
                            self._add_word(word, teach_jieba=False)
        for phrase in english:
            self._english.update(normalize(phrase).split())

    def _is_filler(self, word: str) -> bool:
        return word in self.stopwords or word.startswith(self._long_stopwords)

    def _add_word(self, word: str, *, teach_jieba: bool) -> None:
        vocabulary = self._vocabulary
        vocabulary.words[word] += 1
        if word in self._learnt:
            return
        self._learnt.add(word)
        if teach_jieba:
            # A frequency high enough that jieba keeps domain words whole; the general-language
            # frequency it replaces is kept (see `general_frequency`).
            self._general.setdefault(word, self._jieba.FREQ.get(word, 0))
            self._jieba.add_word(word, freq=max(self._jieba.FREQ.get(word, 0), 2000))
        vocabulary.by_pinyin[full_pinyin(word)].add(word)
        vocabulary.by_initials[initials(word)].add(word)
        vocabulary.by_fuzzy[fuzzy_pinyin(word)].add(word)

    def knows(self, word: str) -> bool:
        return word in self._vocabulary.words

    def general_frequency(self, word: str) -> int:
        """How common a word is in general Chinese (jieba's corpus counts), before our teaching."""
        return int(self._general.get(word, self._jieba.FREQ.get(word, 0)))

    def is_service_word(self, word: str) -> bool:
        """A catalogue word that everyday talk does not use much: 社保卡, 公积金, 离婚 — not 孩子, 名字."""
        return len(word) >= 2 and self.knows(word) and self.general_frequency(word) < SERVICE_WORD_MAX_FREQUENCY

    @property
    def vocabulary_size(self) -> int:
        return len(self._vocabulary.words)

    # -- indexing ----------------------------------------------------------------------------

    def tokens(self, text: str) -> list[str]:
        """Search-mode segmentation of normalised text, stopwords removed, order kept."""
        out: list[str] = []
        for segment in _SEGMENT.findall(normalize(text)):
            if is_cjk(segment):
                out.extend(w for w in self._jieba.cut_for_search(segment, HMM=True) if self._keep(w))
            elif segment not in self.stopwords:
                out.append(segment)
        return out

    def _keep(self, word: str) -> bool:
        return bool(word.strip()) and word not in self.stopwords and bool(_SEGMENT.fullmatch(word))

    def chars(self, text: str) -> list[str]:
        return [c for c in normalize(text) if _CJK.match(c) and c not in self.stopwords]

    def pinyin_tokens(self, text: str) -> list[str]:
        """Full pinyin and initials of each word and of the whole phrase (for titles, aliases)."""
        out: list[str] = []
        for segment in _SEGMENT.findall(normalize(text)):
            if not is_cjk(segment):
                continue
            words = [w for w in self._jieba.cut(segment, HMM=False) if is_cjk(w)]
            for word in words:
                out.append(full_pinyin(word))
                if len(word) >= 2:
                    out.append(initials(word))
            if len(words) > 1:
                out.append(full_pinyin(segment))
                out.append(initials(segment))
        return out

    # -- queries -----------------------------------------------------------------------------

    def analyze(self, text: str) -> AnalyzedQuery:
        normalized = normalize(text[: _MAX_QUERY_CHARS * 2])[:_MAX_QUERY_CHARS]
        terms = self.tokens(normalized)
        key = normalized.replace(" ", "")
        synonyms = self._synonyms(key)
        latin = [s for s in _SEGMENT.findall(normalized) if _LATIN.match(s)]
        corrections = self._from_pinyin(latin) + self._corrections(normalized)
        seen = set(terms)
        synonym_tokens = _fresh(self.tokens(" ".join(synonyms)), seen)
        correction_tokens = _fresh(self.tokens(" ".join(corrections)), seen)
        meaningful = tuple(
            dict.fromkeys(
                [t for t in terms if not _LATIN.match(t) or t in self._english]
                + list(correction_tokens)
                + [t for t in terms if _LATIN.match(t) and self._spells_words(t)]
            )
        )
        return AnalyzedQuery(
            text=text,
            normalized=normalized,
            terms=tuple(dict.fromkeys(terms)),
            synonyms=synonym_tokens,
            corrections=correction_tokens,
            chars=tuple(dict.fromkeys(self.chars(normalized))),
            pinyin=tuple(dict.fromkeys(latin)),
            meaningful=meaningful,
        )

    def _synonyms(self, key: str) -> list[str]:
        found: list[str] = []
        for rule in self.synonyms:
            for everyday in rule.everyday:
                if everyday in key:
                    found.append(rule.formal)
                    break
        return found

    def _spells_words(self, token: str) -> bool:
        return bool(self._pinyin_words(token))

    def _pinyin_words(self, token: str) -> list[str]:
        """Catalogue words a Latin token spells in full pinyin, in initials, or as a run of both."""
        vocabulary = self._vocabulary
        if token in self._english and not looks_like_pinyin(token):
            return []
        direct = vocabulary.by_pinyin.get(token) or (
            vocabulary.by_initials.get(token) if 2 <= len(token) <= 6 else None
        )
        if direct:
            return self._most_common(direct, 3)
        # Unspaced pinyin ("gongjijintiqu"): split into the longest words we know.
        best: list[list[str] | None] = [[]] + [None] * len(token)
        for end in range(1, len(token) + 1):
            for start in range(max(0, end - 30), end):
                prefix = best[start]
                piece = token[start:end]
                if prefix is None or piece not in vocabulary.by_pinyin:
                    continue
                candidate = [*prefix, self._most_common(vocabulary.by_pinyin[piece], 1)[0]]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
        return best[-1] or []

    def _from_pinyin(self, latin: list[str]) -> list[str]:
        words: list[str] = []
        for token in latin:
            words.extend(self._pinyin_words(token))
        if len(latin) > 1:
            words.extend(self._pinyin_words("".join(latin)))
        return words

    def _corrections(self, normalized: str) -> list[str]:
        """Catalogue words that a non-catalogue stretch of the query sounds like or nearly is."""
        vocabulary = self._vocabulary
        found: list[str] = []
        for segment in _SEGMENT.findall(normalized):
            if not is_cjk(segment):
                continue
            for size in (4, 3, 2):
                for start in range(len(segment) - size + 1):
                    window = segment[start : start + size]
                    if window in vocabulary.words or (size == 2 and self._jieba.FREQ.get(window, 0) > 0):
                        continue
                    # Only sound-alikes: input methods type by pinyin, so real typos are homophones.
                    # (Shape-alikes were tried: 开饭店 became 开药店.)
                    sounds = {
                        w for w in vocabulary.by_fuzzy.get(fuzzy_pinyin(window), ()) if _differs_by_one(w, window)
                    }
                    found.extend(self._most_common(sounds, 2))
        return found

    def misspelt(self, text: str) -> bool:
        """Whether some stretch of the text sounds like a catalogue word it is not."""
        return bool(self._corrections(normalize(text)))

    def _most_common(self, words: Iterable[str], limit: int) -> list[str]:
        counts = self._vocabulary.words
        return sorted(words, key=lambda w: (-counts[w], w))[:limit]

    def describe(self) -> dict[str, Any]:
        return {"vocabulary": self.vocabulary_size, "synonymRules": len(self.synonyms)}


def _differs_by_one(word: str, window: str) -> bool:
    return len(word) == len(window) and sum(a != b for a, b in zip(word, window, strict=True)) == 1


def _fresh(tokens: Iterable[str], seen: set[str]) -> tuple[str, ...]:
    out = []
    for token in tokens:
        if token not in seen:
            seen.add(token)
            out.append(token)
    return tuple(out)
