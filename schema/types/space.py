"""The personal space as the apps see it."""

from __future__ import annotations

from datetime import date

import strawberry

from personal_space.views import LicenceView, ProfileView, Provenance
from schema.types.common import Source
from schema.types.node import Node, to_global_id


@strawberry.type(description="本人基本信息（默认脱敏）")
class Profile:
    name: str = strawberry.field(description="姓名（脱敏，如 张*）")
    masked_id_number: str = strawberry.field(description="公民身份号码（脱敏）")
    masked_phone: str | None
    birth_date: date | None
    gender: str | None
    prefecture: str | None = strawberry.field(description="所在州（市）")
    masked_address: str | None
    age: int | None

    @classmethod
    def of(cls, view: ProfileView) -> Profile:
        return cls(
            name=view.name,
            masked_id_number=view.id_number,
            masked_phone=view.phone,
            birth_date=view.birth_date,
            gender=view.gender,
            prefecture=view.prefecture,
            masked_address=view.address,
            age=view.age,
        )


@strawberry.type(description="证照状态：01有效 02暂扣 03撤销 04注销 05失效 06转出 07吊销 99其他")
class LicenceStatus:
    code: str
    name: str


@strawberry.federation.type(keys=["id"], description="电子证照")
class Licence(Node):
    id: strawberry.ID = strawberry.field(description="全局 ID")
    licence_id: str = strawberry.field(description="电子证照标识 1.2.156.3005.2.…")
    type_code: str
    type_name: str
    masked_number: str
    holder_name: str
    issuer: str
    issued_on: date
    valid_from: date
    valid_until: date | None = strawberry.field(description="有效期至；空表示长期有效")
    status: LicenceStatus
    source: Source

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Licence:
        from resolvers.node import licence
        from schema.types.node import from_global_id

        return await licence(info, from_global_id(id)[1])

    @classmethod
    def of(cls, view: LicenceView, source: Provenance) -> Licence:
        return cls(
            id=to_global_id("Licence", view.licence_id),
            licence_id=view.licence_id,
            type_code=view.type_code,
            type_name=view.type_name,
            masked_number=view.number,
            holder_name=view.holder_name,
            issuer=view.issuer,
            issued_on=view.issued_on,
            valid_from=view.valid_from,
            valid_until=view.valid_until,
            status=LicenceStatus(code=view.status_code, name=view.status_name),
            source=Source.of(source),
        )
