"""Whole answers about one person, kept while everything in them is still true.

A person who reopens the app asks for the same home screen again and again. Building it anew
from cached sections still means opening them, masking and building ~440 fields; the finished
answer costs a lookup (1.6 ms of CPU a request against 13-17 ms uncached in `make bench`). It is kept

- no longer than its least fresh section has left (`kit.freshness`), and never when a section
  was stale or failed;
- under the person's generation (`personal_space.generations`): any change of theirs orphans
  every earlier answer at once, on every instance;
- sealed like the sections, with the sections it read, so a reuse is audited as a read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, Counter

from kit.cache import Cache
from kit.crypto import FieldCipher


@dataclass(frozen=True, slots=True)
class AuditedRead:
    data_subject_id: str | None
    purpose: str
    sections: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    data: dict[str, Any]
    reads: tuple[AuditedRead, ...]


class ResponseCache:
    def __init__(
        self, cache: Cache, cipher: FieldCipher, *, max_seconds: float, registry: CollectorRegistry | None = None
    ) -> None:
        self._cache = cache
        self._cipher = cipher
        self.max_seconds = max_seconds
        # hit: reused; kept: built and kept; not_kept: built, but stale, failed or about to expire.
        self.outcomes = Counter(
            "response_cache_total", "Answers about a person's own space, by outcome", ["outcome"], registry=registry
        )

    @property
    def enabled(self) -> bool:
        return self.max_seconds > 0

    def key(self, account_id: str, generation: str, request: list[Any]) -> str:
        digest = hashlib.sha256(orjson.dumps([generation, *request], option=orjson.OPT_SORT_KEYS)).hexdigest()
        return f"resp:{account_id}:{digest}"

    async def get(self, key: str) -> CachedAnswer | None:
        raw = await self._cache.get(key)
        value = self._cipher.open_json(raw, context=key) if raw is not None else None
        if not isinstance(value, dict):
            return None
        reads = tuple(AuditedRead(r[0], r[1], tuple(r[2])) for r in value["reads"])
        return CachedAnswer(value["data"], reads)

    async def put(self, key: str, answer: CachedAnswer, seconds: float) -> bool:
        """Keep the answer; True once it is kept."""
        reads = [[r.data_subject_id, r.purpose, list(r.sections)] for r in answer.reads]
        sealed = self._cipher.seal_json({"data": answer.data, "reads": reads}, context=key)
        await self._cache.set(key, sealed, min(seconds, self.max_seconds))
        return True
