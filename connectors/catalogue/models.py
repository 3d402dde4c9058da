"""What the catalogue system returns, validated before anything of ours touches it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

ITEM_CODE_PATTERN = r"^[A-Z]{2,4}-\d{3}$"
Audience = Literal["自然人", "法人"]


class Material(BaseModel):
    name: str
    form: str = "原件"
    copies: int = Field(default=1, ge=0)
    licence_type: str | None = None
    note: str = ""


class Guide(BaseModel):
    """The 办事指南 of an item or a bundle."""

    summary: str = ""
    aliases: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    english: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    materials: list[Material] = Field(default_factory=list)
    fee: str = ""
    legal_days: int | None = None
    promised_days: int | None = None
    where: str = ""
    online: str = ""
    visits: int | None = None
    legal_basis: str = ""
    steps: list[str] = Field(default_factory=list)


class ServiceItem(BaseModel):
    code: str = Field(pattern=ITEM_CODE_PATTERN)
    name: str
    department: str
    audience: Audience
    kind: str
    theme: str
    fully_online: bool
    promised_days: int = Field(ge=0)
    fee_yuan: float = Field(ge=0)
    version: int = Field(ge=1)
    updated_at: datetime
    guide: Guide


class Bundle(BaseModel):
    """一件事: several items applied for together."""

    code: str = Field(pattern=ITEM_CODE_PATTERN)
    name: str
    audience: Audience
    items: list[str]
    version: int = Field(ge=1)
    updated_at: datetime
    guide: Guide


class ItemPage(BaseModel):
    items: list[ServiceItem]
    total: int
    next_cursor: int | None = None
    server_time: datetime


class BundleList(BaseModel):
    items: list[Bundle]
    total: int
