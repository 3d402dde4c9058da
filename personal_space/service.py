"""Use cases of the personal space. Services take the caller and never commit."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from connectors.base import CallContext
from connectors.config import SystemConfig
from connectors.errors import NotFound
from connectors.licences.models import Licence
from connectors.registry import Connectors
from kit.masking import MaskingPolicy
from personal_space.audit import ENTERPRISE_ACCESS, AuditTrail
from personal_space.caller import Caller
from personal_space.changes import OnChange
from personal_space.errors import NotAllowed
from personal_space.identity import PersonRecord
from personal_space.section_cache import ItemsCodec, SectionCache, items_codec
from personal_space.views import Federated, LicenceView, ProfileView, Provenance

ItemT = TypeVar("ItemT")


class PersonalSpaceService:
    def __init__(
        self, connectors: Connectors, masking: MaskingPolicy, pseudonym_key: bytes, sections: SectionCache
    ) -> None:
        self.connectors = connectors
        self.sections = sections
        self.masking = masking
        self._pseudonym_key = pseudonym_key
        # Told when a person's data moved (the response cache forgets their answers).
        self.on_change: OnChange | None = None

    def pseudonym(self, caller: Caller) -> str:
        """A per-deployment stable pseudonym: departments can correlate calls, not identify people."""
        return self.pseudonym_of(caller.subject)

    def pseudonym_of(self, subject: str) -> str:
        return hmac.new(self._pseudonym_key, subject.encode(), hashlib.sha256).hexdigest()[:32]

    def call_context(self, caller: Caller, request_id: str, purpose: str) -> CallContext:
        return CallContext(request_id=request_id, purpose=purpose, user_pseudonym=self.pseudonym(caller))

    def profile(self, person: PersonRecord, audit: AuditTrail) -> ProfileView:
        audit.read(person.account_id, "profile")
        m = self.masking
        return ProfileView(
            name=m.name(person.name) or "",
            id_number=m.id_number(person.id_number) or "",
            phone=m.phone(person.phone),
            birth_date=person.birth_date,
            gender=person.gender,
            prefecture=person.prefecture,
            address=_mask_address(person.address),
            age=person.age_on(datetime.now(UTC).date()),
        )

    async def licences(self, caller: Caller, person: PersonRecord, audit: AuditTrail) -> Federated[LicenceView]:
        audit.read(person.account_id, "licences")
        call = self.call_context(caller, audit.request_id, audit.purpose)
        client = self.connectors.licences

        async def fetch() -> list[LicenceView]:
            items = await client.by_holder(person.id_number, call)
            return [
                self._licence_view(item) for item in sorted(items, key=lambda i: (i.status_code != "01", i.type_name))
            ]

        return await self.section("licences", client.base.config, call, fetch, items_codec(LicenceView), audit)

    async def licence_by_id(
        self, caller: Caller, person: PersonRecord, licence_id: str, audit: AuditTrail
    ) -> tuple[LicenceView, Provenance]:
        """One licence, only for its holder or for staff of the holding company with the scope.
        Someone else's licence is reported exactly like a missing one."""
        call = self.call_context(caller, audit.request_id, audit.purpose)
        client = self.connectors.licences
        try:
            item = await client.by_id(licence_id, call)
        except NotFound:
            raise NotAllowed("对象不存在或无权访问") from None
        if item.holder_id_type == "111" and item.holder_id.upper() == person.id_number.upper():
            audit.read(person.account_id, "licences")
        elif item.holder_id_type == "001" and caller_may(caller, item.holder_id, "licences"):
            # A company's licence read by its staff is enterprise business, like its space.
            audit.bind_purpose(f"e:{item.holder_id}", ENTERPRISE_ACCESS)
            audit.read(f"e:{item.holder_id}", "licences")
        else:
            raise NotAllowed("对象不存在或无权访问")
        view = self._licence_view(item)
        return view, self.provenance(client.base.config)

    def _licence_view(self, item: Licence) -> LicenceView:
        m = self.masking
        return LicenceView(
            licence_id=item.licence_id,
            type_code=item.type_code,
            type_name=item.type_name,
            number=m.licence_number(item.number) or "",
            holder_name=m.name(item.holder_name) or "",
            issuer=item.issuer,
            issued_on=item.issued_on,
            valid_from=item.valid_from,
            valid_until=item.valid_until,
            status_code=item.status_code,
            status_name=item.status_name,
        )

    def provenance(self, system: SystemConfig, stale: bool = False) -> Provenance:
        return Provenance(system=system.title, department=system.department, fetched_at=datetime.now(UTC), stale=stale)

    async def section(
        self,
        name: str,
        system: SystemConfig,
        call: CallContext,
        fetch: Callable[[], Awaitable[list[ItemT]]],
        codec: ItemsCodec[ItemT],
        audit: AuditTrail,
    ) -> Federated[ItemT]:
        try:
            section = await self.sections.get(f"sec:{name}:{call.user_pseudonym}", fetch, codec)
        except Exception:
            audit.failed_read(name)
            raise
        source = Provenance(
            system=system.title, department=system.department, fetched_at=section.fetched_at, stale=section.stale
        )
        return Federated(section.items, source)

    async def invalidate_subject(self, subject: str, *sections: str, account_id: str) -> None:
        """The department says these sections of the person moved: drop them, and every answer
        built from them."""
        for name in sections:
            await self.sections.invalidate(f"sec:{name}:{self.pseudonym_of(subject)}")
        if self.on_change is not None:
            await self.on_change(frozenset({account_id}))


def caller_may(caller: Caller, uscc: str, scope: str) -> bool:
    """Legal representatives may do everything for their company; staff only within scope."""
    for binding in caller.bindings:
        if binding.uscc == uscc.upper():
            return binding.relation == "legal_representative" or scope in binding.scopes or "*" in binding.scopes
    return False


def _mask_address(address: str | None) -> str | None:
    """Keep the place down to the district; hide the street and number."""
    if not address:
        return address
    for marker in ("区", "县", "市"):
        cut = address.rfind(marker, 0, 12)
        if cut > 0:
            return address[: cut + 1] + "****"
    return address[:6] + "****"
