"""The enterprise space (企业服务空间): what a company's legal representative and its authorised
staff see of it — registration, licences and permits, cases, ratings, bills and (for the legal
representative) the staff authorisations.

Who decides. The enterprise registry (市场主体登记系统, the source of truth of the 电子营业执照)
is authoritative; our `enterprise_bindings` rows are a cache of it:

- no live binding row for the company → NotAllowed at once, without any department call: a
  cheap refusal that tells a prober nothing about the company;
- with a binding, the registry is asked who the legal representative is and which grants are
  active (one shared cached answer per company, fresh for `section_fresh_seconds`). Its answer
  wins: a grant revoked, narrowed or extended at the registry changes access on the next read,
  and the binding row is corrected (removed, or its scopes and expiry rewritten) in that request;
- the registry down: its last good answer is used for up to REGISTRY_GRACE_SECONDS, marked
  stale; without one the space fails closed (null, DEPARTMENT_UNAVAILABLE).

Scopes of the registry's grant decide which sections a staff member sees; a section outside
them is refused before its department is called. Every section read is audited against the
company (`e:{uscc}`) with the purpose `enterprise_access`.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal, TypeVar, get_args
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import CallContext
from connectors.bills.models import Bill, BillSummary
from connectors.cases.models import Case
from connectors.config import SystemConfig
from connectors.enterprise.models import Authorisation, Company, Scope
from connectors.errors import NotFound
from connectors.licences.models import Licence
from connectors.ratings.models import Rating
from kit.cache import Cache
from kit.identifiers import is_valid_uscc
from kit.masking import MaskingPolicy
from personal_space import enterprise_bindings as bindings
from personal_space.audit import ENTERPRISE_ACCESS, AuditTrail
from personal_space.caller import Caller
from personal_space.enterprise_bindings import LEGAL_REPRESENTATIVE, STAFF, Standing
from personal_space.errors import NotAllowed
from personal_space.identity import IDENTITY_SECTION, PersonRecord
from personal_space.owned import InvalidInput
from personal_space.section_cache import ItemsCodec, SectionCache, items_codec
from personal_space.service import PersonalSpaceService
from personal_space.views import Federated, LicenceView, Provenance

ModelT = TypeVar("ModelT", bound=BaseModel)
ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")
SessionOpener = Callable[[], AbstractAsyncContextManager[AsyncSession]]

CHINA = ZoneInfo("Asia/Shanghai")
PURPOSE = ENTERPRISE_ACCESS
COMPANY_ID_TYPE: Literal["001"] = "001"  # 统一社会信用代码, as the licence, case and bills systems code it
ALL_SCOPES: tuple[str, ...] = get_args(Scope)
SCOPE_LABELS = {
    "licences": "证照",
    "cases": "办件",
    "workorders": "12345工单",
    "ratings": "好差评",
    "appointments": "预约",
    "records": "社保医保公积金",
    "bills": "水电气缴费",
    "staff": "授权管理",
}
# How long a registry answer may stand in for the registry while it is down. Short on purpose:
# past it, a revocation we could not see would matter more than the outage.
REGISTRY_GRACE_SECONDS = 900.0
# One refusal for "no such company", "not yours" and "not bound": nothing to tell them apart.
REFUSAL = "无权访问该企业空间（未绑定该企业或授权已失效）"


class SectionNotAllowed(NotAllowed):
    """A section outside the caller's scopes; the rest of the space is still theirs."""

    def __init__(self, section: str, scope: str) -> None:
        label = SCOPE_LABELS.get(scope, scope)
        super().__init__(f"您未获得该企业「{label}」事项的授权，无法查看此部分")
        self.section = section
        self.scope = scope


class RegistryRecord(BaseModel):
    """The registry's answer about one company, masked: registration and every authorisation."""

    company: Company
    grants: list[Authorisation]


@dataclass(frozen=True, slots=True)
class EnterpriseAccess:
    """A caller's verified standing for one company, valid for one request."""

    caller: Caller
    uscc: str
    standing: Standing
    registry: RegistryRecord
    registry_source: Provenance

    @property
    def company_name(self) -> str:
        return self.registry.company.name

    @property
    def is_legal_representative(self) -> bool:
        return self.standing.relation == LEGAL_REPRESENTATIVE

    @property
    def scopes(self) -> list[str]:
        return list(ALL_SCOPES) if self.is_legal_representative else sorted(self.standing.scopes)

    def allows(self, scope: str) -> bool:
        return self.is_legal_representative or scope in self.standing.scopes


def data_subject(uscc: str) -> str:
    """How the audit log names a company as the subject of a read."""
    return f"e:{uscc}"


def china_today() -> date:
    return datetime.now(UTC).astimezone(CHINA).date()


def check_uscc(value: str, field: str = "uscc") -> str:
    uscc = value.strip().upper()
    if not is_valid_uscc(uscc):
        raise InvalidInput(field, "统一社会信用代码格式或校验位不正确")
    return uscc


def standing_of(record: RegistryRecord, person_key: str, today: date) -> Standing | None:
    """What the registry makes of this person for this company, or None."""
    if hmac.compare_digest(record.company.legal_representative.person_key, person_key):
        return Standing(LEGAL_REPRESENTATIVE, frozenset(ALL_SCOPES), None)
    for grant in record.grants:
        # The expiry is checked here too: a cached answer may be older than the grant's last day.
        if grant.status == "有效" and grant.expires_on >= today and hmac.compare_digest(grant.staff_key, person_key):
            return Standing(STAFF, frozenset(grant.scopes), grant.expires_on)
    return None


class EnterpriseService:
    def __init__(self, space: PersonalSpaceService, cache: Cache, *, fresh_seconds: float) -> None:
        self.space = space
        self.connectors = space.connectors
        self._registry = SectionCache(
            cache, space.sections.cipher, fresh_seconds=fresh_seconds, keep_seconds=REGISTRY_GRACE_SECONDS
        )

    @property
    def masking(self) -> MaskingPolicy:
        return self.space.masking

    def call_context(self, caller: Caller, audit: AuditTrail) -> CallContext:
        return self.space.call_context(caller, audit.request_id, PURPOSE)

    # -- who may see the space ------------------------------------------------------------------

    async def open(
        self, caller: Caller, person: PersonRecord, uscc: str, audit: AuditTrail, db: SessionOpener
    ) -> EnterpriseAccess:
        """The caller's standing for the company, confirmed by the registry; NotAllowed otherwise."""
        uscc = check_uscc(uscc)
        binding = next((b for b in caller.bindings if b.uscc == uscc), None)
        if binding is None:
            raise NotAllowed(REFUSAL)
        # The purpose of the company's audit entry; the person's own reads keep theirs.
        audit.bind_purpose(data_subject(uscc), PURPOSE)
        call = self.call_context(caller, audit)
        try:
            record, source = await self.registry(uscc, call)
        except NotFound:
            raise NotAllowed(REFUSAL) from None
        standing = standing_of(record, self.connectors.enterprise.person_key(person.id_number), china_today())
        if standing is None or not standing.matches(binding.relation, binding.scopes, binding.expires_at):
            # The registry moved on (revoked, narrowed, renewed): the cache follows it now.
            async with db() as session:
                if standing is None:
                    await bindings.remove(session, caller.account_id, uscc)
                else:
                    await bindings.rewrite(session, caller.account_id, uscc, record.company.name, standing)
            await self.space.invalidate_subject(
                caller.subject, IDENTITY_SECTION, "enterprises", account_id=caller.account_id
            )
        if standing is None:
            raise NotAllowed(REFUSAL)
        return EnterpriseAccess(caller, uscc, standing, record, source)

    async def registry(self, uscc: str, call: CallContext) -> tuple[RegistryRecord, Provenance]:
        """The registry's masked answer about a company, shared by every caller and instance."""
        client = self.connectors.enterprise
        m = self.masking

        async def fetch() -> list[RegistryRecord]:
            company, grants = await asyncio.gather(client.company(uscc, call), client.authorisations(uscc, call))
            masked_company = company.model_copy(
                update={
                    "legal_representative": company.legal_representative.model_copy(
                        update={"name": m.name(company.legal_representative.name)}
                    )
                }
            )
            return [RegistryRecord(company=masked_company, grants=[_mask_grant(m, g) for g in grants])]

        section = await self._registry.get(f"ent:registry:{uscc}", fetch, items_codec(RegistryRecord))
        return section.items[0], _provenance(client.base.config, section.fetched_at, section.stale)

    async def forget_registry(self, uscc: str) -> None:
        """After a grant or revocation: the next read asks the registry again, on every instance."""
        await self._registry.invalidate(f"ent:registry:{uscc}")

    # -- the sections ---------------------------------------------------------------------------

    def company(self, access: EnterpriseAccess, audit: AuditTrail) -> tuple[Company, Provenance]:
        """Registration details: every bound caller sees them (they are on the business licence)."""
        audit.read(data_subject(access.uscc), "company")
        return access.registry.company, access.registry_source

    def staff_authorisations(self, access: EnterpriseAccess, audit: AuditTrail) -> Federated[Authorisation]:
        if not access.is_legal_representative:
            raise SectionNotAllowed("staffAuthorisations", "staff")
        audit.read(data_subject(access.uscc), "staffAuthorisations")
        return Federated(list(access.registry.grants), access.registry_source)

    async def licences(self, access: EnterpriseAccess, audit: AuditTrail) -> Federated[LicenceView]:
        self._require(access, "licences", "licences")
        client = self.connectors.licences
        call = self.call_context(access.caller, audit)

        async def fetch() -> list[LicenceView]:
            items = await client.by_holder(access.uscc, call, holder_id_type=COMPANY_ID_TYPE)
            ordered = sorted(items, key=lambda i: (i.status_code != "01", i.type_code, i.issued_on))
            return [company_licence_view(self.masking, item) for item in ordered]

        return await self._section(access, "licences", client.base.config, fetch, items_codec(LicenceView), audit)

    async def cases(self, access: EnterpriseAccess, audit: AuditTrail) -> Federated[Case]:
        self._require(access, "cases", "cases")
        client = self.connectors.cases
        call = self.call_context(access.caller, audit)

        async def fetch() -> list[Case]:
            page = await client.by_holder(access.uscc, call, holder_id_type=COMPANY_ID_TYPE, limit=200)
            return [mask_case(self.masking, c) for c in page.items]

        return await self._section(access, "cases", client.base.config, fetch, items_codec(Case), audit)

    async def ratings(self, access: EnterpriseAccess, audit: AuditTrail) -> Federated[Rating]:
        self._require(access, "ratings", "ratings")
        client = self.connectors.ratings
        call = self.call_context(access.caller, audit)

        async def fetch() -> list[Rating]:
            page = await client.by_subject(access.uscc, call, limit=200)
            return [mask_rating(self.masking, r) for r in page.items]

        return await self._section(access, "ratings", client.base.config, fetch, items_codec(Rating), audit)

    async def bills(self, access: EnterpriseAccess, audit: AuditTrail) -> Federated[Bill]:
        self._require(access, "bills", "bills")
        client = self.connectors.bills
        call = self.call_context(access.caller, audit)

        async def fetch() -> list[Bill]:
            try:
                page = await client.bills(access.uscc, call, holder_id_type=COMPANY_ID_TYPE, page_size=100)
            except NotFound:
                return []  # the utilities know no account of this company: no bills, not an error
            return page.items

        return await self._section(access, "bills", client.base.config, fetch, items_codec(Bill), audit)

    async def bill_summary(self, access: EnterpriseAccess, audit: AuditTrail) -> Federated[BillSummary]:
        self._require(access, "billSummary", "bills")
        client = self.connectors.bills
        call = self.call_context(access.caller, audit)

        async def fetch() -> list[BillSummary]:
            try:
                return [await client.summary(access.uscc, call, holder_id_type=COMPANY_ID_TYPE)]
            except NotFound:
                return [BillSummary(outstanding=[], total_due=Decimal("0.00"), as_of=china_today())]

        return await self._section(access, "billSummary", client.base.config, fetch, items_codec(BillSummary), audit)

    # -- single objects (node / federation references) -------------------------------------------

    async def case_by_id(
        self, caller: Caller, person: PersonRecord, case_id: str, audit: AuditTrail, db: SessionOpener
    ) -> tuple[Case, Provenance]:
        """A company's case, for those who may see the company's cases; anything else looks missing."""
        client = self.connectors.cases
        case = await _or_refused(client.by_id(case_id, self.call_context(caller, audit)))
        if case.applicant.id_type != COMPANY_ID_TYPE:
            raise NotAllowed(REFUSAL)
        access = await self.open(caller, person, case.applicant.id_number, audit, db)
        self._require(access, "cases", "cases")
        audit.read(data_subject(access.uscc), "cases")
        return mask_case(self.masking, case), self.space.provenance(client.base.config)

    async def rating_by_id(
        self, caller: Caller, person: PersonRecord, rating_id: str, audit: AuditTrail, db: SessionOpener
    ) -> tuple[Rating, Provenance]:
        client = self.connectors.ratings
        rating = await _or_refused(client.by_id(rating_id, self.call_context(caller, audit)))
        company = rating.applicant_id or ""
        if not is_valid_uscc(company):
            raise NotAllowed(REFUSAL)
        access = await self.open(caller, person, company, audit, db)
        self._require(access, "ratings", "ratings")
        audit.read(data_subject(access.uscc), "ratings")
        return mask_rating(self.masking, rating), self.space.provenance(client.base.config)

    async def bill_by_id(
        self, caller: Caller, person: PersonRecord, uscc: str, bill_id: str, audit: AuditTrail, db: SessionOpener
    ) -> tuple[Bill, Provenance]:
        """A bill names no holder id, so its id carries the company: the bill must be on one of
        that company's utility accounts."""
        access = await self.open(caller, person, uscc, audit, db)
        self._require(access, "bills", "bills")
        client = self.connectors.bills
        call = self.call_context(caller, audit)
        bill, accounts = await asyncio.gather(
            _or_refused(client.bill(bill_id, call)),
            _or_refused(client.accounts(access.uscc, call, holder_id_type=COMPANY_ID_TYPE)),
        )
        if bill.account_no not in {a.account_no for a in accounts}:
            raise NotAllowed(REFUSAL)
        audit.read(data_subject(access.uscc), "bills")
        return bill, self.space.provenance(client.base.config)

    async def authorisation_by_id(
        self, caller: Caller, person: PersonRecord, uscc: str, grant_id: str, audit: AuditTrail, db: SessionOpener
    ) -> tuple[Authorisation, Provenance]:
        access = await self.open(caller, person, uscc, audit, db)
        section = self.staff_authorisations(access, audit)
        grant = next((g for g in section.items if g.grant_id == grant_id), None)
        if grant is None:
            raise NotAllowed(REFUSAL)
        return grant, section.source

    # -- the machinery ----------------------------------------------------------------------------

    def _require(self, access: EnterpriseAccess, section: str, scope: str) -> None:
        if not access.allows(scope):
            raise SectionNotAllowed(section, scope)

    async def _section(
        self,
        access: EnterpriseAccess,
        name: str,
        system: SystemConfig,
        fetch: Callable[[], Awaitable[list[ItemT]]],
        codec: ItemsCodec[ItemT],
        audit: AuditTrail,
    ) -> Federated[ItemT]:
        audit.read(data_subject(access.uscc), name)
        try:
            # Keyed by company, not caller: everyone allowed the section sees the same masked copy.
            section = await self.space.sections.get(f"ent:{name}:{access.uscc}", fetch, codec)
        except Exception:
            audit.failed_read(name)
            raise
        return Federated(section.items, _provenance(system, section.fetched_at, section.stale))


def company_licence_view(m: MaskingPolicy, item: Licence) -> LicenceView:
    # A company's name is public (it is on the licence on the wall); its number is still masked.
    return LicenceView(
        licence_id=item.licence_id,
        type_code=item.type_code,
        type_name=item.type_name,
        number=m.licence_number(item.number) or "",
        holder_name=item.holder_name,
        issuer=item.issuer,
        issued_on=item.issued_on,
        valid_from=item.valid_from,
        valid_until=item.valid_until,
        status_code=item.status_code,
        status_name=item.status_name,
    )


def mask_case(m: MaskingPolicy, case: Case) -> Case:
    """The applicant is the company; who submitted it for the company is a person."""
    submitted_by = case.submitted_by
    if submitted_by is not None and submitted_by.id_type != COMPANY_ID_TYPE:
        submitted_by = submitted_by.model_copy(
            update={"name": m.name(submitted_by.name), "id_number": m.id_number(submitted_by.id_number)}
        )
    return case.model_copy(update={"submitted_by": submitted_by})


def mask_rating(m: MaskingPolicy, rating: Rating) -> Rating:
    rater = rating.rater
    if rater.id_type != COMPANY_ID_TYPE:
        rater = rater.model_copy(update={"name": m.name(rater.name), "id_number": m.id_number(rater.id_number)})
    return rating.model_copy(update={"rater": rater})


def _mask_grant(m: MaskingPolicy, grant: Authorisation) -> Authorisation:
    return grant.model_copy(
        update={
            "staff_name": m.name(grant.staff_name) or "",
            "granted_by_name": m.name(grant.granted_by_name) or "",
            "revoked_by_name": m.name(grant.revoked_by_name),
        }
    )


def _provenance(system: SystemConfig, fetched_at: datetime, stale: bool) -> Provenance:
    return Provenance(system=system.title, department=system.department, fetched_at=fetched_at, stale=stale)


async def _or_refused(work: Awaitable[ResultT]) -> ResultT:
    """A missing object is reported exactly like someone else's."""
    try:
        return await work
    except NotFound:
        raise NotAllowed(REFUSAL) from None
