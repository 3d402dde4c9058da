"""Staff authorisations (电子营业执照授权): the legal representative grants and revokes them.

A grant or revocation is the registry's to make, so it is a department-bound write: checked
here, stored with its outbox row in the request's transaction, acknowledged as PENDING, and
delivered by the outbox worker with the request's idempotency key. The registry checks the
grantor again on delivery (it alone knows who the legal representative is today), so a request
we queued on a stale binding is refused there, not carried out.

Once the registry has it, our bindings follow: a grant binds the staff member's account (when
we know them); a revocation removes the binding of anyone who no longer holds an active grant.

ID numbers travel in the outbox only encrypted (the same field cipher as the accounts).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.base import CallContext
from connectors.enterprise.models import GrantRequest, Scope
from kit.identifiers import is_valid_id_number
from personal_space import enterprise_bindings as bindings
from personal_space import repository
from personal_space.caller import Caller
from personal_space.enterprise import (
    PURPOSE,
    SCOPE_LABELS,
    EnterpriseAccess,
    EnterpriseService,
    SectionNotAllowed,
    check_uscc,
    china_today,
    standing_of,
)
from personal_space.enterprise_bindings import LEGAL_REPRESENTATIVE, STAFF, Standing
from personal_space.errors import NotAllowed
from personal_space.identity import IDENTITY_SECTION, IdentityService, PersonRecord
from personal_space.models import Notification, Submission
from personal_space.outbox import Delivered, DeliveryNotice, enqueue
from personal_space.owned import InvalidInput
from personal_space.writes import Result

InputT = TypeVar("InputT", bound=BaseModel)

SYSTEM = "enterprise"
GRANT_KIND, REVOKE_KIND = "staff_grant", "staff_revoke"
GRANT_OPERATION, REVOKE_OPERATION = "enterprise.grant_staff", "enterprise.revoke_staff"
# Administrators (the `staff` scope) are appointed in the 电子营业执照 app itself: our space
# reserves authorisation management to the legal representative.
GRANTABLE_SCOPES: tuple[str, ...] = tuple(s for s in get_args(Scope) if s != "staff")
MAX_GRANT_DAYS = 5 * 366  # the registry's own cap
GRANT_ID = re.compile(r"^[A-Z0-9]{4,16}$")
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
ONLY_LEGAL_REPRESENTATIVE = "只有企业法定代表人可以办理员工授权"

# Which mutation argument a validation error is about.
_FIELDS = {
    "uscc": "uscc",
    "staff_id_number": "staffIdNumber",
    "staff_username": "staffUsername",
    "staff_name": "staffName",
    "scopes": "scopes",
    "expires_on": "expiresOn",
    "authorisation_id": "authorisationId",
}


# -- what the legal representative asks for -----------------------------------------------------


class GrantInput(BaseModel):
    """The mutation's arguments, validated before anything is stored or sent."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    uscc: str
    staff_id_number: str | None = None
    staff_username: str | None = None
    staff_name: str | None = None
    scopes: list[Scope]
    expires_on: date

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, value: str) -> str:
        return check_uscc(value)

    @field_validator("staff_id_number")
    @classmethod
    def _id_number(cls, value: str | None) -> str | None:
        if value is not None and not is_valid_id_number(value):
            raise ValueError("身份证号码格式或校验位不正确")
        return value.upper() if value else value

    @field_validator("staff_username")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        if value is not None and not USERNAME.match(value):
            raise ValueError("用户名格式不正确")
        return value

    @field_validator("staff_name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not 2 <= len(value) <= 30:
            raise ValueError("被授权人姓名须为2–30个字")
        return value

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("请至少选择一项授权事项")
        if "staff" in value:
            raise ValueError("授权管理（管理员）权限请在电子营业执照App中授予")
        return sorted(set(value))

    @field_validator("expires_on")
    @classmethod
    def _expiry(cls, value: date) -> date:
        today = china_today()
        if not today < value <= today + timedelta(days=MAX_GRANT_DAYS):
            raise ValueError("授权截止日期须晚于今天，且不超过五年")
        return value

    @model_validator(mode="after")
    def _one_staff(self) -> GrantInput:
        if (self.staff_id_number is None) == (self.staff_username is None):
            raise InvalidInput("staffIdNumber", "请填写被授权人的身份证号码或用户名（二选一）")
        return self


class RevokeInput(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    uscc: str
    authorisation_id: str

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, value: str) -> str:
        return check_uscc(value)

    @field_validator("authorisation_id")
    @classmethod
    def _grant_id(cls, value: str) -> str:
        if not GRANT_ID.match(value.upper()):
            raise ValueError("授权编号格式不正确")
        return value.upper()


def validated(model: type[InputT], **raw: Any) -> InputT:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        # Our validators speak Chinese; pydantic's own messages are a fallback for the impossible.
        error = first.get("ctx", {}).get("error")
        message = str(error) if error is not None else "输入有误"
        raise InvalidInput(_FIELDS.get(field, "input"), message) from None


# -- what the outbox carries -----------------------------------------------------------------------


class GrantOrder(BaseModel):
    uscc: str
    company_name: str
    staff_name_masked: str
    staff_name_enc: str
    staff_id_number_enc: str
    grantor_id_number_enc: str
    grantor_pseudonym: str
    scopes: list[Scope]
    expires_on: date


class RevokeOrder(BaseModel):
    uscc: str
    company_name: str
    grant_id: str
    revoker_id_number_enc: str
    revoker_pseudonym: str


# -- what the legal representative sees of a request -------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuthorisationRequestView:
    id: str
    kind: Literal["GRANT", "REVOKE"]
    status: str  # PENDING DELIVERED REJECTED
    uscc: str
    company_name: str
    staff_name: str | None
    scopes: list[str]
    expires_on: date | None
    authorisation_id: str | None
    submitted_at: datetime
    message: str | None

    def to_result(self) -> Result:
        data = asdict(self)
        data["expires_on"] = self.expires_on.isoformat() if self.expires_on else None
        data["submitted_at"] = self.submitted_at.isoformat()
        return data

    @classmethod
    def from_result(cls, data: Result) -> AuthorisationRequestView:
        return cls(
            **{
                **data,
                "expires_on": date.fromisoformat(data["expires_on"]) if data["expires_on"] else None,
                "submitted_at": datetime.fromisoformat(data["submitted_at"]),
            }
        )

    @classmethod
    def of(cls, submission: Submission) -> AuthorisationRequestView:
        payload = submission.payload
        granting = submission.kind == GRANT_KIND
        return cls(
            id=submission.id,
            kind="GRANT" if granting else "REVOKE",
            status=submission.status,
            uscc=payload["uscc"],
            company_name=payload["company_name"],
            staff_name=payload.get("staff_name_masked"),
            scopes=list(payload.get("scopes") or []),
            expires_on=date.fromisoformat(payload["expires_on"]) if granting else None,
            authorisation_id=submission.remote_id if granting else payload["grant_id"],
            submitted_at=submission.created_at,
            message=refusal_text(submission.last_error) if submission.status == "REJECTED" else None,
        )


# -- the use cases ---------------------------------------------------------------------------------


class StaffAuthorisations:
    def __init__(
        self,
        enterprise: EnterpriseService,
        identity: IdentityService,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        self._enterprise = enterprise
        self._identity = identity
        self._sessionmaker = sessionmaker

    # The request: checked, stored, queued. Never calls the registry, so an outage loses nothing.

    async def request_grant(
        self, session: AsyncSession, caller: Caller, person: PersonRecord, request: GrantInput, key: str
    ) -> Result:
        company_name = _legal_representative_of(caller, request.uscc)
        cipher = self._identity.cipher
        staff_name, staff_id_number = await self._grantee(session, request)
        if staff_id_number == person.id_number.upper():
            raise InvalidInput("staffIdNumber", "法定代表人本人无需授权")
        masked_name = self._enterprise.masking.name(staff_name) or ""
        order = GrantOrder(
            uscc=request.uscc,
            company_name=company_name,
            staff_name_masked=masked_name,
            staff_name_enc=cipher.encrypt(staff_name, context="name"),
            staff_id_number_enc=cipher.encrypt(staff_id_number, context="id_number"),
            grantor_id_number_enc=cipher.encrypt(person.id_number.upper(), context="id_number"),
            grantor_pseudonym=self._enterprise.space.pseudonym(caller),
            scopes=request.scopes,
            expires_on=request.expires_on,
        )
        submission = await enqueue(
            session,
            account_id=caller.account_id,
            kind=GRANT_KIND,
            system=SYSTEM,
            operation=GRANT_OPERATION,
            payload=order.model_dump(mode="json"),
            idempotency_key=key,
        )
        return AuthorisationRequestView.of(submission).to_result()

    async def request_revoke(
        self, session: AsyncSession, caller: Caller, person: PersonRecord, request: RevokeInput, key: str
    ) -> Result:
        company_name = _legal_representative_of(caller, request.uscc)
        order = RevokeOrder(
            uscc=request.uscc,
            company_name=company_name,
            grant_id=request.authorisation_id,
            revoker_id_number_enc=self._identity.cipher.encrypt(person.id_number.upper(), context="id_number"),
            revoker_pseudonym=self._enterprise.space.pseudonym(caller),
        )
        submission = await enqueue(
            session,
            account_id=caller.account_id,
            kind=REVOKE_KIND,
            system=SYSTEM,
            operation=REVOKE_OPERATION,
            payload=order.model_dump(mode="json"),
            idempotency_key=key,
        )
        return AuthorisationRequestView.of(submission).to_result()

    async def requests_of(self, session: AsyncSession, access: EnterpriseAccess) -> list[AuthorisationRequestView]:
        """The legal representative's own requests for the company, newest first."""
        if not access.is_legal_representative:
            raise SectionNotAllowed("authorisationRequests", "staff")
        submissions = await repository.submissions_of(session, access.caller.account_id, (GRANT_KIND, REVOKE_KIND))
        return [AuthorisationRequestView.of(s) for s in submissions if s.payload.get("uscc") == access.uscc]

    def fingerprint(self, request: GrantInput) -> dict[str, Any]:
        """What makes two grant requests the same, for the idempotency check. The ID number enters
        only as our keyed hash: an unkeyed hash of one could be reversed by trying them all."""
        data = request.model_dump(mode="json")
        if request.staff_id_number:
            data["staff_id_number"] = self._identity.cipher.lookup_hash(request.staff_id_number)
        return data

    async def _grantee(self, session: AsyncSession, request: GrantInput) -> tuple[str, str]:
        """The staff member's real name and ID number, from their account when we know them."""
        if request.staff_username is not None:
            account = await repository.account_by_username(session, request.staff_username)
            if account is None:
                raise InvalidInput("staffUsername", "未找到该用户，请改用身份证号码授权")
            known = self._identity.person(account)
            return known.name, known.id_number.upper()
        assert request.staff_id_number is not None
        if request.staff_name:
            return request.staff_name, request.staff_id_number
        account = await repository.account_by_id_number_hash(
            session, self._identity.cipher.lookup_hash(request.staff_id_number)
        )
        if account is None:
            raise InvalidInput("staffName", "该人员尚未注册，请同时填写其姓名")
        return self._identity.person(account).name, request.staff_id_number

    # The delivery: the outbox worker calls these, perhaps more than once for one request.

    async def deliver_grant(self, payload: dict[str, Any], key: str) -> Delivered:
        order = GrantOrder.model_validate(payload)
        cipher = self._identity.cipher
        staff_id_number = cipher.decrypt(order.staff_id_number_enc, context="id_number")
        request = GrantRequest(
            staff_name=cipher.decrypt(order.staff_name_enc, context="name"),
            staff_id_number=staff_id_number,
            scopes=order.scopes,
            expires_on=order.expires_on,
            granted_by_id_number=cipher.decrypt(order.grantor_id_number_enc, context="id_number"),
        )
        client = self._enterprise.connectors.enterprise
        grant = await client.grant(
            order.uscc, request, _call(order.grantor_pseudonym), idempotency_key=department_key(key)
        )
        await self._enterprise.forget_registry(order.uscc)
        async with self._sessionmaker() as session:
            account = await repository.account_by_id_number_hash(session, cipher.lookup_hash(staff_id_number))
            if account is not None and grant.status == "有效":
                standing = Standing(STAFF, frozenset(grant.scopes), grant.expires_on)
                await bindings.upsert(
                    session,
                    self._identity.linker,
                    account_id=account.id,
                    uscc=order.uscc,
                    company_name=order.company_name,
                    standing=standing,
                )
                await _tell_once(
                    session,
                    account.id,
                    f"authorisation:{grant.grant_id}",
                    "您已获得企业授权",
                    f"{order.company_name}已授权您办理{_scope_text(grant.scopes)}事项，有效期至{grant.expires_on}。",
                )
            await session.commit()
        if account is not None:
            await self._enterprise.space.invalidate_subject(account.subject, *BINDING_SECTIONS, account_id=account.id)
        return Delivered(remote_id=grant.grant_id, remote_status=grant.status)

    async def deliver_revoke(self, payload: dict[str, Any], key: str) -> Delivered:
        order = RevokeOrder.model_validate(payload)
        cipher = self._identity.cipher
        client = self._enterprise.connectors.enterprise
        call = _call(order.revoker_pseudonym)
        # Revoking is idempotent at the registry: a repeat returns the grant as it stands.
        grant = await client.revoke(
            order.uscc,
            order.grant_id,
            cipher.decrypt(order.revoker_id_number_enc, context="id_number"),
            call,
            idempotency_key=department_key(key),
        )
        await self._enterprise.forget_registry(order.uscc)
        # Ask again rather than drop the revoked grant's holder: a newer grant may still stand.
        record, _ = await self._enterprise.registry(order.uscc, call)
        today = china_today()
        touched = []
        async with self._sessionmaker() as session:
            for _binding, account in await bindings.staff_of_company(session, order.uscc):
                person_key = client.person_key(cipher.decrypt(account.id_number_enc, context="id_number"))
                standing = standing_of(record, person_key, today)
                if standing is None:
                    await bindings.remove(session, account.id, order.uscc)
                else:
                    await bindings.rewrite(session, account.id, order.uscc, order.company_name, standing)
                touched.append((account.subject, account.id))
            await session.commit()
        for subject, account_id in touched:
            await self._enterprise.space.invalidate_subject(subject, *BINDING_SECTIONS, account_id=account_id)
        return Delivered(remote_id=grant.grant_id, remote_status=grant.status)


# What lists or carries a person's companies (their sections, the remembered sign-in), dropped
# when their bindings change.
BINDING_SECTIONS = ("enterprises", IDENTITY_SECTION)


def department_key(key: str) -> str:
    """The registry takes keys of at most 128 printable characters; ours are scoped by account and
    may be longer. A digest keeps them unique, stable across redeliveries, and short."""
    return "cs-" + hashlib.sha256(key.encode()).hexdigest()


def _call(pseudonym: str) -> CallContext:
    return CallContext(request_id=uuid.uuid4().hex, purpose=PURPOSE, user_pseudonym=pseudonym)


def _legal_representative_of(caller: Caller, uscc: str) -> str:
    """The company's name when our binding says the caller represents it. The registry checks
    again when the request is delivered; this only keeps everyone else from queueing requests."""
    binding = next((b for b in caller.bindings if b.uscc == uscc), None)
    if binding is None or binding.relation != LEGAL_REPRESENTATIVE:
        raise NotAllowed(ONLY_LEGAL_REPRESENTATIVE)
    return binding.company_name


async def _tell_once(session: AsyncSession, account_id: str, object_ref: str, title: str, body: str) -> None:
    """A redelivered grant must not tell the staff member twice."""
    existing = await repository.notifications_of(session, account_id, limit=100)
    if any(n.object_ref == object_ref for n in existing):
        return
    session.add(
        Notification(account_id=account_id, kind="enterprise_authorised", title=title, body=body, object_ref=object_ref)
    )


def _scope_text(scopes: Sequence[str]) -> str:
    return "、".join(SCOPE_LABELS.get(s, s) for s in scopes)


def refusal_text(reason: str | None) -> str:
    """The registry's own words when it gave some (they are written for people), else a default."""
    if not reason:
        return "请核对后重新提交"
    _, sep, message = reason.partition(": ")
    return message if sep and message else "请核对后重新提交"


# -- what the legal representative is told once the registry answered -------------------------------


def grant_notice(submission: Submission) -> DeliveryNotice:
    payload = submission.payload
    if submission.status == "DELIVERED":
        return DeliveryNotice(
            "员工授权已生效",
            f"已授权{payload['staff_name_masked']}办理{payload['company_name']}的"
            f"{_scope_text(payload['scopes'])}事项，有效期至{payload['expires_on']}。",
        )
    return DeliveryNotice("员工授权未能办理", f"市场主体登记系统未受理：{refusal_text(submission.last_error)}")


def revoke_notice(submission: Submission) -> DeliveryNotice:
    payload = submission.payload
    if submission.status == "DELIVERED":
        return DeliveryNotice(
            "员工授权已撤销", f"{payload['company_name']}的授权（编号{payload['grant_id']}）已撤销，即时生效。"
        )
    return DeliveryNotice("撤销授权未能办理", f"市场主体登记系统未受理：{refusal_text(submission.last_error)}")
