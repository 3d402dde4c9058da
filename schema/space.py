"""The personal space object: each section resolves on its own, concurrently."""

from __future__ import annotations

import strawberry

from resolvers import owned, sections, submissions
from resolvers import space as resolve
from schema.types.common import Connection
from schema.types.owned import DataAccess, Favourite, Notification, Preferences
from schema.types.search import ServiceItem
from schema.types.sections import Appointment, Bill, Case, Rating, Records, WorkOrder
from schema.types.space import Licence, Profile
from schema.types.submissions import Submission
from schema.types.timeline import Timeline


@strawberry.type(description="个人服务空间")
class PersonalSpace:
    profile: Profile = strawberry.field(resolver=resolve.profile)
    licences: Connection[Licence] | None = strawberry.field(
        resolver=resolve.licences, description="我的电子证照；证照库不可用时为 null，errors[] 说明原因"
    )
    cases: Connection[Case] | None = strawberry.field(
        resolver=sections.cases, description="我的办件：进度时间线、承诺时限、剩余工作日（补正期间暂停）"
    )
    awaiting_rating: Connection[Case] | None = strawberry.field(
        resolver=sections.awaiting_rating, description="已办结、还未评价的办件"
    )
    work_orders: Connection[WorkOrder] | None = strawberry.field(
        resolver=sections.work_orders, description="我的12345工单（含完整办理记录）"
    )
    ratings: Connection[Rating] | None = strawberry.field(resolver=sections.ratings, description="我的好差评")
    appointments: Connection[Appointment] | None = strawberry.field(
        resolver=sections.appointments, description="我的预约"
    )
    bills: Connection[Bill] | None = strawberry.field(resolver=sections.bills, description="水电气账单")
    records: Records | None = strawberry.field(resolver=sections.records, description="社保、公积金、医保")
    common_services: list[ServiceItem] = strawberry.field(
        resolver=sections.common_services,
        description="常用服务：我的收藏、最近办理、同龄人常办；长辈模式只列最常用的几项",
    )
    timeline: Timeline = strawberry.field(
        resolver=sections.timeline, description="一条时间线：办件、工单、评价、预约、亮证，最新在前"
    )
    submissions: Connection[Submission] = strawberry.field(
        resolver=submissions.my_submissions, description="我提交给部门的事项及送达状态"
    )
    preferences: Preferences = strawberry.field(resolver=owned.preferences)
    favourites: Connection[Favourite] = strawberry.field(resolver=owned.favourites)
    notifications: Connection[Notification] = strawberry.field(resolver=owned.notifications)
    data_access_log: Connection[DataAccess] = strawberry.field(
        resolver=owned.data_access_log, description="谁在何时、因何事由查看了我的数据"
    )
