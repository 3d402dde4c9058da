"""What the domain hands to the schema: masked, provenance-tagged views of federated data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

ItemT = TypeVar("ItemT")


@dataclass(frozen=True, slots=True)
class Provenance:
    system: str
    department: str
    fetched_at: datetime
    stale: bool = False


@dataclass(frozen=True, slots=True)
class Federated(Generic[ItemT]):
    """A section read from one department system, with where and when it came from."""

    items: list[ItemT]
    source: Provenance


@dataclass(frozen=True, slots=True)
class ProfileView:
    name: str
    id_number: str
    phone: str | None
    birth_date: date | None
    gender: str | None
    prefecture: str | None
    address: str | None
    age: int | None


@dataclass(frozen=True, slots=True)
class LicenceView:
    licence_id: str
    type_code: str
    type_name: str
    number: str
    holder_name: str
    issuer: str
    issued_on: date
    valid_from: date
    valid_until: date | None
    status_code: str
    status_name: str
