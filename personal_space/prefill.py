"""Form prefill (无感通办): the application form of an item, filled from what the government
already knows — the real-name profile, electronic licences, social-insurance and housing-fund
records, utility accounts, the company register — and the materials an electronic licence
covers (免提交).

Only the fields the item needs are read (minimum necessary: the field sets are data, in
`data/forms.json`), each read is audited with the item as purpose, values are masked as
everywhere else, and the draft expires. `start_application` files the case through the outbox.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import CallContext
from connectors.bills.models import UtilityAccount
from connectors.cases.client import CasesClient
from connectors.cases.models import NewCase, Party
from connectors.catalogue.models import ServiceItem
from connectors.config import SystemConfig
from connectors.enterprise.models import Company
from connectors.errors import DepartmentError, NotFound
from connectors.licences.models import Licence
from kit.crypto import FieldCipher
from kit.masking import MaskingPolicy
from personal_space.audit import AuditTrail
from personal_space.caller import Caller
from personal_space.errors import DomainError, NotAllowed
from personal_space.identity import IdentityService, PersonRecord
from personal_space.models import Account, PrefillDraft, Submission, utcnow
from personal_space.outbox import Deliver, Delivered, enqueue
from personal_space.owned import InvalidInput, check_item_code
from personal_space.service import PersonalSpaceService, caller_may

FORMS_FILE = Path(__file__).parent / "data" / "forms.json"
SOURCE_KINDS = ("profile", "licence", "records", "utility", "company", "company_licence", "input")
KIND_PREFILL_APPLICATION = "prefill_application"
OPERATION_CREATE_CASE = "cases.create_from_prefill"
PARTY_CONTEXT = "outbox:party"
NOTE_CONTEXT = "outbox:note"
MAX_EDIT_CHARS = 200
# The case system takes at most 20 material names of up to 60 characters.
MAX_MATERIALS, MAX_MATERIAL_CHARS, MAX_NOTE_CHARS = 20, 60, 500
VERIFIED_PROFILE_FIELDS = frozenset({"name", "id_number", "gender", "birth_date"})


class PrefillUnavailable(DomainError):
    code = "PREFILL_NOT_AVAILABLE"


class UnknownItem(DomainError):
    code = "UNKNOWN_ITEM"


class DraftUnusable(DomainError):
    """Expired, already used, or for another item: the applicant prefills again."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# -- the form catalogue (data/forms.json) ---------------------------------------------------------


class FieldSpec(BaseModel):
    label: str = Field(min_length=1, max_length=40)
    source: str = Field(min_length=5, max_length=80)
    editable: bool = False
    required: bool = False

    @property
    def kind(self) -> str:
        return self.source.split(".", 1)[0]

    @property
    def path(self) -> list[str]:
        return self.source.split(".")[1:]


class FormCatalogue(BaseModel):
    draft_days: int = Field(default=7, ge=1, le=30)
    third_party_markers: list[str]
    legal_representative_markers: list[str]
    company_licence_types: list[str]
    fields: dict[str, FieldSpec]
    sets: dict[str, list[str]]
    # By audience, then theme: one theme (税收财务) has both personal and company items.
    themes: dict[str, dict[str, list[str]]]
    items: dict[str, list[str]]

    @model_validator(mode="after")
    def _references_resolve(self) -> FormCatalogue:
        for key, spec in self.fields.items():
            if spec.kind not in SOURCE_KINDS:
                raise ValueError(f"field {key}: unknown source {spec.source!r}")
        themes = [(f"{audience}/{theme}", e) for audience, by in self.themes.items() for theme, e in by.items()]
        for name, entries in [*self.sets.items(), *themes, *self.items.items()]:
            for entry in entries:
                if entry.startswith("@"):
                    if entry[1:] not in self.sets:
                        raise ValueError(f"{name}: unknown field set {entry}")
                elif entry not in self.fields:
                    raise ValueError(f"{name}: unknown field {entry}")
        return self

    def field_keys(self, item: ServiceItem) -> list[str] | None:
        """The item's own form, else its audience's theme form; None when neither is defined."""
        entries = self.items.get(item.code) or self.themes.get(item.audience, {}).get(item.theme)
        if entries is None:
            return None
        keys: list[str] = []
        for entry in entries:
            for key in self.sets[entry[1:]] if entry.startswith("@") else [entry]:
                if key not in keys:
                    keys.append(key)
        return keys


def load_forms(path: Path = FORMS_FILE) -> FormCatalogue:
    return FormCatalogue.model_validate(json.loads(path.read_text(encoding="utf-8")))


# -- views ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrefilledField:
    key: str
    label: str
    value: str | None
    source_kind: str
    source: str
    last_updated: date | None
    verified: bool
    editable: bool
    required: bool
    masked: bool

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PrefilledField:
        updated = data.get("last_updated")
        return cls(**{**data, "last_updated": date.fromisoformat(updated) if updated else None})

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["last_updated"] = self.last_updated.isoformat() if self.last_updated else None
        return data


@dataclass(frozen=True, slots=True)
class MaterialView:
    name: str
    form: str
    licence_type: str | None
    exempt: bool
    note: str


@dataclass(frozen=True, slots=True)
class PrefillView:
    draft_id: str
    item_code: str
    item_name: str
    department: str
    audience: str
    uscc: str | None
    fields: list[PrefilledField]
    materials: list[MaterialView]
    unavailable_sources: list[str]
    created_at: datetime
    expires_at: datetime


@dataclass
class _Sources:
    """What was read for one form; None where not needed, not held, or not reachable."""

    account: Account | None = None
    licences: list[Licence] | None = None
    records: dict[str, dict[str, Any] | None] | None = None
    utilities: list[UtilityAccount] | None = None
    company: Company | None = None
    company_licences: list[Licence] | None = None
    asked: set[str] = field(default_factory=set)
    fetched: dict[str, Provenanced] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Provenanced:
    label: str
    at: date


# -- the service ---------------------------------------------------------------------------------


class PrefillService:
    def __init__(
        self,
        space: PersonalSpaceService,
        identity: IdentityService,
        forms: FormCatalogue,
        *,
        catalogue_item: Callable[[str], ServiceItem | None] | None = None,
    ) -> None:
        self.space = space
        self.identity = identity
        self.forms = forms
        # Search keeps the catalogue in step with the 事项管理 system; the connector is the fallback.
        self._catalogue_item = catalogue_item

    @property
    def masking(self) -> MaskingPolicy:
        return self.space.masking

    async def item(self, code: str, call: CallContext) -> ServiceItem:
        found = self._catalogue_item(code) if self._catalogue_item else None
        client = self.space.connectors.catalogue
        if found is None and client is not None:
            try:
                found = await client.item(code, call)
            except NotFound:
                found = None
        if found is None:
            raise UnknownItem(f"事项编码{code}不存在")
        return found

    # -- prefill --------------------------------------------------------------------------------

    async def prefill(
        self,
        session: AsyncSession,
        caller: Caller,
        person: PersonRecord,
        audit: AuditTrail,
        *,
        item_code: str,
        uscc: str | None,
    ) -> PrefillView:
        code = check_item_code(item_code)
        audit.purpose = f"prefill:{code}"
        call = self.space.call_context(caller, audit.request_id, audit.purpose)
        item = await self.item(code, call)
        keys = self.forms.field_keys(item)
        if keys is None:
            raise PrefillUnavailable(f"「{item.name}」暂未提供表单预填")
        uscc = self._check_applicant(caller, item, uscc)
        specs = {key: self.forms.fields[key] for key in keys}
        kinds = {spec.kind for spec in specs.values()}
        needs_licences = "licence" in kinds or any(m.licence_type for m in item.guide.materials)
        sources = await self._read(session, caller, person, audit, call, specs, needs_licences, uscc)
        fields = [self._field(key, spec, person, sources) for key, spec in specs.items()]
        materials = self._materials(item, caller, uscc, sources)
        now = utcnow()
        # Expired drafts hold nothing anyone can use: drop them as the person makes a new one.
        await session.execute(
            delete(PrefillDraft).where(PrefillDraft.account_id == person.account_id, PrefillDraft.expires_at < now)
        )
        draft = PrefillDraft(
            account_id=person.account_id,
            item_code=item.code,
            item_name=item.name,
            department=item.department,
            uscc=uscc,
            fields=[f.to_dict() for f in fields],
            materials=[asdict(m) for m in materials],
            created_at=now,
            expires_at=now + timedelta(days=self.forms.draft_days),
        )
        session.add(draft)
        await session.flush()
        unavailable = sorted({_audit_section(name) for name in sources.asked - sources.fetched.keys()})
        return PrefillView(
            draft_id=draft.id,
            item_code=item.code,
            item_name=item.name,
            department=item.department,
            audience=item.audience,
            uscc=uscc,
            fields=fields,
            materials=materials,
            unavailable_sources=unavailable,
            created_at=now,
            expires_at=draft.expires_at,
        )

    def _check_applicant(self, caller: Caller, item: ServiceItem, uscc: str | None) -> str | None:
        if item.audience == "法人":
            if not uscc:
                raise InvalidInput("uscc", f"「{item.name}」由企业申请，请指定统一社会信用代码")
            uscc = uscc.strip().upper()
            if not caller_may(caller, uscc, "cases"):
                raise NotAllowed("您未获该企业授权办理此事项")
            return uscc
        if uscc:
            raise InvalidInput("uscc", f"「{item.name}」由个人申请，无需企业信用代码")
        return None

    async def _read(
        self,
        session: AsyncSession,
        caller: Caller,
        person: PersonRecord,
        audit: AuditTrail,
        call: CallContext,
        specs: dict[str, FieldSpec],
        needs_licences: bool,
        uscc: str | None,
    ) -> _Sources:
        """Read only what the form needs, concurrently; a department that fails leaves its
        fields empty (and named in `unavailable_sources`) instead of failing the form."""
        kinds = {spec.kind for spec in specs.values()}
        connectors = self.space.connectors
        sources = _Sources()
        if "profile" in kinds:
            audit.read(person.account_id, "profile")
            sources.account = await session.get(Account, person.account_id)
        work: dict[str, Awaitable[Any]] = {}
        if needs_licences:
            audit.read(person.account_id, "licences")
            work["licences"] = connectors.licences.by_holder(person.id_number, call)
        records = {spec.path[0] for spec in specs.values() if spec.kind == "records"}
        if records:
            audit.read(person.account_id, "records")
            work["records"] = self._records(person.id_number, call, records)
        if "utility" in kinds:
            audit.read(person.account_id, "bills")
            work["utilities"] = connectors.bills.accounts(person.id_number, call)
        if uscc is not None:
            audit.read(f"e:{uscc}", "enterprise")
            work["company"] = connectors.enterprise.company(uscc, call)
            if needs_licences or "company_licence" in kinds:
                audit.read(f"e:{uscc}", "licences")
                work["company_licences"] = connectors.licences.by_holder(uscc, call, holder_id_type="001")
        results = await asyncio.gather(*work.values(), return_exceptions=True)
        systems = {
            "licences": "licences",
            "records": "records",
            "utilities": "bills",
            "company": "enterprise",
            "company_licences": "licences",
        }
        sources.asked = set(work)
        for name, result in zip(work, results, strict=True):
            if isinstance(result, DepartmentError):
                audit.failed_read(_audit_section(name))
                continue
            if isinstance(result, BaseException):
                raise result
            setattr(sources, name, result)
            config: SystemConfig = connectors.systems[systems[name]].config
            sources.fetched[name] = Provenanced(f"{config.title}（{config.department}）", utcnow().date())
        return sources

    async def _records(self, id_number: str, call: CallContext, wanted: set[str]) -> dict[str, dict[str, Any] | None]:
        client = self.space.connectors.records
        fetchers: dict[str, Callable[[], Awaitable[Any]]] = {
            "social": lambda: client.social_insurance_summary(id_number, call),
            "fund": lambda: client.housing_fund_account(id_number, call),
            "medical": lambda: client.medical_account(id_number, call),
        }

        async def one(name: str) -> dict[str, Any] | None:
            try:
                record = await fetchers[name]()
            except NotFound:
                return None  # no such account: its fields stay empty, the rest still fill
            dumped: dict[str, Any] = record.model_dump(mode="json")
            return dumped

        names = sorted(wanted & fetchers.keys())
        found = await asyncio.gather(*(one(n) for n in names))
        return dict(zip(names, found, strict=True))

    # -- one field ------------------------------------------------------------------------------

    def _field(self, key: str, spec: FieldSpec, person: PersonRecord, sources: _Sources) -> PrefilledField:
        def made(
            value: Any, source: str, updated: date | None, *, verified: bool, masked: bool = False
        ) -> PrefilledField:
            text = _text(value)
            return PrefilledField(
                key=key,
                label=spec.label,
                value=text,
                source_kind=spec.kind,
                source=source,
                last_updated=updated if text is not None else None,
                verified=verified and text is not None,
                editable=spec.editable,
                required=spec.required,
                masked=masked and text is not None,
            )

        m = self.masking
        fetched = sources.fetched
        match spec.kind:
            case "profile":
                name = spec.path[0]
                raw = getattr(person, name)
                value, masked = _masked_profile(m, name, raw)
                created = sources.account.created_at.date() if sources.account else None
                return made(value, "实名认证信息", created, verified=name in VERIFIED_PROFILE_FIELDS, masked=masked)
            case "licence" | "company_licence":
                held = sources.licences if spec.kind == "licence" else sources.company_licences
                licence = _best(held or [], spec.path[0])
                if licence is None:
                    return made(None, f"电子证照·{spec.path[0]}", None, verified=False)
                value, masked = _licence_value(m, licence, spec.path[1:])
                return made(
                    value,
                    f"电子证照·{licence.type_name}（{licence.issuer}）",
                    licence.issued_on,
                    verified=licence.status_code == "01",
                    masked=masked,
                )
            case "records":
                record = (sources.records or {}).get(spec.path[0])
                value = _dig(record, spec.path[1:])
                masked = spec.path[-1] == "account_no"
                if masked:
                    value = m.licence_number(value)
                label = fetched["records"].label if "records" in fetched else "社保医保公积金记录"
                as_of = date.fromisoformat(record["as_of"]) if record and record.get("as_of") else None
                return made(value, label, as_of, verified=True, masked=masked)
            case "utility":
                utility, *path = spec.path
                account = next(
                    (a for a in sources.utilities or [] if a.utility == utility and a.status == "正常"), None
                )
                value = _dig(account.model_dump(mode="json") if account else None, path)
                label = f"{account.provider}" if account else "水电气户号"
                return made(value, label, account.opened_on if account else None, verified=True)
            case "company":
                company = sources.company.model_dump(mode="json") if sources.company else None
                value = _dig(company, spec.path)
                masked = spec.path[0] == "legal_representative"
                if masked:
                    value = m.name(value)
                approved = sources.company.approved_on if sources.company else None
                label = fetched["company"].label if "company" in fetched else "市场主体登记系统"
                return made(value, label, approved, verified=True, masked=masked)
            case _:
                return made(None, "申请人填写", None, verified=False)

    # -- materials (免提交) -----------------------------------------------------------------------

    def _materials(self, item: ServiceItem, caller: Caller, uscc: str | None, sources: _Sources) -> list[MaterialView]:
        forms = self.forms
        legal_representative = uscc is not None and any(
            b.uscc == uscc and b.relation == "legal_representative" for b in caller.bindings
        )
        today = datetime.now(UTC).date()
        views = []
        for material in item.guide.materials:
            kind = material.licence_type

            def view(exempt: bool, note: str, material: Any = material) -> MaterialView:
                return MaterialView(material.name, material.form, material.licence_type, exempt, note)

            if kind is None:
                views.append(view(False, "需上传或到窗口提交"))
                continue
            if any(marker in material.name for marker in forms.third_party_markers):
                views.append(view(False, "涉及他人证照，不能以您的电子证照代替"))
                continue
            if any(marker in material.name for marker in forms.legal_representative_markers) and not (
                legal_representative
            ):
                views.append(view(False, "需法定代表人本人证照"))
                continue
            company_type = kind in forms.company_licence_types
            held = sources.company_licences if company_type else sources.licences
            if held is None:
                views.append(view(False, "电子证照库暂不可用，请上传或稍后再试"))
                continue
            licence = _best(held, kind)
            if licence is None:
                views.append(view(False, "未查到对应的电子证照，请上传"))
            elif licence.status_code != "01" or (licence.valid_until is not None and licence.valid_until < today):
                views.append(view(False, f"电子{licence.type_name}状态为{licence.status_name}，请提交原件"))
            else:
                number = self.masking.licence_number(licence.number)
                views.append(view(True, f"已关联电子证照：{licence.type_name}（{number}），免于提交"))
        return views

    # -- start the application ------------------------------------------------------------------

    async def start_application(
        self,
        session: AsyncSession,
        caller: Caller,
        person: PersonRecord,
        *,
        item_code: str,
        draft_id: str,
        edits: dict[str, str],
        idempotency_key: str,
    ) -> dict[str, Any]:
        """File the case from the draft through the outbox: acknowledged PENDING at once,
        delivered to the case system by the worker."""
        code = check_item_code(item_code)
        draft = await session.get(PrefillDraft, draft_id.strip()[:64])
        if draft is None or draft.account_id != person.account_id:
            raise NotAllowed("预填草稿不存在")
        if draft.item_code != code:
            raise DraftUnusable("DRAFT_ITEM_MISMATCH", "草稿与所申请的事项不一致，请重新预填")
        now = utcnow()
        if draft.used_at is not None:
            raise DraftUnusable("DRAFT_USED", "该草稿已提交过，请重新预填")
        if _aware(draft.expires_at) <= now:
            raise DraftUnusable("DRAFT_EXPIRED", "草稿已过期，请重新预填")
        if draft.uscc is not None and not caller_may(caller, draft.uscc, "cases"):
            raise NotAllowed("您未获该企业授权办理此事项")
        fields = self._apply_edits([PrefilledField.from_dict(f) for f in draft.fields], edits)
        missing = [f for f in fields if f.required and not f.value]
        if missing:
            raise InvalidInput(f"edits.{missing[0].key}", f"请填写「{missing[0].label}」")
        exempt = [m["name"] for m in draft.materials if m["exempt"]]
        person_party = {"id_type": "111", "id_number": person.id_number.upper(), "name": person.name}
        applicant = person_party
        if draft.uscc is not None:
            company = next((f.value for f in fields if f.key == "company_name"), None) or draft.uscc
            applicant = {"id_type": "001", "id_number": draft.uscc, "name": company}
        typed = "；".join(f"{f.label}：{edits[f.key]}" for f in fields if f.key in edits)
        note = f"通过一部手机办事通表单预填提交。{typed}"[:MAX_NOTE_CHARS]
        cipher = self.identity.cipher
        payload: dict[str, Any] = {
            "application": {
                "item_code": code,
                "channel": "一部手机办事通",
                "materials": [f"{name}（电子证照免提交）"[:MAX_MATERIAL_CHARS] for name in exempt][:MAX_MATERIALS],
            },
            "applicant_enc": cipher.encrypt(orjson.dumps(applicant).decode(), context=PARTY_CONTEXT),
            "submitted_by_enc": cipher.encrypt(orjson.dumps(person_party).decode(), context=PARTY_CONTEXT)
            if draft.uscc is not None
            else None,
            "note_enc": cipher.encrypt(note, context=NOTE_CONTEXT),
            "item_name": draft.item_name,
            "department": draft.department,
            "draft_id": draft.id,
        }
        submission = await enqueue(
            session,
            account_id=person.account_id,
            kind=KIND_PREFILL_APPLICATION,
            system="cases",
            operation=OPERATION_CREATE_CASE,
            payload=payload,
            idempotency_key=hashlib.sha256(idempotency_key.encode()).hexdigest()[:40],
        )
        draft.used_at = now
        draft.submission_id = submission.id
        draft.fields = [f.to_dict() for f in fields]
        await session.flush()
        return {
            "submissionId": submission.id,
            "status": submission.status,
            "itemCode": code,
            "itemName": draft.item_name,
            "draftId": draft.id,
            "exemptMaterials": exempt,
        }

    def _apply_edits(self, fields: list[PrefilledField], edits: dict[str, str]) -> list[PrefilledField]:
        by_key = {f.key: f for f in fields}
        for key, value in edits.items():
            target = by_key.get(key)
            if target is None:
                raise InvalidInput(f"edits.{key}", f"该表单没有字段 {key}")
            if not target.editable:
                raise InvalidInput(f"edits.{key}", f"「{target.label}」来自权威数据，不能修改")
            if not 1 <= len(value) <= MAX_EDIT_CHARS:
                raise InvalidInput(f"edits.{key}", f"「{target.label}」应为1到{MAX_EDIT_CHARS}个字")
        out = []
        for f in fields:
            if f.key not in edits:
                out.append(f)
                continue
            typed = edits[f.key]
            # What the applicant typed is shown back masked where it is a number worth hiding.
            shown = self.masking.licence_number(typed) if f.key == "bank_account" else typed
            out.append(
                PrefilledField(
                    f.key,
                    f.label,
                    shown,
                    "input",
                    "申请人填写",
                    utcnow().date(),
                    False,
                    True,
                    f.required,
                    f.key == "bank_account",
                )
            )
        return out


# -- pure helpers ----------------------------------------------------------------------------------


def _audit_section(source: str) -> str:
    return {"utilities": "bills", "company": "enterprise", "company_licences": "licences"}.get(source, source)


def _best(licences: list[Licence], type_name: str) -> Licence | None:
    """The holder's licence of that type: a valid one first, then the most recently issued."""
    matching = [licence for licence in licences if licence.type_name == type_name]
    if not matching:
        return None
    return sorted(matching, key=lambda item: (item.status_code != "01", -item.issued_on.toordinal()))[0]


def _licence_value(m: MaskingPolicy, licence: Licence, path: list[str]) -> tuple[Any, bool]:
    match path:
        case ["number"]:
            return m.licence_number(licence.number), True
        case ["attr", name]:
            value = licence.attributes.get(name)
            if name == "坐落":
                return mask_address(value), True
            return value, False
        case ["status"]:
            return licence.status_name, False
        case [name]:
            return getattr(licence, name, None), False
        case _:
            return None, False


def _masked_profile(m: MaskingPolicy, name: str, value: Any) -> tuple[Any, bool]:
    match name:
        case "name":
            return m.name(value), True
        case "id_number":
            return m.id_number(value), True
        case "phone":
            return m.phone(value), True
        case "address":
            return mask_address(value), True
        case _:
            return value, False


def mask_address(address: str | None) -> str | None:
    """Keep the place down to the district; hide the street and number (as the profile does)."""
    if not address:
        return address
    for marker in ("区", "县", "市"):
        cut = address.rfind(marker, 0, 12)
        if cut > 0:
            return address[: cut + 1] + "****"
    return address[:6] + "****"


def _dig(data: dict[str, Any] | None, path: list[str]) -> Any:
    value: Any = data
    for step in path:
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- delivery (used by personal_space/deliveries.py) ----------------------------------------------


def deliver_prefilled_case(client: CasesClient, cipher: FieldCipher) -> Deliver:
    """The outbox deliverer: decrypt the parties and the note, file the case with the write's key."""

    async def deliver(payload: dict[str, Any], idempotency_key: str) -> Delivered:
        def party(field: str) -> Party | None:
            sealed = payload.get(field)
            if not sealed:
                return None
            return Party.model_validate(orjson.loads(cipher.decrypt(sealed, context=PARTY_CONTEXT)))

        note = cipher.decrypt(payload["note_enc"], context=NOTE_CONTEXT) if payload.get("note_enc") else None
        application = NewCase.model_validate(
            {
                **payload["application"],
                "applicant": party("applicant_enc"),
                "submitted_by": party("submitted_by_enc"),
                "note": note,
            }
        )
        call = CallContext(
            request_id=f"outbox-{hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]}",
            purpose=f"prefill:{application.item_code}",
        )
        case = await client.create(application, call, idempotency_key=idempotency_key)
        return Delivered(remote_id=case.case_id, remote_status=case.status)

    return deliver


def delivered_notice_text(submission: Submission) -> tuple[str, str]:
    item = submission.payload.get("item_name", "事项")
    department = submission.payload.get("department", "主管部门")
    if submission.status == "DELIVERED":
        return "申请已提交", f"您的「{item}」申请已送达{department}，办件编号{submission.remote_id}。"
    return "申请未能提交", f"您的「{item}」申请未被受理：{submission.last_error or '请核对后重新提交'}"
