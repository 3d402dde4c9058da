"""Types of the 12345 agent workspace (坐席工作台) and of the caller's consent requests."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Annotated

import strawberry

from personal_space.agent import (
    SECTION_LABELS,
    STATUS_LABELS,
    AgentBillView,
    AgentCaseView,
    AgentLicenceView,
    AgentProfileView,
    AgentWorkOrderView,
    ConsentView,
    SimilarOrderView,
    TicketView,
)
from personal_space.views import Provenance
from schema.types.common import Source
from schema.types.results import IdempotencyConflict, NotAllowed, ValidationError


@strawberry.enum(description="坐席可申请查看的内容")
class AgentSection(Enum):
    PROFILE = "profile"
    CASES = "cases"
    WORK_ORDERS = "workOrders"
    LICENCES = "licences"
    BILLS = "bills"


@strawberry.enum(description="来电人授权方式：在App中同意，或向坐席读出App收到的验证码")
class AgentConsentMethod(Enum):
    APP = "app"
    ONE_TIME_CODE = "code"


@strawberry.enum(description="授权请求状态")
class AgentConsentStatus(Enum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    REVOKED = "revoked"
    EXPIRED = "expired"


@strawberry.enum(description="诉求类型")
class AgentWorkOrderKind(Enum):
    CONSULTATION = "咨询"
    HELP = "求助"
    COMPLAINT = "投诉"
    REPORT = "举报"
    SUGGESTION = "建议"


@strawberry.type(description="12345坐席查看来电人信息的授权请求")
class AgentConsentRequest:
    id: strawberry.ID
    ticket_id: str = strawberry.field(description="工单编号")
    ticket_title: str
    agent_label: str = strawberry.field(description="申请的坐席（编号）")
    sections: list[AgentSection]
    section_labels: list[str]
    method: AgentConsentMethod
    status: AgentConsentStatus
    status_text: str
    grant_minutes: int = strawberry.field(description="同意后授权有效的分钟数")
    requested_at: datetime
    request_expires_at: datetime = strawberry.field(description="来电人须在此之前答复")
    decided_at: datetime | None
    expires_at: datetime | None = strawberry.field(description="授权到期时间（同意后才有）")
    code_attempts_left: int | None = strawberry.field(description="验证码方式下还可尝试的次数")

    @classmethod
    def of(cls, view: ConsentView) -> AgentConsentRequest:
        return cls(
            id=strawberry.ID(view.id),
            ticket_id=view.ticket_id,
            ticket_title=view.ticket_title,
            agent_label=view.agent_label,
            sections=[AgentSection(s) for s in view.sections],
            section_labels=[SECTION_LABELS[s] for s in view.sections],
            method=AgentConsentMethod(view.method),
            status=AgentConsentStatus(view.status),
            status_text=STATUS_LABELS[view.status],
            grant_minutes=view.grant_minutes,
            requested_at=view.requested_at,
            request_expires_at=view.request_expires_at,
            decided_at=view.decided_at,
            expires_at=view.expires_at,
            code_attempts_left=view.attempts_left,
        )


@strawberry.type(description="验证码未通过")
class ConsentCodeRejected:
    code: str = strawberry.field(description="CODE_WRONG | TOO_MANY_ATTEMPTS | CONSENT_NOT_PENDING")
    message: str
    attempts_left: int


@strawberry.type(description="工单概要")
class AgentTicketSummary:
    ticket_id: str
    kind: str
    title: str
    category: str
    status: str
    channel: str
    handling_unit: str | None
    accepted_at: datetime
    deadline: date

    @classmethod
    def of(cls, view: TicketView) -> AgentTicketSummary:
        return cls(
            ticket_id=view.ticket_id,
            kind=view.kind,
            title=view.title,
            category=view.category,
            status=view.status,
            channel=view.channel,
            handling_unit=view.handling_unit,
            accepted_at=view.accepted_at,
            deadline=view.deadline,
        )


@strawberry.type(description="生效中的授权")
class AgentGrant:
    sections: list[AgentSection]
    expires_at: datetime = strawberry.field(description="最早到期的授权的到期时间")


@strawberry.type(description="来电人基本信息（严格脱敏）")
class AgentCallerProfile:
    name: str
    masked_id_number: str
    masked_phone: str | None
    gender: str | None
    age: int | None
    prefecture: str | None

    @classmethod
    def of(cls, view: AgentProfileView) -> AgentCallerProfile:
        return cls(
            name=view.name,
            masked_id_number=view.id_number,
            masked_phone=view.phone,
            gender=view.gender,
            age=view.age,
            prefecture=view.prefecture,
        )


@strawberry.type(description="来电人的办件（坐席视图）")
class AgentCase:
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
    source: Source

    @classmethod
    def of(cls, view: AgentCaseView, source: Provenance) -> AgentCase:
        return cls(
            case_id=view.case_id,
            item_code=view.item_code,
            item_name=view.item_name,
            department=view.department,
            status=view.status,
            channel=view.channel,
            accepted_at=view.accepted_at,
            promised_deadline=view.promised_deadline,
            finished_at=view.finished_at,
            awaiting_supplement=view.awaiting_supplement,
            source=Source.of(source),
        )


@strawberry.type(description="来电人的12345工单（坐席视图）")
class AgentWorkOrder:
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
    source: Source

    @classmethod
    def of(cls, view: AgentWorkOrderView, source: Provenance) -> AgentWorkOrder:
        return cls(
            order_id=view.order_id,
            kind=view.kind,
            title=view.title,
            category=view.category,
            status=view.status,
            handling_unit=view.handling_unit,
            accepted_at=view.accepted_at,
            deadline=view.deadline,
            replied=view.replied,
            merged_into=view.merged_into,
            source=Source.of(source),
        )


@strawberry.type(description="来电人的电子证照：仅类型和状态，从不含证照号码")
class AgentLicence:
    type_name: str
    status_code: str
    status_name: str
    issuer: str
    valid_until: date | None
    source: Source

    @classmethod
    def of(cls, view: AgentLicenceView, source: Provenance) -> AgentLicence:
        return cls(
            type_name=view.type_name,
            status_code=view.status_code,
            status_name=view.status_name,
            issuer=view.issuer,
            valid_until=view.valid_until,
            source=Source.of(source),
        )


@strawberry.type(description="来电人的水电气账单（不含户号和地址）")
class AgentBill:
    utility_name: str
    provider: str
    period: str
    amount_due: str = strawberry.field(description="应缴金额（元）")
    status: str
    due_on: date
    source: Source

    @classmethod
    def of(cls, view: AgentBillView, source: Provenance) -> AgentBill:
        return cls(
            utility_name=view.utility_name,
            provider=view.provider,
            period=view.period,
            amount_due=view.amount_due,
            status=view.status,
            due_on=view.due_on,
            source=Source.of(source),
        )


@strawberry.type(description="可供坐席参考的答复（来自常见问题库）")
class AgentSuggestedAnswer:
    faq_id: str
    question: str
    answer: str
    item_codes: list[str]


@strawberry.type(description="答复建议：有把握时 confident 为 true，第一条即为推荐答复")
class AgentAnswerSuggestions:
    confident: bool
    confidence: float
    handoff_reason: str | None = strawberry.field(description="无把握时的原因：LOW_CONFIDENCE | OUT_OF_SCOPE")
    suggestions: list[AgentSuggestedAnswer]


@strawberry.type(description="可能重复、可并单的工单")
class SimilarWorkOrder:
    order_id: str | None = strawberry.field(description="工单编号；尚未送达热线系统时为空")
    title: str
    excerpt: str
    kind: str
    category: str
    status: str
    created_at: datetime | None
    score: float = strawberry.field(description="相似度 0–1")
    same_caller: bool = strawberry.field(description="是否为同一来电人的工单")

    @classmethod
    def of(cls, view: SimilarOrderView) -> SimilarWorkOrder:
        return cls(
            order_id=view.order_id,
            title=view.title,
            excerpt=view.excerpt,
            kind=view.kind,
            category=view.category,
            status=view.status,
            created_at=view.created_at,
            score=view.score,
            same_caller=view.same_caller,
        )


@strawberry.input(description="坐席代来电人登记的诉求")
class AgentWorkOrderInput:
    kind: AgentWorkOrderKind
    title: str
    content: str
    category: str = "其他"
    location: str | None = None


@strawberry.type(description="诉求已登记，待送达12345热线系统（PENDING）")
class WorkOrderFiledForCaller:
    submission_id: strawberry.ID
    status: str
    ticket_id: str


RequestAgentConsentResult = Annotated[
    AgentConsentRequest | ValidationError | NotAllowed | IdempotencyConflict,
    strawberry.union("RequestAgentConsentResult"),
]
ConfirmAgentConsentCodeResult = Annotated[
    AgentConsentRequest | ConsentCodeRejected | ValidationError | NotAllowed,
    strawberry.union("ConfirmAgentConsentCodeResult"),
]
AgentConsentDecisionResult = Annotated[AgentConsentRequest | NotAllowed, strawberry.union("AgentConsentDecisionResult")]
CreateWorkOrderForCallerResult = Annotated[
    WorkOrderFiledForCaller | ValidationError | NotAllowed | IdempotencyConflict,
    strawberry.union("CreateWorkOrderForCallerResult"),
]
