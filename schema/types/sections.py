"""Types of the federated sections: cases, work orders, ratings, appointments, bills, records."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime

import strawberry

from connectors.appointments.models import Appointment as AppointmentModel
from connectors.bills.models import Bill as BillModel
from connectors.ratings.models import Rating as RatingModel
from connectors.workorders.models import WorkOrder as WorkOrderModel
from personal_space import plain_words
from personal_space.sections import CaseView, RecordsView, money
from personal_space.views import Provenance
from schema.types.common import Source
from schema.types.node import Node, to_global_id


@strawberry.type(description="状态的通俗说明；长辈模式下为完整的一句话")
class Presentation:
    display_status: str
    speakable_text: str

    @classmethod
    def of(cls, text: str) -> Presentation:
        return cls(display_status=text, speakable_text=plain_words.speakable(text))


@strawberry.type
class CaseStep:
    status: str
    at: datetime
    actor: str
    note: str


@strawberry.federation.type(keys=["id"], description="办件")
class Case(Node):
    id: strawberry.ID
    case_id: str
    item_code: str
    item_name: str
    department: str
    status: str
    display_status: str
    speakable_text: str
    channel: str
    cross_province_mode: str | None = strawberry.field(description="跨省通办：全程网办 / 异地代收代办 / 多地联办")
    applicant_name: str
    promised_days: int
    promised_deadline: date | None
    working_days_left: int | None = strawberry.field(description="剩余工作日；补正期间暂停计时")
    overdue: bool
    clock_paused: bool
    supplement_request: str | None
    result: str | None
    fee_yuan: int
    timeline: list[CaseStep]
    created_at: datetime
    finished_at: datetime | None
    source: Source

    @strawberry.field(description="这件办件的好差评（同一请求内批量获取）")
    async def rating(self, info: strawberry.Info) -> Rating | None:
        found = await info.context.loaders.case_ratings.load(self.case_id)
        return Rating.of(*found) if found else None

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Case:
        # Not fetchable by reference (node(id) refuses it too): a clear NOT_FOUND, not a bug.
        from resolvers.node import NOT_FOUND

        raise NOT_FOUND

    @classmethod
    def of(cls, view: CaseView, source: Provenance, *, elder: bool, today: date) -> Case:
        c = view.case
        text = plain_words.case_status(view, elder=elder, today=today)
        return cls(
            id=to_global_id("Case", c.case_id),
            case_id=c.case_id,
            item_code=c.item_code,
            item_name=c.item_name,
            department=c.department,
            status=c.status,
            display_status=text,
            speakable_text=plain_words.speakable(text),
            channel=c.channel,
            cross_province_mode=c.cross_province_mode,
            applicant_name=c.applicant.name,
            promised_days=c.promised_days,
            promised_deadline=view.promised_deadline,
            working_days_left=view.working_days_left,
            overdue=view.overdue,
            clock_paused=c.clock_paused,
            supplement_request=c.supplement_request,
            result=c.result,
            fee_yuan=c.fee_yuan,
            timeline=[CaseStep(status=s.status, at=s.at, actor=s.actor, note=s.note) for s in c.timeline],
            created_at=c.created_at,
            finished_at=c.finished_at,
            source=Source.of(source),
        )


@strawberry.type
class WorkOrderEvent:
    action: str
    status: str
    at: datetime
    actor: str
    note: str


@strawberry.type
class WorkOrderReply:
    unit: str
    content: str
    at: datetime


@strawberry.federation.type(keys=["id"], description="12345工单（咨询 / 求助 / 投诉 / 举报 / 建议）")
class WorkOrder(Node):
    id: strawberry.ID
    order_id: str
    kind: str
    title: str
    content: str
    category: str
    status: str
    display_status: str
    speakable_text: str
    handling_unit: str | None
    time_limit_days: int
    deadline: date
    reply: WorkOrderReply | None
    satisfaction: str | None
    reopened_count: int
    merged_into: str | None
    history: list[WorkOrderEvent]
    accepted_at: datetime
    closed_at: datetime | None
    source: Source

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> WorkOrder:
        # Not fetchable by reference (node(id) refuses it too): a clear NOT_FOUND, not a bug.
        from resolvers.node import NOT_FOUND

        raise NOT_FOUND

    @classmethod
    def of(cls, o: WorkOrderModel, source: Provenance, *, elder: bool, today: date) -> WorkOrder:
        text = plain_words.work_order_status(o, elder=elder, today=today)
        return cls(
            id=to_global_id("WorkOrder", o.order_id),
            order_id=o.order_id,
            kind=o.kind,
            title=o.title,
            content=o.content,
            category=o.category,
            status=o.status,
            display_status=text,
            speakable_text=plain_words.speakable(text),
            handling_unit=o.handling_unit,
            time_limit_days=o.time_limit_days,
            deadline=o.deadline,
            reply=WorkOrderReply(unit=o.reply.unit, content=o.reply.content, at=o.reply.at) if o.reply else None,
            satisfaction=o.rating.level if o.rating else None,
            reopened_count=o.reopened_count,
            merged_into=o.merged_into,
            history=[
                WorkOrderEvent(action=h.action, status=h.status, at=h.at, actor=h.actor, note=h.note) for h in o.history
            ],
            accepted_at=o.accepted_at,
            closed_at=o.closed_at,
            source=Source.of(source),
        )


@strawberry.type(description="差评整改")
class Rectification:
    status: str
    department: str
    opened_at: datetime
    deadline: date
    measures: str | None
    visits: list[str]


@strawberry.type(description="好差评")
class Rating(Node):
    id: strawberry.ID
    rating_id: str
    target_type: str
    case_id: str | None
    item_code: str
    item_name: str
    department: str
    level: str
    score: int
    is_bad: bool
    comment: str | None
    reasons: list[str]
    rated_at: datetime
    rectification: Rectification | None
    appeal_status: str | None
    source: Source

    @classmethod
    def of(cls, r: RatingModel, source: Provenance) -> Rating:
        rect = r.rectification
        return cls(
            id=to_global_id("Rating", r.rating_id),
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
            rated_at=r.rated_at,
            rectification=Rectification(
                status=rect.status,
                department=rect.department,
                opened_at=rect.opened_at,
                deadline=rect.deadline,
                measures=rect.measures,
                visits=[f"{v.at:%Y-%m-%d} {v.method}：{v.note}" for v in rect.visits],
            )
            if rect
            else None,
            appeal_status=r.appeal.status if r.appeal else None,
            source=Source.of(source),
        )


@strawberry.type(description="预约")
class Appointment(Node):
    id: strawberry.ID
    appointment_id: str
    ticket_no: str
    hall_name: str
    hall_address: str
    item_code: str
    item_name: str
    date: dt.date
    start: str
    end: str
    status: str
    display_status: str
    speakable_text: str
    source: Source

    @classmethod
    def of(cls, a: AppointmentModel, source: Provenance, *, elder: bool, today: dt.date) -> Appointment:
        text = plain_words.appointment_status(a, elder=elder, today=today)
        return cls(
            id=to_global_id("Appointment", a.appointment_id),
            appointment_id=a.appointment_id,
            ticket_no=a.ticket_no,
            hall_name=a.hall_name,
            hall_address=a.hall_address,
            item_code=a.item_code,
            item_name=a.item_name,
            date=a.date,
            start=a.start,
            end=a.end,
            status=a.status,
            display_status=text,
            speakable_text=plain_words.speakable(text),
            source=Source.of(source),
        )


@strawberry.type(description="水电气账单")
class Bill(Node):
    id: strawberry.ID
    bill_id: str
    utility: str
    utility_name: str
    provider: str
    account_no: str
    period: str
    usage: int
    unit: str
    amount: str = strawberry.field(description="金额（元）")
    late_fee: str
    amount_due: str
    due_on: date
    status: str
    paid_at: datetime | None
    source: Source

    @classmethod
    def of(cls, b: BillModel, source: Provenance) -> Bill:
        return cls(
            id=to_global_id("Bill", b.bill_id),
            bill_id=b.bill_id,
            utility=b.utility,
            utility_name=b.utility_name,
            provider=b.provider,
            account_no=b.account_no,
            period=b.period,
            usage=b.usage,
            unit=b.unit,
            amount=money(b.amount),
            late_fee=money(b.late_fee),
            amount_due=money(b.amount_due),
            due_on=b.due_on,
            status=b.status,
            paid_at=b.paid_at,
            source=Source.of(source),
        )


@strawberry.type(description="社会保险参保概况")
class SocialInsurance:
    status: str
    category: str
    insured_prefecture: str
    employer_name: str | None
    first_insured_on: date
    months_paid: int
    schemes: list[str]
    monthly_pension: str | None


@strawberry.type(description="住房公积金账户")
class HousingFund:
    masked_account_no: str
    centre: str
    status: str
    employer_name: str | None
    monthly_deposit: str
    balance: str
    last_deposit_month: str | None


@strawberry.type(description="基本医疗保险")
class MedicalInsurance:
    scheme_name: str
    status: str
    insured_prefecture: str
    account_balance: str | None = strawberry.field(description="个人账户余额；城乡居民医保无个人账户")


@strawberry.type(description="社保、公积金、医保记录")
class Records:
    social_insurance: SocialInsurance | None
    housing_fund: HousingFund | None
    medical: MedicalInsurance | None
    source: Source

    @classmethod
    def of(cls, view: RecordsView, source: Provenance) -> Records:
        si, hf, md = view.social_insurance, view.housing_fund, view.medical
        return cls(
            social_insurance=SocialInsurance(
                status=si.status,
                category=si.category,
                insured_prefecture=si.insured_prefecture,
                employer_name=si.employer_name,
                first_insured_on=si.first_insured_on,
                months_paid=si.months_paid,
                schemes=[s.name for s in si.schemes],
                monthly_pension=money(si.retirement.monthly_pension) if si.retirement else None,
            )
            if si
            else None,
            housing_fund=HousingFund(
                masked_account_no=hf.account_no,
                centre=hf.centre,
                status=hf.status,
                employer_name=hf.employer_name,
                monthly_deposit=money(hf.monthly_deposit),
                balance=money(hf.balance),
                last_deposit_month=hf.last_deposit_month,
            )
            if hf
            else None,
            medical=MedicalInsurance(
                scheme_name=md.scheme_name,
                status=md.status,
                insured_prefecture=md.insured_prefecture,
                account_balance=money(md.account_balance) if md.account_balance is not None else None,
            )
            if md
            else None,
            source=Source.of(source),
        )
