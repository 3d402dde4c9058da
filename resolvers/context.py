"""The typed GraphQL context: caller, a lazily opened session (the request's unit of work),
the request's audit trail, client mode and the domain services."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.fastapi import BaseContext

from kit.events import EventBus
from kit.memo import TaskMemo
from personal_space import owned, submissions, timeline
from personal_space.agent import AgentService
from personal_space.audit import AuditTrail
from personal_space.audit_writer import AuditWriter
from personal_space.caller import Caller
from personal_space.changes import announced, wrote
from personal_space.enterprise import EnterpriseService
from personal_space.enterprise_grants import StaffAuthorisations
from personal_space.generations import Generations
from personal_space.identity import IdentityService, PersonRecord
from personal_space.licence_show import LicenceShowService
from personal_space.outbox import OutboxWorker
from personal_space.owned import FavouriteView, NotificationView, PreferenceView
from personal_space.owned_cache import OwnedCache
from personal_space.person_sections import PersonSections
from personal_space.polling import CasePoller
from personal_space.prefill import PrefillService
from personal_space.response_cache import ResponseCache
from personal_space.sections import SpaceSections
from personal_space.service import PersonalSpaceService
from personal_space.submissions import SubmissionView
from personal_space.timeline import LicenceShowRecord
from resolvers.loaders import Loaders
from search.service import SearchService

T = TypeVar("T")
log = logging.getLogger("citizen.cache")


class ClientMode(StrEnum):
    STANDARD = "standard"
    ELDER = "elder"


@dataclass(frozen=True)
class Services:
    """Stateless domain services built once by the gateway's lifespan."""

    identity: IdentityService
    space: PersonalSpaceService
    bus: EventBus
    outbox: OutboxWorker
    licence_show: LicenceShowService
    sections: SpaceSections
    poller: CasePoller | None = None
    # Smart search and answers; None only where a caller builds Services without it.
    search: SearchService | None = None
    # The enterprise space and staff authorisations; None only where a caller builds Services without them.
    enterprise: EnterpriseService | None = None
    staff_authorisations: StaffAuthorisations | None = None
    # The 12345 agent workspace and form prefill; None only where a caller builds Services without them.
    agent: AgentService | None = None
    prefill: PrefillService | None = None
    # Whole answers about a person; None where a caller builds Services without it.
    response_cache: ResponseCache | None = None
    # Group commit of read-only requests' audit entries; without it each request writes its own.
    audit_writer: AuditWriter | None = None
    # Each person's generation, and what we own of them kept under it; None: always read afresh.
    generations: Generations | None = None
    owned_cache: OwnedCache | None = None


class Context(BaseContext):
    def __init__(
        self,
        *,
        services: Services,
        sessionmaker: async_sessionmaker[AsyncSession],
        request_id: str,
        client_mode: ClientMode,
        caller: Caller | None = None,
        person: PersonRecord | None = None,
        auth_error: str | None = None,
        session: AsyncSession | None = None,
        revalidate: bool = False,
    ) -> None:
        super().__init__()
        self.services = services
        self.request_id = request_id
        self.client_mode = client_mode
        # The client asked for the latest (Cache-Control: no-cache): build, do not reuse.
        self.revalidate = revalidate
        # Set once the operation is known: a query writes nothing the person sees.
        self.read_only = False
        self.caller = caller
        self.person = person
        self.auth_error = auth_error
        self.audit = AuditTrail(caller=caller, request_id=request_id)
        self.after_commit: list[Callable[[], None]] = []
        self.loaders = Loaders(self)
        # What several fields of one request read (preferences, favourites, sections): read once.
        self.memo = TaskMemo()
        self._person_sections: PersonSections | None = None
        # Set by the gateway: verifies a bearer token and fills caller and person.
        self.authenticator: Callable[[Context, str | None], Awaitable[None]] | None = None
        self._sessionmaker = sessionmaker
        self._session = session
        # Sibling fields resolve concurrently; one AsyncSession must not be used by two at once.
        self._session_lock = asyncio.Lock()

    @asynccontextmanager
    async def db(self) -> AsyncIterator[AsyncSession]:
        async with self._session_lock:
            if self._session is None:
                self._session = self._sessionmaker()
            yield self._session

    def person_sections(self, caller: Caller, person: PersonRecord) -> PersonSections:
        """The sections of the person this request is about, each read at most once."""
        if self._person_sections is None or self._person_sections.person.account_id != person.account_id:
            self._person_sections = PersonSections(self.services.sections, caller, person, self.audit)
        return self._person_sections

    async def generation_of(self, account_id: str) -> str | None:
        """The person's generation (`personal_space.generations`), read once per request; None
        where there are none (nothing may be kept then)."""
        generations = self.services.generations
        if generations is None:
            return None
        return await self.memo.get(("generation", account_id), lambda: generations.current(account_id))

    async def preferences_of(self, account_id: str) -> PreferenceView:
        return await self._owned("preferences", account_id, owned.preferences)

    async def favourites_of(self, account_id: str) -> Sequence[FavouriteView]:
        return await self._owned("favourites", account_id, owned.favourites)

    async def notifications_of(self, account_id: str) -> Sequence[NotificationView]:
        return await self._owned("notifications", account_id, owned.notifications)

    async def submissions_of(self, account_id: str) -> Sequence[SubmissionView]:
        return await self._owned("submissions", account_id, submissions.of_account)

    async def licence_shows_of(self, account_id: str) -> Sequence[LicenceShowRecord]:
        return await self._owned("licenceShows", account_id, timeline.licence_shows_of)

    async def _owned(self, kind: str, account_id: str, query: Callable[[AsyncSession, str], Awaitable[T]]) -> T:
        """Rows we own of the person, read once per request and, in a query, once per generation."""

        async def from_database() -> T:
            async with self.db() as session:
                return await query(session, account_id)

        async def read() -> T:
            cache = self.services.owned_cache
            if cache is None or not cache.enabled or not self.read_only:
                return await from_database()
            try:
                generation = await self.generation_of(account_id)
            except Exception:
                # Without the generation nothing kept can be trusted; the database still answers.
                log.warning("generations unavailable: reading %s afresh", kind, exc_info=True)
                generation = None
            if generation is None:
                return await from_database()
            return await cache.read(account_id, generation, kind, from_database)

        return await self.memo.get((kind, account_id), read)

    async def authenticate(self, authorization: str | None) -> None:
        if self.authenticator is not None:
            await self.authenticator(self, authorization)

    async def finish(self, *, failed: bool) -> None:
        """End the unit of work: keep the writes unless something unexpected failed; the audit
        entry is written either way, in the writes' transaction or, for a request that only
        read, in a batch with other requests' entries."""
        writer = self.services.audit_writer
        if writer is not None and (self._session is None or not wrote(self._session.sync_session)):
            async with self._session_lock:
                if self._session is not None:
                    await self._session.close()
                    self._session = None
            await writer.append(self.audit.take_entries())
            for hook in self.after_commit:
                hook()
            return
        async with self.db() as session:
            try:
                if failed:
                    await session.rollback()
                await self.audit.flush(session)
                await session.commit()
                # The caller's next read must not meet an answer from before this write.
                await announced(session.sync_session)
                for hook in self.after_commit:
                    hook()
            except BaseException:
                await session.rollback()
                raise
            finally:
                await session.close()
                self._session = None


Info = strawberry.Info[Context, None]
