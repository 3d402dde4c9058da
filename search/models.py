"""The FAQ knowledge base in SQL, on the same metadata as the rest of what citizen-space owns."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from personal_space.models import Base, utcnow


class FaqEntry(Base):
    """One question–answer pair, its phrasings and the service items it is about."""

    __tablename__ = "faq_entries"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    question: Mapped[str] = mapped_column(String(200))
    variants: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text)
    item_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Soft delete keeps the row for the record; the index drops it at once.
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_by: Mapped[str] = mapped_column(String(128), default="seed")
