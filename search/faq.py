"""The FAQ knowledge base: seed files, validation of operator edits, and every SQL query on it."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from personal_space.models import utcnow
from search.documents import FaqRecord
from search.models import FaqEntry

SEED_DIR = Path(__file__).resolve().parent / "data" / "faq"
FAQ_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{2,39}$"
ITEM_CODE_PATTERN = re.compile(r"^[A-Z]{2,4}-\d{3}$")


class FaqInput(BaseModel):
    """An operator's new or changed FAQ entry."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    id: str | None = Field(default=None, pattern=FAQ_ID_PATTERN)
    question: str = Field(min_length=4, max_length=200)
    answer: str = Field(min_length=4, max_length=4000)
    variants: list[str] = Field(default_factory=list, max_length=30)
    item_codes: list[str] = Field(min_length=1, max_length=20)

    @field_validator("variants")
    @classmethod
    def _variants(cls, value: list[str]) -> list[str]:
        cleaned = [v.strip() for v in value if v.strip()]
        if any(len(v) > 200 for v in cleaned):
            raise ValueError("each variant is at most 200 characters")
        return list(dict.fromkeys(cleaned))

    @field_validator("item_codes")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        codes = [c.strip().upper() for c in value]
        bad = [c for c in codes if not ITEM_CODE_PATTERN.match(c)]
        if bad:
            raise ValueError(f"not item codes: {', '.join(bad)}")
        return list(dict.fromkeys(codes))


def load_seed(directory: Path = SEED_DIR) -> list[FaqRecord]:
    records = []
    for path in sorted(directory.glob("*.json")):
        for raw in json.loads(path.read_text(encoding="utf-8")):
            records.append(
                FaqRecord(
                    id=raw["id"].lower(),
                    question=raw["question"],
                    answer=raw["answer"],
                    variants=tuple(raw.get("variants", ())),
                    item_codes=tuple(raw.get("item_codes", ())),
                )
            )
    return records


def to_record(entry: FaqEntry) -> FaqRecord:
    return FaqRecord(
        id=entry.id,
        question=entry.question,
        answer=entry.answer,
        variants=tuple(entry.variants),
        item_codes=tuple(entry.item_codes),
    )


async def active(session: AsyncSession) -> list[FaqRecord]:
    rows = await session.scalars(select(FaqEntry).where(FaqEntry.deleted.is_(False)).order_by(FaqEntry.id))
    return [to_record(row) for row in rows]


async def changed_since(session: AsyncSession, since: datetime) -> list[FaqEntry]:
    rows = await session.scalars(select(FaqEntry).where(FaqEntry.updated_at > since).order_by(FaqEntry.updated_at))
    return list(rows)


async def seed(session: AsyncSession, records: Sequence[FaqRecord]) -> int:
    """Insert the seed entries that are not there yet (never overwrites an operator's edit)."""
    existing = set(await session.scalars(select(FaqEntry.id)))
    created = 0
    for record in records:
        if record.id in existing:
            continue
        session.add(
            FaqEntry(
                id=record.id,
                question=record.question,
                answer=record.answer,
                variants=list(record.variants),
                item_codes=list(record.item_codes),
                updated_by="seed",
            )
        )
        created += 1
    await session.flush()
    return created


async def upsert(session: AsyncSession, data: FaqInput, *, new_id: str, actor: str) -> tuple[FaqEntry, bool]:
    """Create or replace an entry; returns it and whether it was created."""
    entry = await session.get(FaqEntry, data.id) if data.id else None
    created = entry is None
    if entry is None:
        entry = FaqEntry(id=data.id or new_id, version=0)
        session.add(entry)
    entry.question = data.question
    entry.answer = data.answer
    entry.variants = list(data.variants)
    entry.item_codes = list(data.item_codes)
    entry.deleted = False
    entry.version = (entry.version or 0) + 1
    entry.updated_at = utcnow()
    entry.updated_by = actor
    await session.flush()
    return entry, created


async def soft_delete(session: AsyncSession, faq_id: str, *, actor: str) -> FaqEntry | None:
    entry = await session.get(FaqEntry, faq_id)
    if entry is None or entry.deleted:
        return None
    entry.deleted = True
    entry.version += 1
    entry.updated_at = utcnow()
    entry.updated_by = actor
    await session.flush()
    return entry
