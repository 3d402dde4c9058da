"""Department systems as configuration: one TOML file, secrets by env-var reference."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, HttpUrl


class SystemConfig(BaseModel, frozen=True):
    name: str
    title: str
    department: str
    base_url: HttpUrl
    auth: Literal["hmac", "api_key"] = "hmac"
    key_id: str = "citizen-space"
    secret_env: str
    connect_timeout_seconds: float = Field(default=1.0, gt=0, le=30)
    read_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    deadline_seconds: float = Field(default=3.0, gt=0, le=120)
    max_concurrency: int = Field(default=64, ge=1, le=10_000)
    max_connections: int = Field(default=100, ge=1, le=10_000)
    read_attempts: int = Field(default=2, ge=1, le=5)
    breaker_threshold: int = Field(default=5, ge=1)
    breaker_ttl_seconds: float = Field(default=30.0, gt=0)


class SystemsFile(BaseModel):
    systems: dict[str, SystemConfig]


def load_systems(path: Path, url_overrides: dict[str, str] | None = None) -> dict[str, SystemConfig]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    for name, entry in raw.get("systems", {}).items():
        entry.setdefault("name", name)
        if url_overrides and name in url_overrides:
            entry["base_url"] = url_overrides[name]
    return SystemsFile.model_validate(raw).systems
