"""The lifespan builds every client once and closes them all; nothing is created at import."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from purgatory import AsyncCircuitBreakerFactory
from purgatory.service._async.unit_of_work import AsyncRedisUnitOfWork
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from connectors.config import SystemConfig, load_systems
from connectors.registry import build_connectors
from gateway.auth import JwksVerifier
from gateway.settings import Settings
from gateway.state import AppState
from kit.cache import Cache, InProcessCache, build_cache
from kit.crypto import FieldCipher
from kit.events import build_bus
from kit.masking import policy
from kit.ratelimit import build_rate_limiter
from kit.redis_pool import redis_client
from personal_space.agent import AgentService
from personal_space.audit_writer import AuditWriter
from personal_space.changes import ON_CHANGE
from personal_space.deliveries import (
    AGENT_AND_PREFILL_NOTICES,
    DELIVERY_NOTICES,
    ENTERPRISE_DELIVERY_NOTICES,
    agent_and_prefill_deliverers,
    deliverers,
    enterprise_deliverers,
)
from personal_space.enterprise import EnterpriseService
from personal_space.enterprise_grants import StaffAuthorisations
from personal_space.generations import CachedGenerations, DatabaseGenerations, Generations
from personal_space.identity import IDENTITY_SECTION, IdentityService
from personal_space.licence_show import LicenceShowService
from personal_space.links import SubjectLinker
from personal_space.outbox import OutboxWorker
from personal_space.owned_cache import OwnedCache
from personal_space.personal_deliveries import PersonalDeliveries
from personal_space.polling import CasePoller
from personal_space.prefill import PrefillService, load_forms
from personal_space.response_cache import ResponseCache
from personal_space.section_cache import SectionCache
from personal_space.sections import SpaceSections
from personal_space.service import PersonalSpaceService
from resolvers.context import Services
from search.runtime import SearchRuntime

log = logging.getLogger("citizen.gateway")


def secret_resolver(settings: Settings) -> Callable[[SystemConfig], str]:
    def secret_for(system: SystemConfig) -> str:
        # The one place department credentials are read; they go to the client, never a log.
        value = os.environ.get(system.secret_env)
        if value:
            return value
        if settings.is_production:
            raise ValueError(f"{system.secret_env} must be set for system {system.name!r} in production")
        return f"dev-secret-{system.name}"

    return secret_for


def subject_linker(settings: Settings, systems: dict[str, SystemConfig]) -> SubjectLinker:
    secret_for = secret_resolver(settings)
    return SubjectLinker({name: secret_for(config) for name, config in systems.items()})


async def build_breakers(settings: Settings) -> AsyncCircuitBreakerFactory:
    """Circuit breakers per department system; with Redis, every instance sees one state, so a
    system that one instance found down is not hammered by the others."""
    if not settings.redis_url:
        return AsyncCircuitBreakerFactory()
    uow = AsyncRedisUnitOfWork(settings.redis_url)
    uow.contexts.prefix = f"{settings.redis_prefix}cbr::"  # type: ignore[attr-defined]
    # purgatory builds a client with redis-py's default pool, which fails past 100 concurrent
    # commands (every department call asks its breaker): ours waits for a connection instead.
    uow.contexts.redis = redis_client(settings.redis_url)  # type: ignore[attr-defined]
    breakers = AsyncCircuitBreakerFactory(uow=uow)
    await breakers.initialize()
    return breakers


def build_engine(settings: Settings) -> AsyncEngine:
    if settings.database_url.startswith("sqlite"):
        engine = create_async_engine(settings.database_url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _wal(connection: Any, _: Any) -> None:
            # Readers and the one writer stop blocking each other (requests, outbox, poller).
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            # In WAL mode NORMAL syncs at checkpoints, not at every commit: a power cut may lose
            # the last commits but never corrupts the file (SQLite's recommended pairing). Every
            # request commits its audit entry, so a sync per commit was a disk flush per request.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_async_engine(settings.database_url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def build_generations(settings: Settings, cache: Cache, engine: AsyncEngine) -> Generations:
    """Where every process that can change a person's data draws their generations from."""
    if settings.redis_url:
        return CachedGenerations(cache)
    if settings.workers == 1:
        return CachedGenerations(InProcessCache())
    return DatabaseGenerations(engine)


def build_response_cache(
    settings: Settings, cache: Cache, cipher: FieldCipher, metrics: CollectorRegistry
) -> ResponseCache:
    store = cache if settings.redis_url else InProcessCache(settings.response_cache_entries)
    return ResponseCache(store, cipher, max_seconds=settings.response_cache_seconds, registry=metrics)


def build_owned_cache(settings: Settings, metrics: CollectorRegistry) -> OwnedCache:
    return OwnedCache(
        max_entries=settings.owned_cache_entries, max_seconds=settings.owned_cache_seconds, registry=metrics
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    settings.check_production_secrets()
    engine = build_engine(settings)
    cache = build_cache(settings.redis_url, settings.redis_prefix)
    rate_limiter = build_rate_limiter(settings.redis_url, settings.redis_prefix)
    http = httpx.AsyncClient(timeout=httpx.Timeout(3.0))
    metrics = CollectorRegistry()
    breakers = await build_breakers(settings)
    systems = load_systems(settings.systems_file, settings.system_urls)
    connectors = build_connectors(
        systems,
        secret_for=secret_resolver(settings),
        client_system=settings.client_system,
        breakers=breakers,
        metrics_registry=metrics,
    )
    cipher = FieldCipher(settings.data_key.get_secret_value().encode(), settings.field_cipher)
    generations = build_generations(settings, cache, engine)
    response_cache = build_response_cache(settings, cache, cipher, metrics)
    owned_cache = build_owned_cache(settings, metrics)
    # Every session announces whose data its commit changed (see personal_space.changes).
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False, info={ON_CHANGE: generations.advance})
    bus = build_bus(settings.redis_url, settings.redis_prefix)
    space = PersonalSpaceService(
        connectors,
        policy(settings.masking_policy),
        settings.pseudonym_key.get_secret_value().encode(),
        SectionCache(
            cache, cipher, fresh_seconds=settings.section_fresh_seconds, keep_seconds=settings.section_keep_seconds
        ),
    )
    space.on_change = generations.advance
    identity = IdentityService(
        cipher,
        subject_linker(settings, systems),
        cache=cache,
        cache_key=lambda subject: f"sec:{IDENTITY_SECTION}:{space.pseudonym_of(subject)}",
    )
    enterprise = EnterpriseService(space, cache, fresh_seconds=settings.section_fresh_seconds)
    staff_authorisations = StaffAuthorisations(enterprise, identity, sessionmaker)
    outbox = OutboxWorker(
        sessionmaker,
        {
            **deliverers(PersonalDeliveries(sessionmaker, identity, space)),
            **enterprise_deliverers(staff_authorisations),
            **agent_and_prefill_deliverers(connectors, cipher),
        },
        bus,
        {**DELIVERY_NOTICES, **ENTERPRISE_DELIVERY_NOTICES, **AGENT_AND_PREFILL_NOTICES},
        lease_seconds=settings.outbox_lease_seconds,
        poll_seconds=settings.outbox_poll_seconds,
    )
    licence_show = LicenceShowService(
        space, settings.show_token_key.get_secret_value().encode(), bus, policy(settings.masking_policy)
    )
    search = SearchRuntime.create(
        elasticsearch_url=settings.elasticsearch_url,
        index=settings.search_index,
        sessionmaker=sessionmaker,
        catalogue_client=connectors.catalogue,
        snapshot=settings.demo_dir / "catalogue-snapshot.json",
    )
    await search.start()
    services = Services(
        identity=identity,
        space=space,
        bus=bus,
        outbox=outbox,
        licence_show=licence_show,
        search=search.service,
        sections=SpaceSections(space),
        enterprise=enterprise,
        staff_authorisations=staff_authorisations,
        agent=AgentService(space, identity, bus, tokenize=search.service.analyzer.tokens),
        prefill=PrefillService(
            space,
            identity,
            load_forms(),
            # Looked up at call time: a reindex replaces the catalogue object.
            catalogue_item=lambda code: search.service.catalogue.items.get(code),
        ),
        poller=CasePoller(sessionmaker, identity, space, bus, cache, interval_seconds=settings.poll_interval_seconds),
        response_cache=response_cache,
        generations=generations,
        owned_cache=owned_cache,
        audit_writer=AuditWriter(sessionmaker),
    )
    app.state.citizen = AppState(
        settings=settings,
        engine=engine,
        sessionmaker=sessionmaker,
        cache=cache,
        http=http,
        verifier=JwksVerifier(
            jwks_url=settings.oidc_jwks_url,
            issuer=settings.oidc_issuer,
            audience=settings.oidc_audience,
            algorithms=settings.oidc_algorithms,
            leeway_seconds=settings.oidc_leeway_seconds,
            cache_seconds=settings.oidc_jwks_cache_seconds,
            http=http,
        ),
        connectors=connectors,
        metrics=metrics,
        services=services,
        rate_limiter=rate_limiter,
    )
    background = [asyncio.create_task(services.poller.run(), name="poller")] if services.poller else []
    if settings.outbox_worker:
        background.append(asyncio.create_task(outbox.run(), name="outbox"))
    # What start-up built (the jieba dictionary, the search index, the schema: millions of
    # objects) lives as long as the process; moved out of the collector's reach, full
    # collections stop walking it again and again under load (measured with bench/cpu_profile.py).
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        for task in background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if services.audit_writer is not None:
            await services.audit_writer.close()
        await search.aclose()
        await bus.aclose()
        await rate_limiter.aclose()
        await connectors.aclose()
        await http.aclose()
        await cache.aclose()
        await engine.dispose()
