"""The personal space object: each section resolves on its own, concurrently."""

from __future__ import annotations

import strawberry

from resolvers import owned
from resolvers import space as resolve
from schema.types.common import Connection
from schema.types.owned import DataAccess, Favourite, Notification, Preferences
from schema.types.space import Licence, Profile


@strawberry.type(description="个人服务空间")
class PersonalSpace:
    profile: Profile = strawberry.field(resolver=resolve.profile)
    licences: Connection[Licence] | None = strawberry.field(
        resolver=resolve.licences, description="我的电子证照；证照库不可用时为 null，errors[] 说明原因"
    )
    preferences: Preferences = strawberry.field(resolver=owned.preferences)
    favourites: Connection[Favourite] = strawberry.field(resolver=owned.favourites)
    notifications: Connection[Notification] = strawberry.field(resolver=owned.notifications)
    data_access_log: Connection[DataAccess] = strawberry.field(
        resolver=owned.data_access_log, description="谁在何时、因何事由查看了我的数据"
    )
