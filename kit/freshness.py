"""How long the answer being built stays true.

The parts of a request that read changing data report it here: a section read from the section
cache says how much of its freshness is left, a stale or failed one says "not at all". The
response cache keeps an answer no longer than the least of these. The tracker travels in a
context variable, so the sections' shared tasks (created while the request runs) report to the
request that started them without every signature carrying it.
"""

from __future__ import annotations

import time
from contextvars import ContextVar, Token
from dataclasses import dataclass


@dataclass
class Freshness:
    """Seconds the answer may be reused for; 0 means never."""

    max_age: float

    def expires_at(self, instant: float) -> None:
        self.max_age = max(0.0, min(self.max_age, instant - time.time()))

    def never(self) -> None:
        self.max_age = 0.0


_current: ContextVar[Freshness | None] = ContextVar("freshness", default=None)


def track(freshness: Freshness) -> Token[Freshness | None]:
    return _current.set(freshness)


def stop_tracking(token: Token[Freshness | None]) -> None:
    _current.reset(token)


def section_read(fetched_at: float, fresh_seconds: float, *, stale: bool) -> None:
    """A section of `fetched_at` (epoch seconds) went into the answer."""
    freshness = _current.get()
    if freshness is None:
        return
    if stale:
        freshness.never()
    else:
        freshness.expires_at(fetched_at + fresh_seconds)


def not_reusable() -> None:
    """What went into the answer must be read again next time (a failure, a one-off)."""
    freshness = _current.get()
    if freshness is not None:
        freshness.never()
