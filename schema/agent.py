"""The 12345 agent workspace (坐席工作台) and the caller's consent requests (授权请求)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from personal_space.agent import TicketAccess
from resolvers import agent as resolve
from resolvers.context import Info
from schema.types.agent import (
    AgentAnswerSuggestions,
    AgentBill,
    AgentCallerProfile,
    AgentCase,
    AgentConsentDecisionResult,
    AgentConsentRequest,
    AgentGrant,
    AgentLicence,
    AgentSection,
    AgentTicketSummary,
    AgentWorkOrder,
    ConfirmAgentConsentCodeResult,
    CreateWorkOrderForCallerResult,
    RequestAgentConsentResult,
    SimilarWorkOrder,
)
from schema.types.common import Connection
from schema.types.results import NotAllowed, ValidationError


@strawberry.type(
    description="来电人的个人空间（坐席视图）：仅含来电人授权的内容，严格脱敏；每次查看都记入来电人的查询记录"
)
class AgentCaller:
    access: strawberry.Private[TicketAccess]

    @strawberry.field(description="基本信息；未授权时为 null，errors[] 中 code 为 NOT_ALLOWED")
    async def profile(self, info: Info) -> AgentCallerProfile | None:
        return await resolve.caller_profile(info, self.access)

    @strawberry.field(description="办件")
    async def cases(self, info: Info, first: int | None = 20, after: str | None = None) -> Connection[AgentCase] | None:
        return await resolve.caller_cases(info, self.access, first, after)

    @strawberry.field(description="12345工单")
    async def work_orders(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[AgentWorkOrder] | None:
        return await resolve.caller_work_orders(info, self.access, first, after)

    @strawberry.field(description="电子证照（仅类型和状态）")
    async def licences(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[AgentLicence] | None:
        return await resolve.caller_licences(info, self.access, first, after)

    @strawberry.field(description="水电气账单")
    async def bills(self, info: Info, first: int | None = 20, after: str | None = None) -> Connection[AgentBill] | None:
        return await resolve.caller_bills(info, self.access, first, after)


@strawberry.type(description="坐席正在处理的工单：工单未办结且来电人已授权")
class AgentTicket:
    access: strawberry.Private[TicketAccess]

    @strawberry.field
    def ticket(self) -> AgentTicketSummary:
        return AgentTicketSummary.of(self.access.ticket)

    @strawberry.field(description="来电人当前的授权")
    def consent(self) -> AgentGrant:
        sections = [s for s in AgentSection if s.value in self.access.sections]
        return AgentGrant(sections=sections, expires_at=self.access.expires_at)

    @strawberry.field
    def caller(self) -> AgentCaller:
        return AgentCaller(access=self.access)


AgentTicketResult = Annotated[AgentTicket | NotAllowed | ValidationError, strawberry.union("AgentTicketResult")]


@strawberry.type(description="12345坐席工作台")
class AgentWorkspace:
    @strawberry.field(description="打开工单：须工单未办结且来电人已授权，否则为 NotAllowed")
    async def ticket(self, info: Info, id: str) -> AgentTicketResult | None:
        opened = await resolve.open_ticket(info, id)
        if isinstance(opened, TicketAccess):
            return AgentTicket(access=opened)
        return opened

    @strawberry.field(description="查看自己发起的授权请求的状态")
    async def consent_request(self, info: Info, id: strawberry.ID) -> AgentConsentRequest | None:
        return await resolve.consent_request(info, str(id))

    @strawberry.field(description="根据来电人的问题，从常见问题库给出答复建议")
    async def suggest_answers(self, info: Info, text: str, first: int = 5) -> AgentAnswerSuggestions:
        return await resolve.suggest_answers(info, text, first)

    @strawberry.field(
        description="查找内容相近、可能需要并单的工单；给出 ticketId 且来电人授权了12345工单时，也比对其本人的工单"
    )
    async def similar_work_orders(
        self, info: Info, text: str, ticket_id: str | None = None, first: int = 5
    ) -> list[SimilarWorkOrder]:
        return await resolve.similar_work_orders(info, text, ticket_id, first)


AgentWorkspaceResult = Annotated[AgentWorkspace | NotAllowed, strawberry.union("AgentWorkspaceResult")]


@strawberry.type
class AgentQuery:
    @strawberry.field(description="12345坐席工作台（仅坐席）")
    def agent_workspace(self, info: Info) -> AgentWorkspaceResult:
        denied = resolve.agent_denial(info)
        return denied if denied is not None else AgentWorkspace()

    my_consent_requests: Connection[AgentConsentRequest] = strawberry.field(
        resolver=resolve.my_consent_requests, description="12345坐席向我申请查看信息的授权请求"
    )


@strawberry.type
class AgentMutation:
    request_agent_consent: RequestAgentConsentResult = strawberry.mutation(
        resolver=resolve.request_agent_consent,
        description="坐席为工单申请查看来电人的信息（限定内容和时长）；来电人在App中同意，或读出App收到的验证码",
    )
    confirm_agent_consent_code: ConfirmAgentConsentCodeResult = strawberry.mutation(
        resolver=resolve.confirm_agent_consent_code, description="坐席提交来电人读出的验证码"
    )
    approve_agent_consent: AgentConsentDecisionResult = strawberry.mutation(
        resolver=resolve.approve_agent_consent, description="同意坐席的授权请求"
    )
    deny_agent_consent: AgentConsentDecisionResult = strawberry.mutation(
        resolver=resolve.deny_agent_consent, description="拒绝坐席的授权请求"
    )
    revoke_agent_consent: AgentConsentDecisionResult = strawberry.mutation(
        resolver=resolve.revoke_agent_consent, description="撤回已同意的授权（立即失效）"
    )
    create_work_order_for_caller: CreateWorkOrderForCallerResult = strawberry.mutation(
        resolver=resolve.create_work_order_for_caller,
        description="坐席以来电人名义登记诉求（须工单未办结且来电人授权了12345工单），经发件箱送达热线系统",
    )
