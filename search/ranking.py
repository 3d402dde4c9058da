"""How relevance is weighed: the one set of numbers both engines rank with.

A document's score is

    (Σ_group Σ_field  group_boost × field_weight × BM25_field(group tokens) + exact bonus)
        × kind prior × intent prior
    + popularity_weight × log10(1 + uses) + best-bet bonus

Elasticsearch expresses it as a ``bool`` of ``multi_match`` (most_fields) clauses inside a
``function_score`` (the priors), with the additive bonuses as optional ``constant_score`` clauses
beside it; the embedded engine sums FTS5 ``bm25()`` per field table the same way. Both use k1 = 1.2,
b = 0.75 and keep the ``(k1 + 1)`` factor (Elasticsearch through its legacy BM25), so absolute
scores agree closely too, which matters because `ask`'s confidence is computed from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class DocKind(StrEnum):
    SERVICE_ITEM = "service_item"
    BUNDLE = "bundle"
    FAQ = "faq"


class Field(StrEnum):
    TITLE = "title"  # the formal name
    ALIASES = "aliases"  # everyday names
    KEYWORDS = "keywords"  # keywords, English keywords, department and theme
    QUESTIONS = "questions"  # FAQ questions and their variants (on items: the linked FAQ's)
    BODY = "body"  # summary, conditions, materials (items); the answer (FAQ)
    PINYIN = "pinyin"  # full pinyin and initials of title and aliases
    CHARS = "chars"  # single characters of title and aliases: what segmentation misses


class Group(StrEnum):
    TERMS = "terms"
    SYNONYMS = "synonyms"
    CORRECTIONS = "corrections"
    PINYIN = "pinyin"
    CHARS = "chars"


@dataclass(frozen=True)
class Ranking:
    field_weights: dict[Field, float] = field(
        default_factory=lambda: {
            Field.TITLE: 3.0,
            Field.ALIASES: 2.5,
            Field.KEYWORDS: 1.5,
            Field.QUESTIONS: 1.2,
            Field.BODY: 0.3,
            Field.PINYIN: 2.0,
            Field.CHARS: 0.35,
        }
    )
    # Which fields each kind of query token is matched against, and how much it counts.
    group_boosts: dict[Group, float] = field(
        default_factory=lambda: {
            Group.TERMS: 1.0,
            Group.SYNONYMS: 0.8,
            Group.CORRECTIONS: 0.8,
            Group.PINYIN: 1.0,
            Group.CHARS: 1.0,
        }
    )
    group_fields: dict[Group, tuple[Field, ...]] = field(
        default_factory=lambda: {
            Group.TERMS: (Field.TITLE, Field.ALIASES, Field.KEYWORDS, Field.QUESTIONS, Field.BODY),
            Group.SYNONYMS: (Field.TITLE, Field.ALIASES, Field.KEYWORDS, Field.QUESTIONS, Field.BODY),
            Group.CORRECTIONS: (Field.TITLE, Field.ALIASES, Field.KEYWORDS, Field.QUESTIONS, Field.BODY),
            Group.PINYIN: (Field.PINYIN, Field.KEYWORDS),
            Group.CHARS: (Field.CHARS,),
        }
    )
    # The whole query equals a name or an alias: people often type the name they know.
    exact_bonus: float = 6.0
    # People mostly look for one service; a 一件事 bundle ranks just below an equally good item.
    kind_priors: dict[DocKind, float] = field(
        default_factory=lambda: {DocKind.SERVICE_ITEM: 1.0, DocKind.BUNDLE: 0.6, DocKind.FAQ: 1.0}
    )
    # A document named for a follow-up action (补领, 换领, 注销 …) ranks below the first-time
    # service when the query asks for no such action: "出生证明" means getting one, not a copy;
    # and the other way round when it does ("社保卡坏了").
    intent_prior: float = 0.85
    popularity_weight: float = 0.5
    best_bet_bonus: float = 50.0

    def weight(self, group: Group, target: Field) -> float:
        return self.group_boosts[group] * self.field_weights[target]


DEFAULT_RANKING = Ranking()

# Actions that presuppose an earlier one (or stand in for it, 临时); items named with them are
# follow-ups.
FOLLOW_UP_ACTIONS = ("补领", "补发", "补换", "补证", "换领", "换证", "挂失", "注销", "遗失", "变更", "提前还款", "临时")
# Characters that ask for a follow-up on their own in everyday speech (补个, 换个, 丢了, 坏了).
FOLLOW_UP_CHARS = frozenset("补换丢坏")


def is_follow_up(name: str) -> bool:
    return any(action in name for action in FOLLOW_UP_ACTIONS)


def asks_follow_up(key: str, expansions: tuple[str, ...] = ()) -> bool:
    """Whether the query (compact text, plus its synonym expansions) asks for a follow-up."""
    return (
        any(char in FOLLOW_UP_CHARS for char in key)
        or any(action in key for action in FOLLOW_UP_ACTIONS)
        or any(token in FOLLOW_UP_ACTIONS for token in expansions)
    )
