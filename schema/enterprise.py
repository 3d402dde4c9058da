"""The enterprise space and staff authorisations: root fields, and the space whose sections
resolve on their own, concurrently."""

from __future__ import annotations

from datetime import date

import strawberry

from personal_space.enterprise import EnterpriseAccess
from resolvers import enterprise as resolve
from resolvers.context import Info
from schema.types.common import Connection
from schema.types.enterprise import (
    CompanyRegistration,
    EnterpriseBill,
    EnterpriseBillSummary,
    EnterpriseCase,
    EnterpriseRating,
    EnterpriseRelation,
    EnterpriseScope,
    GrantStaffAuthorisationResult,
    RevokeStaffAuthorisationResult,
    StaffAuthorisation,
    StaffAuthorisationRequest,
)
from schema.types.space import Licence

SCOPED = "；未获该项授权时为 null，errors[] 的 extensions.code 为 NOT_ALLOWED"


@strawberry.type(description="企业服务空间：法定代表人看到全部；经办人只看到获授权的部分")
class EnterpriseSpace:
    access: strawberry.Private[EnterpriseAccess]
    uscc: str = strawberry.field(description="统一社会信用代码")
    company_name: str
    relation: EnterpriseRelation = strawberry.field(description="我与该企业的关系")
    scopes: list[EnterpriseScope] = strawberry.field(description="我获授权的事项（以登记机关为准）")
    authorised_until: date | None = strawberry.field(description="我的授权有效期至；法定代表人为空")

    @classmethod
    def of(cls, access: EnterpriseAccess) -> EnterpriseSpace:
        return cls(
            access=access,
            uscc=access.uscc,
            company_name=access.company_name,
            relation=EnterpriseRelation(access.standing.relation),
            scopes=[EnterpriseScope(s) for s in access.scopes],
            authorised_until=access.standing.expires_on,
        )

    @strawberry.field(description="市场主体登记信息")
    async def company(self, info: Info) -> CompanyRegistration | None:
        return await resolve.company(info, self.access)

    @strawberry.field(description="营业执照及许可证（电子证照）" + SCOPED)
    async def licences(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[Licence] | None:
        return await resolve.licences(info, self.access, first, after)

    @strawberry.field(description="企业办件" + SCOPED)
    async def cases(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[EnterpriseCase] | None:
        return await resolve.cases(info, self.access, first, after)

    @strawberry.field(description="企业办件的好差评" + SCOPED)
    async def ratings(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[EnterpriseRating] | None:
        return await resolve.ratings(info, self.access, first, after)

    @strawberry.field(description="水电气账单（近12个月）" + SCOPED)
    async def bills(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[EnterpriseBill] | None:
        return await resolve.bills(info, self.access, first, after)

    @strawberry.field(description="水电气欠费汇总" + SCOPED)
    async def bill_summary(self, info: Info) -> EnterpriseBillSummary | None:
        return await resolve.bill_summary(info, self.access)

    @strawberry.field(description="员工授权记录（仅法定代表人可见）")
    async def staff_authorisations(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[StaffAuthorisation] | None:
        return await resolve.staff_authorisations(info, self.access, first, after)

    @strawberry.field(description="我提交的授权 / 撤销申请及其送达状态（仅法定代表人可见）")
    async def authorisation_requests(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[StaffAuthorisationRequest] | None:
        return await resolve.authorisation_requests(info, self.access, first, after)


@strawberry.type
class EnterpriseQuery:
    @strawberry.field(
        description="企业服务空间（需登录并绑定该企业）；无权访问时为 null，errors[] 的 extensions.code 为 NOT_ALLOWED"
    )
    async def enterprise(self, info: Info, uscc: str) -> EnterpriseSpace | None:
        return EnterpriseSpace.of(await resolve.open_space(info, uscc))


@strawberry.type
class EnterpriseMutation:
    grant_staff_authorisation: GrantStaffAuthorisationResult = strawberry.mutation(
        resolver=resolve.grant_staff_authorisation,
        description="法定代表人授权员工办理企业事项（身份证号码或用户名二选一）；先受理为 PENDING，送达登记机关后生效",
    )
    revoke_staff_authorisation: RevokeStaffAuthorisationResult = strawberry.mutation(
        resolver=resolve.revoke_staff_authorisation,
        description="法定代表人撤销员工授权（授权编号或 StaffAuthorisation 的 id）；送达登记机关后生效",
    )
