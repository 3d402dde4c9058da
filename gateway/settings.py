"""The one place configuration is read: pydantic-settings with the CITIZEN_ prefix."""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kit.crypto import CipherName

REPO_ROOT = Path(__file__).resolve().parent.parent


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"
    TEST = "test"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CITIZEN_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    env: Environment = Environment.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str = "http://127.0.0.1:8000"

    database_url: str = "sqlite+aiosqlite:///./.demo/citizen.db"
    redis_url: str | None = None
    # Namespaces every key and channel, so deployments (or test runs) can share one Redis.
    redis_prefix: str = Field(default="cs:", pattern=r"^[A-Za-z0-9_.:-]{1,40}$")
    elasticsearch_url: str | None = None
    search_index: str = "citizen-space"

    # Identity provider (OIDC). In development/test the dev issuer serves its JWKS on loopback.
    oidc_issuer: str = "http://127.0.0.1:8090/dev-idp"
    oidc_audience: str = "citizen-space"
    oidc_jwks_url: str = "http://127.0.0.1:8090/dev-idp/jwks.json"
    oidc_algorithms: list[str] = ["RS256", "ES256"]
    oidc_leeway_seconds: int = Field(default=30, ge=0, le=300)
    oidc_jwks_cache_seconds: int = Field(default=300, ge=10)

    # Department systems: one TOML file, credentials referenced by env var name.
    systems_file: Path = REPO_ROOT / "config" / "systems.toml"
    # JSON map of system name → base URL, overriding the systems file (demo, tests, deployments).
    system_urls: dict[str, str] = Field(default_factory=dict)
    # Our identity towards department systems (X-Road style client header).
    client_system: str = "citizen-space"
    # Keyed hash for pseudonymous user ids sent to departments.
    pseudonym_key: SecretStr = SecretStr("dev-only-pseudonym-key-change-me")

    # AES-GCM key material for ID and phone numbers at rest; production must override it.
    data_key: SecretStr = SecretStr("dev-only-data-key-change-me")
    # Signs scan-to-show tokens (扫码亮证).
    show_token_key: SecretStr = SecretStr("dev-only-show-token-key-change-me")

    # The outbox worker: every instance may run one; claims are leases, so a killed worker's
    # rows are picked up by another once the lease ends.
    outbox_worker: bool = True
    outbox_lease_seconds: float = Field(default=30.0, gt=0, le=3600)
    outbox_poll_seconds: float = Field(default=0.5, gt=0, le=60)

    # Sections of a space are served from the cache while fresh, and the last good copy is
    # served (marked stale) while a department is down.
    section_fresh_seconds: float = Field(default=30.0, ge=0, le=3600)
    section_keep_seconds: float = Field(default=86_400.0, gt=0)
    # Whole answers about a person's own space (0 turns it off); never longer than their sections.
    response_cache_seconds: float = Field(default=30.0, ge=0, le=3600)
    # In-process only (with Redis, Redis bounds memory): answers kept at most.
    response_cache_entries: int = Field(default=2_000, ge=1)
    # What we own of a person (preferences, favourites, …), kept in each worker under their
    # generation for queries (0 turns it off); the bound covers changes made outside our commits.
    owned_cache_seconds: float = Field(default=300.0, ge=0, le=86_400)
    owned_cache_entries: int = Field(default=5_000, ge=1)
    # Worker processes serving this configuration (`citizen-space serve --workers` sets it).
    workers: int = Field(default=1, ge=1)

    # Abuse limits: GraphQL validation limits, request size, rate limits.
    graphql_max_depth: int = Field(default=12, ge=2, le=50)
    graphql_max_aliases: int = Field(default=30, ge=1)
    graphql_max_tokens: int = Field(default=2000, ge=50)
    graphql_max_cost: int = Field(default=8000, ge=10)
    graphql_max_root_fields: int = Field(default=10, ge=1)
    graphql_max_directives: int = Field(default=20, ge=0)
    max_body_bytes: int = Field(default=100_000, ge=1_000)
    rate_limit_per_caller: int = Field(default=600, ge=1)
    rate_limit_per_ip: int = Field(default=1200, ge=1)
    rate_limit_window_seconds: float = Field(default=60.0, gt=0)
    # Persisted queries: APQ always; with an allow-list file and allow_list_only, nothing else runs.
    persisted_queries_file: Path | None = None
    persisted_queries_only: bool = False

    # Live-update fallback: how often subscribed people's cases are polled (webhooks are primary).
    poll_interval_seconds: float = Field(default=60.0, gt=0, le=3600)

    masking_policy: str = "standard"
    # What new personal fields are sealed with: aes-256-gcm or sm4-gcm (国密); both stay readable.
    field_cipher: CipherName = "aes-256-gcm"
    log_level: str = "INFO"
    demo_dir: Path = Path(".demo")

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("database_url must use sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("masking_policy")
    @classmethod
    def _known_policy(cls, value: str) -> str:
        from kit.masking import POLICIES

        if value not in POLICIES:
            raise ValueError(f"masking_policy must be one of {sorted(POLICIES)}")
        return value

    def check_production_secrets(self) -> None:
        """Refuse to start production with the development secrets."""
        if self.env is Environment.PRODUCTION:
            for name in ("data_key", "pseudonym_key", "show_token_key"):
                secret: SecretStr = getattr(self, name)
                if secret.get_secret_value().startswith("dev-only"):
                    raise ValueError(f"CITIZEN_{name.upper()} must be set in production")

    @cached_property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION
