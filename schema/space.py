"""The personal space object: each section resolves on its own, concurrently."""

from __future__ import annotations

import strawberry

from resolvers import space as resolve
from schema.types.common import Connection
from schema.types.space import Licence, Profile


@strawberry.type(description="个人服务空间")
class PersonalSpace:
    profile: Profile = strawberry.field(resolver=resolve.profile)
    licences: Connection[Licence] | None = strawberry.field(
        resolver=resolve.licences, description="我的电子证照；证照库不可用时为 null，errors[] 说明原因"
    )
