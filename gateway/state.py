"""Everything the lifespan owns, in one typed object on app.state."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from connectors.registry import Connectors
from gateway.auth import JwksVerifier
from gateway.settings import Settings
from kit.cache import Cache
from kit.ratelimit import RateLimiter
from resolvers.context import Services


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    cache: Cache
    http: httpx.AsyncClient
    verifier: JwksVerifier
    connectors: Connectors
    metrics: CollectorRegistry
    services: Services
    rate_limiter: RateLimiter
