"""Who is calling: the verified token mapped onto our store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Binding:
    uscc: str
    company_name: str
    relation: str  # legal_representative | staff
    scopes: tuple[str, ...]
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class Caller:
    subject: str
    role: str
    account_id: str
    username: str
    bindings: tuple[Binding, ...] = field(default_factory=tuple)
