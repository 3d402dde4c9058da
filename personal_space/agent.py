"""The 12345 agent workspace: an agent reaches a caller's data only through an open work-order
ticket *and* the caller's consent for that ticket, limited in time and in sections.

The caller consents in the app (approve / deny a request) or by reading back a one-time code the
app showed them. Every read is audited with the ticket as purpose, so it appears in the caller's
data-access log; everything the agent sees is masked by the strict policy (no full numbers).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import jieba
import orjson
from pydantic import BaseModel, Field, ValidationError
from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import CallContext
from connectors.config import SystemConfig
from connectors.errors import NotFound
from connectors.workorders.client import WorkOrdersClient
from connectors.workorders.models import ORDER_ID_PATTERN, Category, Kind, NewWorkOrder, Party, WorkOrder
from kit.crypto import FieldCipher
from kit.events import EventBus
from kit.masking import MaskingPolicy, policy
from personal_space import repository
from personal_space.audit import AuditTrail
from personal_space.caller import Caller
from personal_space.errors import DomainError, NotAllowed
from personal_space.identity import IdentityService
from personal_space.models import Account, AgentConsent, Notification, Submission, utcnow
from personal_space.outbox import Deliver, Delivered, enqueue
from personal_space.owned import InvalidInput
from personal_space.service import PersonalSpaceService
from personal_space.views import Federated, Provenance

ItemT = TypeVar("ItemT")

AGENT_ROLE = "agent"
# Sections an agent may ask for, as the audit log names them, with the words the caller reads.
SECTION_LABELS: dict[str, str] = {
    "profile": "基本信息",
    "cases": "办件",
    "workOrders": "12345工单",
    "licences": "电子证照（仅类型和状态）",
    "bills": "水电气账单",
}
SECTIONS = tuple(SECTION_LABELS)
# A ticket still being handled; 办结, 回访, 评价 and 并单 have ended for the hotline.
OPEN_TICKET_STATUSES = frozenset({"受理", "派单", "办理", "退单", "回复"})
METHODS = ("app", "code")
STATUS_LABELS = {
    "pending": "待来电人确认",
    "approved": "已授权",
    "denied": "已拒绝",
    "revoked": "已撤回",
    "expired": "已过期",
}
# The caller has this long to answer a request; the grant itself runs from the answer.
REQUEST_TTL = timedelta(minutes=10)
MIN_GRANT_MINUTES, MAX_GRANT_MINUTES, DEFAULT_GRANT_MINUTES = 5, 60, 30
MAX_CODE_ATTEMPTS = 5
# Merging (并单) looks back this far among the orders filed through the app and by agents.
SIMILAR_LOOKBACK = timedelta(days=90)
SIMILAR_POOL_LIMIT = 500
MIN_SIMILARITY = 0.2
KIND_WORK_ORDER_FOR_CALLER = "agent_work_order"
# Submissions that file a 12345 work order: a citizen's own (personal_space/submissions.py) and ours.
WORK_ORDER_SUBMISSION_KINDS = ("work_order", KIND_WORK_ORDER_FOR_CALLER)
OPERATION_CREATE_FOR_CALLER = "workorders.create_for_caller"
PARTY_CONTEXT = "outbox:party"
PHONE_CONTEXT = "outbox:phone"


class ConsentCodeRejected(DomainError):
    code = "CONSENT_CODE_REJECTED"

    def __init__(self, reason: str, message: str, attempts_left: int) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.attempts_left = attempts_left


# -- views ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConsentView:
    id: str
    ticket_id: str
    ticket_title: str
    agent_label: str
    sections: list[str]
    method: str
    status: str
    grant_minutes: int
    requested_at: datetime
    request_expires_at: datetime
    decided_at: datetime | None
    expires_at: datetime | None
    attempts_left: int | None


@dataclass(frozen=True, slots=True)
class ConsentTarget:
    ticket_id: str
    ticket_title: str
    account_id: str


@dataclass(frozen=True, slots=True)
class SealedParty:
    """The caller's identity for a write in their name, encrypted for the outbox row."""

    party_enc: str
    phone_enc: str | None


@dataclass(frozen=True, slots=True)
class TicketView:
    ticket_id: str
    kind: str
    title: str
    category: str
    status: str
    channel: str
    handling_unit: str | None
    accepted_at: datetime
    deadline: date


@dataclass(frozen=True, slots=True)
class TicketAccess:
    """What an agent holds after both checks passed: the open ticket and the live grants.
    `id_number` is the caller's, for department lookups; it never leaves the domain."""

    ticket: TicketView
    account_id: str
    id_number: str
    sections: frozenset[str]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class AgentProfileView:
    name: str
    id_number: str
    phone: str | None
    gender: str | None
    age: int | None
    prefecture: str | None


@dataclass(frozen=True, slots=True)
class AgentCaseView:
    case_id: str
    item_code: str
    item_name: str
    department: str
    status: str
    channel: str
    accepted_at: datetime | None
    promised_deadline: date | None
    finished_at: datetime | None
    awaiting_supplement: bool


@dataclass(frozen=True, slots=True)
class AgentWorkOrderView:
    order_id: str
    kind: str
    title: str
    category: str
    status: str
    handling_unit: str | None
    accepted_at: datetime
    deadline: date
    replied: bool
    merged_into: str | None


@dataclass(frozen=True, slots=True)
class AgentLicenceView:
    """Type and status only: an agent never sees a licence number."""

    type_name: str
    status_code: str
    status_name: str
    issuer: str
    valid_until: date | None


@dataclass(frozen=True, slots=True)
class AgentBillView:
    utility_name: str
    provider: str
    period: str
    amount_due: str
    status: str
    due_on: date


@dataclass(frozen=True, slots=True)
class SimilarOrderView:
    order_id: str | None
    title: str
    excerpt: str
    kind: str
    category: str
    status: str
    created_at: datetime | None
    score: float
    same_caller: bool


class WorkOrderRequest(BaseModel):
    """What an agent files for a caller; validated here so bad input is a clear error, not a 500."""

    kind: Kind
    title: str = Field(min_length=2, max_length=60)
    content: str = Field(min_length=5, max_length=2000)
    category: Category = "其他"
    location: str | None = Field(default=None, max_length=200)


# -- the service ---------------------------------------------------------------------------------


class AgentService:
    def __init__(
        self,
        space: PersonalSpaceService,
        identity: IdentityService,
        bus: EventBus,
        *,
        tokenize: Callable[[str], list[str]] | None = None,
        masking: MaskingPolicy | None = None,
    ) -> None:
        self.space = space
        self.identity = identity
        self.bus = bus
        # Search's analyzer when there is one: the domain dictionary keeps 公积金, 油烟 … whole.
        self.tokenize = tokenize or _jieba_tokens
        self.masking = masking or policy("strict")

    @property
    def cipher(self) -> FieldCipher:
        return self.identity.cipher

    def _call(self, agent: Caller, request_id: str, purpose: str) -> CallContext:
        return self.space.call_context(agent, request_id, purpose)

    # -- consent: the agent asks ----------------------------------------------------------------

    async def consent_target(
        self, session: AsyncSession, agent: Caller, request_id: str, ticket_id: str
    ) -> ConsentTarget:
        """Whom a consent request goes to: the caller of an open ticket, known to us by an account.
        Read before the write's transaction begins, because it calls the hotline."""
        require_agent(agent)
        ticket_id = check_ticket_id(ticket_id)
        order = await self._open_ticket(agent, request_id, ticket_id)
        account = await self._account_of(session, order.caller.id_number)
        if account is None:
            raise NotAllowed("来电人尚未实名注册一部手机办事通，无法在线授权")
        return ConsentTarget(ticket_id=ticket_id, ticket_title=order.title[:100], account_id=account.id)

    async def request_consent(
        self,
        session: AsyncSession,
        agent: Caller,
        target: ConsentTarget,
        *,
        sections: Sequence[str],
        method: str,
        grant_minutes: int,
    ) -> ConsentView:
        check_consent_request(agent, sections, method, grant_minutes)
        ticket_id = target.ticket_id
        chosen = sorted(set(sections), key=SECTIONS.index)
        code = f"{secrets.randbelow(10**6):06d}" if method == "code" else None
        now = utcnow()
        consent = AgentConsent(
            id=secrets.token_hex(16),
            account_id=target.account_id,
            agent_subject=agent.subject,
            agent_label=agent_label(agent),
            ticket_id=ticket_id,
            ticket_title=target.ticket_title,
            sections=chosen,
            method=method,
            status="pending",
            code_attempts=0,
            grant_seconds=grant_minutes * 60,
            requested_at=now,
            request_expires_at=now + REQUEST_TTL,
        )
        if code is not None:
            consent.code_hash = self._code_hash(consent.id, code)
        session.add(consent)
        asked = (
            f"{consent.agent_label}正在处理您的工单（{ticket_id}），申请查看：{_labels(chosen)}，"
            f"授权{grant_minutes}分钟。"
        )
        if code is None:
            body = asked + "请在「授权请求」中同意或拒绝；如非本人来电，请拒绝。"
        else:
            body = f"验证码{code}。{asked}同意请将验证码告知坐席，10分钟内有效；如非本人来电，请勿告知他人。"
        await self._notify(session, consent, "agent_consent_request", "12345坐席申请查看您的信息", body, "PENDING")
        return consent_view(consent, now)

    async def confirm_code(self, session: AsyncSession, agent: Caller, consent_id: str, code: str) -> ConsentView:
        """The agent types the code the caller read out; a few wrong tries end the request."""
        require_agent(agent)
        consent = await self._consent_of_agent(session, agent, consent_id)
        if consent.method != "code" or consent.code_hash is None:
            raise NotAllowed("该授权请求需由来电人在App中确认")
        code = code.strip()
        if not re.fullmatch(r"\d{6}", code):
            raise InvalidInput("code", "验证码为6位数字")
        now = utcnow()
        status = effective_status(consent, now)
        if status == "approved":
            return consent_view(consent, now)
        if status != "pending":
            raise ConsentCodeRejected("CONSENT_NOT_PENDING", f"该授权请求{STATUS_LABELS[status]}", 0)
        if consent.code_attempts >= MAX_CODE_ATTEMPTS:
            raise ConsentCodeRejected("TOO_MANY_ATTEMPTS", "验证码错误次数过多，请重新发起授权请求", 0)
        consent.code_attempts += 1
        if not hmac.compare_digest(consent.code_hash, self._code_hash(consent.id, code)):
            left = MAX_CODE_ATTEMPTS - consent.code_attempts
            if left == 0:
                consent.status, consent.decided_at = "denied", now
            await session.flush()  # the attempt counts even though the answer is a refusal
            if left == 0:
                raise ConsentCodeRejected("TOO_MANY_ATTEMPTS", "验证码错误次数过多，请重新发起授权请求", 0)
            raise ConsentCodeRejected("CODE_WRONG", f"验证码不正确，还可尝试{left}次", left)
        self._approve(consent, now)
        await self._notify(
            session,
            consent,
            "agent_consent_granted",
            "您已授权12345坐席查看信息",
            f"您已通过验证码授权{consent.agent_label}查看：{_labels(consent.sections)}，"
            f"有效{consent.grant_seconds // 60}分钟。可随时在「授权请求」中撤回。",
            "APPROVED",
        )
        return consent_view(consent, now)

    async def consent_for_agent(self, session: AsyncSession, agent: Caller, consent_id: str) -> ConsentView:
        require_agent(agent)
        return consent_view(await self._consent_of_agent(session, agent, consent_id), utcnow())

    # -- consent: the caller answers ------------------------------------------------------------

    async def requests_of(self, session: AsyncSession, account_id: str) -> list[ConsentView]:
        now = utcnow()
        rows = await session.scalars(
            select(AgentConsent)
            .where(AgentConsent.account_id == account_id)
            .order_by(AgentConsent.requested_at.desc())
            .limit(50)
        )
        return [consent_view(c, now) for c in rows.all()]

    async def decide(self, session: AsyncSession, account_id: str, consent_id: str, *, approve: bool) -> ConsentView:
        consent = await self._consent_of_account(session, account_id, consent_id)
        now = utcnow()
        status = effective_status(consent, now)
        target = "approved" if approve else "denied"
        if status == target:
            return consent_view(consent, now)  # answering twice changes nothing
        if status != "pending":
            raise NotAllowed(f"该授权请求{STATUS_LABELS[status]}，不能再{'同意' if approve else '拒绝'}")
        if approve:
            self._approve(consent, now)
        else:
            consent.status, consent.decided_at = "denied", now
        await session.flush()
        return consent_view(consent, now)

    async def revoke(self, session: AsyncSession, account_id: str, consent_id: str) -> ConsentView:
        consent = await self._consent_of_account(session, account_id, consent_id)
        now = utcnow()
        status = effective_status(consent, now)
        if status == "revoked":
            return consent_view(consent, now)
        if status != "approved":
            raise NotAllowed(f"该授权请求{STATUS_LABELS[status]}，无需撤回")
        consent.status, consent.expires_at = "revoked", now
        await session.flush()
        return consent_view(consent, now)

    def _approve(self, consent: AgentConsent, now: datetime) -> None:
        consent.status = "approved"
        consent.decided_at = now
        consent.expires_at = now + timedelta(seconds=consent.grant_seconds)

    # -- the ticket: both checks ----------------------------------------------------------------

    async def open_ticket(
        self, session: AsyncSession, agent: Caller, audit: AuditTrail, ticket_id: str
    ) -> TicketAccess:
        """The ticket must be open and the caller's grant for it alive. The grant is checked first:
        without one, not even the department is asked."""
        require_agent(agent)
        ticket_id = check_ticket_id(ticket_id)
        now = utcnow()
        grants = list(
            (
                await session.scalars(
                    select(AgentConsent).where(
                        AgentConsent.agent_subject == agent.subject,
                        AgentConsent.ticket_id == ticket_id,
                        AgentConsent.status == "approved",
                        AgentConsent.expires_at > now,
                    )
                )
            ).all()
        )
        if not grants:
            raise NotAllowed("来电人尚未授权，或授权已过期、已撤回")
        order = await self._open_ticket(agent, audit.request_id, ticket_id)
        account = await self._account_of(session, order.caller.id_number)
        live = [g for g in grants if account is not None and g.account_id == account.id]
        if account is None or not live:
            raise NotAllowed("来电人尚未授权，或授权已过期、已撤回")
        purpose = f"agent_ticket:{ticket_id}"
        if audit.purpose not in ("self_access", purpose):
            raise NotAllowed("一次请求只能处理一张工单")
        audit.purpose = purpose
        return TicketAccess(
            ticket=ticket_view(order),
            account_id=account.id,
            id_number=order.caller.id_number,
            sections=frozenset(s for g in live for s in g.sections),
            expires_at=min(_aware(g.expires_at) or now for g in live),
        )

    async def _open_ticket(self, agent: Caller, request_id: str, ticket_id: str) -> WorkOrder:
        call = self._call(agent, request_id, f"agent_ticket:{ticket_id}")
        try:
            order = await self.space.connectors.workorders.by_id(ticket_id, call)
        except NotFound:
            raise NotAllowed("工单不存在或已办结") from None
        if order.status not in OPEN_TICKET_STATUSES:
            raise NotAllowed("工单不存在或已办结")
        return order

    # -- the caller's space, masked, one consented section at a time ---------------------------

    async def profile(self, session: AsyncSession, access: TicketAccess, audit: AuditTrail) -> AgentProfileView:
        _require_section(access, "profile")
        account = await session.get(Account, access.account_id)
        if account is None:
            raise NotAllowed("来电人账户不存在")
        audit.read(access.account_id, "profile")
        person = self.identity.person(account)
        m = self.masking
        return AgentProfileView(
            name=m.name(person.name) or "",
            id_number=m.id_number(person.id_number) or "",
            phone=m.phone(person.phone),
            gender=person.gender,
            age=person.age_on(datetime.now(UTC).date()),
            prefecture=person.prefecture,
        )

    async def cases(self, agent: Caller, access: TicketAccess, audit: AuditTrail) -> Federated[AgentCaseView]:
        client = self.space.connectors.cases

        async def fetch(call: CallContext) -> list[AgentCaseView]:
            page = await client.by_holder(access.id_number, call, limit=50)
            return [
                AgentCaseView(
                    case_id=c.case_id,
                    item_code=c.item_code,
                    item_name=c.item_name,
                    department=c.department,
                    status=c.status,
                    channel=c.channel,
                    accepted_at=c.accepted_at,
                    promised_deadline=c.promised_deadline,
                    finished_at=c.finished_at,
                    awaiting_supplement=c.status == "补正",
                )
                for c in page.items
            ]

        return await self._section("cases", client.base.config, agent, access, audit, fetch)

    async def work_orders(
        self, agent: Caller, access: TicketAccess, audit: AuditTrail
    ) -> Federated[AgentWorkOrderView]:
        client = self.space.connectors.workorders

        async def fetch(call: CallContext) -> list[AgentWorkOrderView]:
            page = await client.by_subject(access.id_number, call, limit=50)
            return [work_order_view(o) for o in page.items]

        return await self._section("workOrders", client.base.config, agent, access, audit, fetch)

    async def licences(self, agent: Caller, access: TicketAccess, audit: AuditTrail) -> Federated[AgentLicenceView]:
        client = self.space.connectors.licences

        async def fetch(call: CallContext) -> list[AgentLicenceView]:
            items = await client.by_holder(access.id_number, call)
            return [
                AgentLicenceView(i.type_name, i.status_code, i.status_name, i.issuer, i.valid_until)
                for i in sorted(items, key=lambda i: (i.status_code != "01", i.type_name))
            ]

        return await self._section("licences", client.base.config, agent, access, audit, fetch)

    async def bills(self, agent: Caller, access: TicketAccess, audit: AuditTrail) -> Federated[AgentBillView]:
        client = self.space.connectors.bills

        async def fetch(call: CallContext) -> list[AgentBillView]:
            page = await client.bills(access.id_number, call, page_size=24)
            return [
                AgentBillView(b.utility_name, b.provider, b.period, f"{b.amount_due:.2f}", b.status, b.due_on)
                for b in page.items
            ]

        return await self._section("bills", client.base.config, agent, access, audit, fetch)

    async def _section(
        self,
        name: str,
        system: SystemConfig,
        agent: Caller,
        access: TicketAccess,
        audit: AuditTrail,
        fetch: Callable[[CallContext], Awaitable[list[ItemT]]],
    ) -> Federated[ItemT]:
        _require_section(access, name)
        # Audited before the call: an attempted read is a read, even when the department fails.
        audit.read(access.account_id, name)
        try:
            items = await fetch(self._call(agent, audit.request_id, audit.purpose))
        except Exception:
            audit.failed_read(name)
            raise
        return Federated(items, Provenance(system.title, system.department, utcnow()))

    # -- filing a work order for the caller -----------------------------------------------------

    async def caller_party(self, session: AsyncSession, access: TicketAccess, audit: AuditTrail) -> SealedParty:
        """The caller's identity for filing in their name: only with consent to 12345工单. Read
        before the write's transaction begins."""
        if "workOrders" not in access.sections:
            raise NotAllowed("需来电人授权「12345工单」后才能代为登记诉求")
        account = await session.get(Account, access.account_id)
        if account is None:
            raise NotAllowed("来电人账户不存在")
        audit.read(access.account_id, "workOrders")
        person = self.identity.person(account)
        party = {"id_type": "111", "id_number": person.id_number, "name": person.name}
        return SealedParty(
            party_enc=self.cipher.encrypt(orjson.dumps(party).decode(), context=PARTY_CONTEXT),
            phone_enc=self.cipher.encrypt(person.phone, context=PHONE_CONTEXT) if person.phone else None,
        )

    async def file_work_order(
        self,
        session: AsyncSession,
        agent: Caller,
        access: TicketAccess,
        party: SealedParty,
        request: WorkOrderRequest,
        idempotency_key: str,
    ) -> Submission:
        """Filed in the caller's name through the outbox: acknowledged PENDING, delivered by the
        worker. The caller's identity travels encrypted in the outbox row."""
        payload: dict[str, Any] = {
            "order": {**request.model_dump(mode="json", exclude_none=True), "channel": "12345热线电话"},
            "party_enc": party.party_enc,
            "phone_enc": party.phone_enc,
            "ticket_id": access.ticket.ticket_id,
            "filed_by": agent_label(agent),
        }
        # Keys are the agent's; scope them by agent so two agents never collide for one caller.
        scoped = hashlib.sha256(f"{agent.account_id}:{idempotency_key}".encode()).hexdigest()[:40]
        return await enqueue(
            session,
            account_id=access.account_id,
            kind=KIND_WORK_ORDER_FOR_CALLER,
            system="workorders",
            operation=OPERATION_CREATE_FOR_CALLER,
            payload=payload,
            idempotency_key=scoped,
        )

    # -- duplicates (并单) ------------------------------------------------------------------------

    async def similar_work_orders(
        self,
        session: AsyncSession,
        agent: Caller,
        audit: AuditTrail,
        *,
        text: str,
        access: TicketAccess | None,
        limit: int,
    ) -> list[SimilarOrderView]:
        """Orders that look like the same matter: those filed through the app or by agents in the
        last 90 days, plus — with the caller's consent to 12345工单 — the caller's own orders."""
        require_agent(agent)
        text = " ".join(text.split())
        if not 2 <= len(text) <= 500:
            raise InvalidInput("text", "诉求内容应为2到500个字")
        if not 1 <= limit <= 20:
            raise InvalidInput("first", "first must be between 1 and 20")
        candidates = await _recent_orders(session, utcnow() - SIMILAR_LOOKBACK)
        if access is not None and "workOrders" in access.sections:
            own = await self.work_orders(agent, access, audit)
            for order in own.items:
                candidates.append(
                    _Candidate(
                        order.order_id,
                        order.title,
                        order.title,
                        order.kind,
                        order.category,
                        order.status,
                        order.accepted_at,
                        same_caller=True,
                    )
                )
        exclude = {access.ticket.ticket_id} if access is not None else set()
        unique: dict[str, _Candidate] = {}
        for candidate in candidates:
            if candidate.order_id in exclude:
                continue
            key = candidate.order_id or f"text:{candidate.title}:{candidate.content}"
            if key not in unique or candidate.same_caller:
                unique[key] = candidate
        pool = list(unique.values())
        scores = similarity(text, [f"{c.title} {c.content}" for c in pool], self.tokenize)
        ranked = sorted(zip(scores, pool, strict=True), key=lambda pair: -pair[0])
        return [
            SimilarOrderView(
                order_id=c.order_id,
                title=c.title,
                excerpt=c.content[:60],
                kind=c.kind,
                category=c.category,
                status=c.status,
                created_at=c.created_at,
                score=round(score, 4),
                same_caller=c.same_caller,
            )
            for score, c in ranked[:limit]
            if score >= MIN_SIMILARITY
        ]

    # -- helpers --------------------------------------------------------------------------------

    def _code_hash(self, consent_id: str, code: str) -> str:
        # Keyed: a stolen table does not give the codes away by brute force over a million values.
        return self.cipher.lookup_hash(f"agent-consent:{consent_id}:{code}")

    async def _account_of(self, session: AsyncSession, id_number: str) -> Account | None:
        return await repository.account_by_id_number_hash(session, self.cipher.lookup_hash(id_number))

    async def _consent_of_agent(self, session: AsyncSession, agent: Caller, consent_id: str) -> AgentConsent:
        consent = await session.get(AgentConsent, consent_id[:64])
        if consent is None or consent.agent_subject != agent.subject:
            raise NotAllowed("授权请求不存在")
        return consent

    async def _consent_of_account(self, session: AsyncSession, account_id: str, consent_id: str) -> AgentConsent:
        consent = await session.get(AgentConsent, consent_id[:64])
        if consent is None or consent.account_id != account_id:
            raise NotAllowed("授权请求不存在")
        return consent

    async def _notify(
        self, session: AsyncSession, consent: AgentConsent, kind: str, title: str, body: str, status: str
    ) -> None:
        session.add(
            Notification(
                account_id=consent.account_id,
                kind=kind,
                title=title,
                body=body,
                object_ref=f"agent_consent:{consent.id}",
                created_at=utcnow(),
            )
        )
        await session.flush()
        await self.bus.publish(
            f"user:{consent.account_id}",
            {
                "type": "NOTIFICATION",
                "objectId": consent.id,
                "kind": kind,
                "status": status,
                "title": title,
                "body": body,
                "at": utcnow().isoformat(),
            },
        )


# -- pure helpers ----------------------------------------------------------------------------------


def require_agent(caller: Caller) -> None:
    if caller.role != AGENT_ROLE:
        raise NotAllowed("仅12345坐席可以使用坐席工作台")


def check_consent_request(agent: Caller, sections: Sequence[str], method: str, grant_minutes: int) -> None:
    require_agent(agent)
    if not sections:
        raise InvalidInput("sections", "至少选择一项需要查看的内容")
    if not set(sections) <= set(SECTIONS):
        raise InvalidInput("sections", f"sections must be among {', '.join(SECTIONS)}")
    if method not in METHODS:
        raise InvalidInput("method", "method must be app or code")
    if not MIN_GRANT_MINUTES <= grant_minutes <= MAX_GRANT_MINUTES:
        raise InvalidInput("grantMinutes", f"授权时长应在{MIN_GRANT_MINUTES}到{MAX_GRANT_MINUTES}分钟之间")


def check_ticket_id(ticket_id: str) -> str:
    ticket_id = ticket_id.strip().upper()
    if not re.fullmatch(ORDER_ID_PATTERN, ticket_id):
        raise InvalidInput("ticketId", "工单编号格式应为 YN 加14位数字")
    return ticket_id


def agent_label(agent: Caller) -> str:
    # The same short reference the caller's data-access log shows, never the agent's own name.
    return f"12345坐席（编号{agent.subject[-6:]}）"


def effective_status(consent: AgentConsent, now: datetime) -> str:
    if consent.status == "pending" and (_aware(consent.request_expires_at) or now) <= now:
        return "expired"
    if consent.status == "approved" and (_aware(consent.expires_at) or now) <= now:
        return "expired"
    return consent.status


def consent_view(consent: AgentConsent, now: datetime) -> ConsentView:
    return ConsentView(
        id=consent.id,
        ticket_id=consent.ticket_id,
        ticket_title=consent.ticket_title,
        agent_label=consent.agent_label,
        sections=list(consent.sections),
        method=consent.method,
        status=effective_status(consent, now),
        grant_minutes=consent.grant_seconds // 60,
        requested_at=_aware(consent.requested_at) or now,
        request_expires_at=_aware(consent.request_expires_at) or now,
        decided_at=_aware(consent.decided_at),
        expires_at=_aware(consent.expires_at),
        attempts_left=MAX_CODE_ATTEMPTS - consent.code_attempts if consent.method == "code" else None,
    )


def ticket_view(order: WorkOrder) -> TicketView:
    return TicketView(
        ticket_id=order.order_id,
        kind=order.kind,
        title=order.title,
        category=order.category,
        status=order.status,
        channel=order.channel,
        handling_unit=order.handling_unit,
        accepted_at=order.accepted_at,
        deadline=order.deadline,
    )


def work_order_view(order: WorkOrder) -> AgentWorkOrderView:
    return AgentWorkOrderView(
        order_id=order.order_id,
        kind=order.kind,
        title=order.title,
        category=order.category,
        status=order.status,
        handling_unit=order.handling_unit,
        accepted_at=order.accepted_at,
        deadline=order.deadline,
        replied=order.reply is not None,
        merged_into=order.merged_into,
    )


def parse_work_order_request(data: dict[str, Any]) -> WorkOrderRequest:
    try:
        return WorkOrderRequest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "input"
        raise InvalidInput(f"input.{field}", f"{field}: {first['msg']}") from None


def _require_section(access: TicketAccess, section: str) -> None:
    if section not in access.sections:
        raise NotAllowed(f"来电人未授权查看「{SECTION_LABELS[section]}」")


def _labels(sections: Sequence[str]) -> str:
    return "、".join(SECTION_LABELS.get(s, s) for s in sections)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- text similarity ------------------------------------------------------------------------------

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


def _jieba_tokens(text: str) -> list[str]:
    return [w for w in jieba.lcut_for_search(text) if w.strip()]


def _features(text: str, tokenize: Callable[[str], list[str]]) -> tuple[list[str], list[str]]:
    """Words (two characters or more) plus character bigrams: the bigrams catch what a
    segmentation splits differently in two phrasings of one complaint (摊贩 / 小摊贩)."""
    words = [w for w in tokenize(text) if len(w) >= 2]
    bigrams = [run[i : i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)]
    return words, words + [f"#{b}" for b in bigrams]


def similarity(query: str, documents: Sequence[str], tokenize: Callable[[str], list[str]]) -> list[float]:
    """TF-IDF cosine over the pool (so words every complaint uses, 反映 / 问题, count little),
    blended with rapidfuzz's token-set ratio on the words (robust to word order)."""
    if not documents:
        return []
    query_words, query_terms = _features(query, tokenize)
    analysed = [_features(d, tokenize) for d in documents]
    frequency: Counter[str] = Counter()
    for _, terms in [*analysed, (query_words, query_terms)]:
        frequency.update(set(terms))
    total = len(documents) + 1
    idf = {term: math.log((1 + total) / (1 + count)) + 1 for term, count in frequency.items()}

    def vector(terms: list[str]) -> dict[str, float]:
        return {term: count * idf[term] for term, count in Counter(terms).items()}

    query_vector = vector(query_terms)
    query_norm = math.sqrt(sum(v * v for v in query_vector.values())) or 1.0
    scores = []
    for words, terms in analysed:
        doc_vector = vector(terms)
        norm = math.sqrt(sum(v * v for v in doc_vector.values())) or 1.0
        cosine = sum(w * doc_vector.get(t, 0.0) for t, w in query_vector.items()) / (query_norm * norm)
        fuzzy = fuzz.token_set_ratio(" ".join(query_words), " ".join(words)) / 100 if words else 0.0
        scores.append(0.75 * cosine + 0.25 * fuzzy)
    return scores


# -- queries --------------------------------------------------------------------------------------


@dataclass
class _Candidate:
    order_id: str | None
    title: str
    content: str
    kind: str
    category: str
    status: str
    created_at: datetime | None
    same_caller: bool = False


async def _recent_orders(session: AsyncSession, since: datetime) -> list[_Candidate]:
    """Work orders filed through this gateway (by citizens or agents): our own copies of writes."""
    rows = await session.scalars(
        select(Submission)
        .where(Submission.kind.in_(WORK_ORDER_SUBMISSION_KINDS), Submission.created_at >= since)
        .order_by(Submission.created_at.desc())
        .limit(SIMILAR_POOL_LIMIT)
    )
    candidates = []
    for row in rows.all():
        nested = row.payload.get("order")
        order: dict[str, Any] = nested if isinstance(nested, dict) else row.payload
        title, content = str(order.get("title") or ""), str(order.get("content") or "")
        if not title:
            continue
        candidates.append(
            _Candidate(
                order_id=row.remote_id,
                title=title,
                content=content,
                kind=str(order.get("kind") or ""),
                category=str(order.get("category") or "其他"),
                status=row.remote_status or ("待送达" if row.status == "PENDING" else row.status),
                created_at=_aware(row.created_at),
            )
        )
    return candidates


# -- delivery (used by personal_space/deliveries.py) ----------------------------------------------


def deliver_work_order_for_caller(client: WorkOrdersClient, cipher: FieldCipher) -> Deliver:
    """The outbox deliverer: decrypt the caller, file the order with the write's idempotency key."""

    async def deliver(payload: dict[str, Any], idempotency_key: str) -> Delivered:
        party = Party.model_validate(orjson.loads(cipher.decrypt(payload["party_enc"], context=PARTY_CONTEXT)))
        phone = cipher.decrypt(payload["phone_enc"], context=PHONE_CONTEXT) if payload.get("phone_enc") else None
        order = NewWorkOrder.model_validate(
            {**payload["order"], "caller": party, "contact_phone": phone if phone and len(phone) == 11 else None}
        )
        call = CallContext(
            request_id=f"outbox-{hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]}",
            purpose=f"agent_ticket:{payload.get('ticket_id', '')}",
        )
        created = await client.create(order, call, idempotency_key=idempotency_key)
        return Delivered(remote_id=created.order_id, remote_status=created.status)

    return deliver
