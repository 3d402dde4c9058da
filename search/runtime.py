"""Search as the gateway runs it: built at start-up, kept in step with the catalogue, closed at the end.

At start the FAQ table is seeded (only entries not there yet), the catalogue is fetched from the
事项管理 system (or the last snapshot when it is down) and the index is built. Afterwards a
background task asks the catalogue system for items changed since the last sync and reindexes
only those; operator FAQ edits are reindexed as they are saved.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.base import CallContext
from connectors.catalogue.client import CatalogueClient
from connectors.errors import DepartmentError
from search import faq as faq_store
from search.catalogue import fetch_changes
from search.engine import Progress
from search.factory import build_engine, build_service, load_catalogue, save_snapshot
from search.service import SearchService

log = logging.getLogger("citizen.search")
SYNC_PURPOSE = "CATALOGUE_SYNC"
DEFAULT_SYNC_SECONDS = 300.0


@dataclass
class SearchRuntime:
    service: SearchService
    sessionmaker: async_sessionmaker[AsyncSession]
    catalogue_client: CatalogueClient | None = None
    snapshot: Path | None = None
    sync_seconds: float = DEFAULT_SYNC_SECONDS
    _task: asyncio.Task[None] | None = field(default=None, init=False)

    @classmethod
    def create(
        cls,
        *,
        elasticsearch_url: str | None,
        index: str,
        sessionmaker: async_sessionmaker[AsyncSession],
        catalogue_client: CatalogueClient | None,
        snapshot: Path | None,
    ) -> SearchRuntime:
        """The engine from configuration (embedded unless Elasticsearch is configured)."""
        service = build_service(build_engine(elasticsearch_url, index))
        return cls(service=service, sessionmaker=sessionmaker, catalogue_client=catalogue_client, snapshot=snapshot)

    async def start(self, *, seed_faq: bool = True, background_sync: bool = True, reindex: bool = True) -> int:
        """Seed, load and index; a failure leaves search degraded and the sync task retrying."""
        count = 0
        try:
            if seed_faq:
                async with self.sessionmaker() as session:
                    await faq_store.seed(session, faq_store.load_seed())
                    await session.commit()
            if reindex:
                count = await self.reindex()
        except Exception as exc:
            # The gateway serves everything else meanwhile; /readyz reports search as down.
            self.last_error = f"start failed: {type(exc).__name__}"
            log.exception("search could not start")
        if background_sync:
            self._task = asyncio.create_task(self._sync_forever(), name="catalogue-sync")
        return count

    async def reindex(self, progress: Progress | None = None) -> int:
        """Rebuild from the catalogue system and the FAQ in SQL; searches go on meanwhile."""
        call = CallContext(request_id="search-reindex", purpose=SYNC_PURPOSE)
        catalogue = await load_catalogue(self.catalogue_client, call, self.snapshot)
        async with self.sessionmaker() as session:
            faqs = await faq_store.active(session)
        self.last_error = None if catalogue.items else "catalogue not loaded"
        return await self.service.load(catalogue, faqs, progress)

    async def sync_catalogue(self) -> int:
        """Reindex the items changed since the last sync; returns how many documents changed."""
        if self.catalogue_client is None:
            return 0
        call = CallContext(request_id="search-sync", purpose=SYNC_PURPOSE)
        since = self.service.catalogue.synced_until
        items, bundles, server_time = await fetch_changes(self.catalogue_client, since, call)
        changed = await self.service.apply_catalogue_changes(items, bundles)
        if server_time is not None:
            self.service.catalogue.synced_until = server_time
        if changed and self.snapshot is not None:
            save_snapshot(self.service.catalogue, self.snapshot)
        return changed

    async def _sync_forever(self) -> None:
        while True:
            await asyncio.sleep(self.sync_seconds)
            try:
                if self.last_error or not self.service.catalogue.items:
                    await self.reindex()
                else:
                    await self.sync_catalogue()
            except DepartmentError as exc:
                self.last_error = exc.code
                log.warning("catalogue sync failed", extra={"error": exc.code})
            except Exception as exc:
                self.last_error = f"sync failed: {type(exc).__name__}"
                log.exception("search sync failed")

    @property
    def last_error(self) -> str | None:
        return self.service.problem

    @last_error.setter
    def last_error(self, value: str | None) -> None:
        # Kept on the service, which /readyz reaches through the request context's services.
        self.service.problem = value

    async def health(self) -> str:
        return await self.service.health()

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.service.engine.aclose()
