"""Masking policy for personal data: the one place that decides what a client sees.

Masked by default; a policy name selects how much is kept, so operators can tighten it
without touching callers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MaskingPolicy:
    id_keep_head: int
    id_keep_tail: int
    phone_keep_head: int
    phone_keep_tail: int
    name_keep_head: int

    def id_number(self, value: str | None) -> str | None:
        return _mask(value, self.id_keep_head, self.id_keep_tail)

    def phone(self, value: str | None) -> str | None:
        return _mask(value, self.phone_keep_head, self.phone_keep_tail)

    def name(self, value: str | None) -> str | None:
        if not value:
            return value
        if len(value) == 1:
            return value
        return value[: self.name_keep_head] + "*" * (len(value) - self.name_keep_head)

    def licence_number(self, value: str | None) -> str | None:
        return _mask(value, self.id_keep_head, self.id_keep_tail)


def _mask(value: str | None, head: int, tail: int) -> str | None:
    if not value:
        return value
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


POLICIES: dict[str, MaskingPolicy] = {
    # 5301**********1234, 138****5678, 张*
    "standard": MaskingPolicy(4, 4, 3, 4, 1),
    # For agents and stricter deployments: less of every identifier survives.
    "strict": MaskingPolicy(2, 2, 3, 2, 1),
}


def policy(name: str) -> MaskingPolicy:
    try:
        return POLICIES[name]
    except KeyError:
        raise ValueError(f"unknown masking policy {name!r}; known: {sorted(POLICIES)}") from None
