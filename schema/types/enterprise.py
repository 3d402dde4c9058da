"""Types of the enterprise space (企业服务空间) and of staff authorisations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry

from connectors.bills.models import Bill as BillModel
from connectors.bills.models import BillSummary
from connectors.cases.models import Case as CaseModel
from connectors.enterprise.models import Authorisation, Company
from connectors.ratings.models import Rating as RatingModel
from personal_space.enterprise_grants import AuthorisationRequestView
from personal_space.sections import case_view, china_today
from personal_space.views import Provenance
from schema.types.common import Source
from schema.types.node import Node, from_global_id, to_global_id
from schema.types.results import IdempotencyConflict, NotAllowed, ValidationError


@strawberry.enum(description="与企业的关系")
class EnterpriseRelation(Enum):
    LEGAL_REPRESENTATIVE = "legal_representative"
    STAFF = "staff"


@strawberry.enum(description="授权事项范围（电子营业执照授权）")
class EnterpriseScope(Enum):
    LICENCES = "licences"
    CASES = "cases"
    WORKORDERS = "workorders"
    RATINGS = "ratings"
    APPOINTMENTS = "appointments"
    RECORDS = "records"
    BILLS = "bills"
    STAFF = "staff"


@strawberry.enum(description="授权状态")
class AuthorisationStatus(Enum):
    ACTIVE = "有效"
    EXPIRED = "已过期"
    REVOKED = "已撤销"


@strawberry.enum(description="授权申请类型")
class AuthorisationRequestKind(Enum):
    GRANT = "GRANT"
    REVOKE = "REVOKE"


@strawberry.enum(description="授权申请的送达状态：PENDING 已受理待送达，DELIVERED 登记机关已办理，REJECTED 未被受理")
class AuthorisationRequestStatus(Enum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    REJECTED = "REJECTED"


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _local_id(global_id: strawberry.ID, type_name: str) -> str:
    kind, local = from_global_id(global_id)
    return local if kind == type_name else ""


@strawberry.federation.type(keys=["id"], description="市场主体登记信息（营业执照信息）")
class CompanyRegistration(Node):
    id: strawberry.ID
    uscc: str = strawberry.field(description="统一社会信用代码")
    name: str
    type: str
    legal_representative_name: str = strawberry.field(description="法定代表人（经营者）姓名（脱敏）")
    registered_capital: str
    address: str
    established_on: date
    business_term_from: date
    business_term_until: date | None = strawberry.field(description="营业期限至；空表示长期")
    status: str = strawberry.field(description="登记状态：存续 / 注销 / 吊销")
    status_changed_on: date | None
    registration_authority: str
    prefecture: str
    industry: str
    business_scope: str
    latest_annual_report_year: int | None = strawberry.field(description="最近一次报送年报的年度")
    source: Source

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> CompanyRegistration:
        from resolvers.enterprise import company_node

        return await company_node(info, _local_id(id, "CompanyRegistration"))

    @classmethod
    def of(cls, c: Company, source: Provenance) -> CompanyRegistration:
        return cls(
            id=to_global_id("CompanyRegistration", c.uscc),
            uscc=c.uscc,
            name=c.name,
            type=c.type,
            legal_representative_name=c.legal_representative.name,
            registered_capital=c.registered_capital,
            address=c.address,
            established_on=c.established_on,
            business_term_from=c.business_term_from,
            business_term_until=c.business_term_until,
            status=c.status,
            status_changed_on=c.status_changed_on,
            registration_authority=c.registration_authority,
            prefecture=c.prefecture,
            industry=c.industry,
            business_scope=c.business_scope,
            latest_annual_report_year=c.latest_annual_report_year,
            source=Source.of(source),
        )


@strawberry.type(description="办件进度节点")
class EnterpriseCaseStep:
    status: str
    at: datetime
    actor: str
    note: str


@strawberry.federation.type(keys=["id"], description="企业办件")
class EnterpriseCase(Node):
    id: strawberry.ID
    case_id: str
    item_code: str
    item_name: str
    department: str
    status: str
    result: str | None
    channel: str
    submitted_by_name: str | None = strawberry.field(description="经办人（脱敏）")
    promised_days: int
    promised_deadline: date | None
    working_days_left: int | None = strawberry.field(description="剩余工作日；补正期间暂停计时")
    overdue: bool
    clock_paused: bool
    supplement_request: str | None
    fee_yuan: int
    timeline: list[EnterpriseCaseStep]
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    source: Source

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> EnterpriseCase:
        from resolvers.enterprise import case_node

        return await case_node(info, _local_id(id, "EnterpriseCase"))

    @classmethod
    def of(cls, c: CaseModel, source: Provenance) -> EnterpriseCase:
        clock = case_view(c, china_today())
        return cls(
            id=to_global_id("EnterpriseCase", c.case_id),
            case_id=c.case_id,
            item_code=c.item_code,
            item_name=c.item_name,
            department=c.department,
            status=c.status,
            result=c.result,
            channel=c.channel,
            submitted_by_name=c.submitted_by.name if c.submitted_by else None,
            promised_days=c.promised_days,
            promised_deadline=clock.promised_deadline,
            working_days_left=clock.working_days_left,
            overdue=clock.overdue,
            clock_paused=c.clock_paused,
            supplement_request=c.supplement_request,
            fee_yuan=c.fee_yuan,
            timeline=[EnterpriseCaseStep(status=s.status, at=s.at, actor=s.actor, note=s.note) for s in c.timeline],
            created_at=c.created_at,
            updated_at=c.updated_at,
            finished_at=c.finished_at,
            source=Source.of(source),
        )


@strawberry.federation.type(keys=["id"], description="企业办件的好差评")
class EnterpriseRating(Node):
    id: strawberry.ID
    rating_id: str
    target_type: str
    case_id: str | None
    item_code: str
    item_name: str
    department: str
    level: str = strawberry.field(description="非常满意 / 满意 / 基本满意 / 不满意 / 非常不满意")
    score: int
    is_bad: bool
    comment: str | None
    reasons: list[str]
    channel: str
    rater_name: str = strawberry.field(description="评价人（脱敏）")
    rated_at: datetime
    rectification_status: str | None = strawberry.field(description="差评整改：待回访 / 整改中 / 已整改 / 无需整改")
    appeal_status: str | None
    source: Source

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> EnterpriseRating:
        from resolvers.enterprise import rating_node

        return await rating_node(info, _local_id(id, "EnterpriseRating"))

    @classmethod
    def of(cls, r: RatingModel, source: Provenance) -> EnterpriseRating:
        return cls(
            id=to_global_id("EnterpriseRating", r.rating_id),
            rating_id=r.rating_id,
            target_type=r.target_type,
            case_id=r.case_id,
            item_code=r.item_code,
            item_name=r.item_name,
            department=r.department,
            level=r.level,
            score=r.score,
            is_bad=r.is_bad,
            comment=r.comment,
            reasons=list(r.reasons),
            channel=r.channel,
            rater_name=r.rater.name,
            rated_at=r.rated_at,
            rectification_status=r.rectification.status if r.rectification else None,
            appeal_status=r.appeal.status if r.appeal else None,
            source=Source.of(source),
        )


@strawberry.federation.type(keys=["id"], description="企业水电气账单")
class EnterpriseBill(Node):
    id: strawberry.ID
    bill_id: str
    account_no: str = strawberry.field(description="户号")
    utility: str
    utility_name: str
    provider: str
    period: str = strawberry.field(description="账期 YYYY-MM")
    usage: int
    unit: str
    amount: str = strawberry.field(description="金额（元）")
    late_fee: str = strawberry.field(description="违约金（元）")
    amount_due: str = strawberry.field(description="应缴（元）；已缴为 0.00")
    issued_on: date
    due_on: date
    status: str = strawberry.field(description="已缴 / 未缴 / 逾期")
    paid_at: datetime | None
    pay_channel: str | None
    source: Source

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> EnterpriseBill:
        from resolvers.enterprise import bill_node

        return await bill_node(info, _local_id(id, "EnterpriseBill"))

    @classmethod
    def of(cls, uscc: str, b: BillModel, source: Provenance) -> EnterpriseBill:
        return cls(
            # A bill names no holder: its id carries the company, whose accounts it must be on.
            id=to_global_id("EnterpriseBill", f"{uscc}:{b.bill_id}"),
            bill_id=b.bill_id,
            account_no=b.account_no,
            utility=b.utility,
            utility_name=b.utility_name,
            provider=b.provider,
            period=b.period,
            usage=b.usage,
            unit=b.unit,
            amount=_money(b.amount),
            late_fee=_money(b.late_fee),
            amount_due=_money(b.amount_due),
            issued_on=b.issued_on,
            due_on=b.due_on,
            status=b.status,
            paid_at=b.paid_at,
            pay_channel=b.pay_channel,
            source=Source.of(source),
        )


@strawberry.type(description="某项费用的欠费情况")
class EnterpriseOutstanding:
    utility: str
    utility_name: str
    bills: int
    amount_due: str
    overdue_bills: int


@strawberry.type(description="企业水电气欠费汇总")
class EnterpriseBillSummary:
    outstanding: list[EnterpriseOutstanding]
    total_due: str
    as_of: date
    source: Source

    @classmethod
    def of(cls, summary: BillSummary, source: Provenance) -> EnterpriseBillSummary:
        return cls(
            outstanding=[
                EnterpriseOutstanding(
                    utility=o.utility,
                    utility_name=o.utility_name,
                    bills=o.bills,
                    amount_due=_money(o.amount_due),
                    overdue_bills=o.overdue_bills,
                )
                for o in summary.outstanding
            ],
            total_due=_money(summary.total_due),
            as_of=summary.as_of,
            source=Source.of(source),
        )


@strawberry.federation.type(keys=["id"], description="员工授权（电子营业执照授权记录）")
class StaffAuthorisation(Node):
    id: strawberry.ID
    authorisation_id: str = strawberry.field(description="登记机关的授权编号，撤销时使用")
    staff_name: str = strawberry.field(description="被授权人（脱敏）")
    scopes: list[EnterpriseScope]
    granted_by_name: str
    granted_by_role: str = strawberry.field(description="法定代表人 / 管理员")
    granted_at: datetime
    expires_on: date
    status: AuthorisationStatus
    revoked_at: datetime | None
    revoked_by_name: str | None
    replaces: str | None = strawberry.field(description="本授权替换的上一条授权编号")
    source: Source

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> StaffAuthorisation:
        from resolvers.enterprise import authorisation_node

        return await authorisation_node(info, _local_id(id, "StaffAuthorisation"))

    @classmethod
    def of(cls, g: Authorisation, source: Provenance) -> StaffAuthorisation:
        return cls(
            id=to_global_id("StaffAuthorisation", f"{g.uscc}:{g.grant_id}"),
            authorisation_id=g.grant_id,
            staff_name=g.staff_name,
            scopes=[EnterpriseScope(s) for s in g.scopes],
            granted_by_name=g.granted_by_name,
            granted_by_role=g.granted_by_role,
            granted_at=g.granted_at,
            expires_on=g.expires_on,
            status=AuthorisationStatus(g.status),
            revoked_at=g.revoked_at,
            revoked_by_name=g.revoked_by_name,
            replaces=g.replaces,
            source=Source.of(source),
        )


@strawberry.type(description="授权 / 撤销申请：先受理（PENDING），送达登记机关后生效")
class StaffAuthorisationRequest:
    id: strawberry.ID
    kind: AuthorisationRequestKind
    status: AuthorisationRequestStatus
    uscc: str
    company_name: str
    staff_name: str | None = strawberry.field(description="被授权人（脱敏）；撤销申请为空")
    scopes: list[EnterpriseScope]
    expires_on: date | None
    authorisation_id: str | None = strawberry.field(description="授权编号：撤销申请填写的，或授权送达后登记机关给出的")
    submitted_at: datetime
    message: str | None = strawberry.field(description="未被受理时登记机关给出的原因")

    @classmethod
    def of(cls, view: AuthorisationRequestView) -> StaffAuthorisationRequest:
        return cls(
            id=strawberry.ID(view.id),
            kind=AuthorisationRequestKind(view.kind),
            status=AuthorisationRequestStatus(view.status),
            uscc=view.uscc,
            company_name=view.company_name,
            staff_name=view.staff_name,
            scopes=[EnterpriseScope(s) for s in view.scopes],
            expires_on=view.expires_on,
            authorisation_id=view.authorisation_id,
            submitted_at=view.submitted_at,
            message=view.message,
        )


GrantStaffAuthorisationResult = Annotated[
    StaffAuthorisationRequest | ValidationError | NotAllowed | IdempotencyConflict,
    strawberry.union("GrantStaffAuthorisationResult"),
]
RevokeStaffAuthorisationResult = Annotated[
    StaffAuthorisationRequest | ValidationError | NotAllowed | IdempotencyConflict,
    strawberry.union("RevokeStaffAuthorisationResult"),
]
