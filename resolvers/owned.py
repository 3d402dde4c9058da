"""Resolvers of what citizen-space owns: preferences, favourites, notifications, access log."""

from __future__ import annotations

from personal_space import owned
from resolvers.context import Info
from resolvers.permissions import require_person
from schema.types.common import Connection
from schema.types.owned import DataAccess, Favourite, Notification, Preferences


async def preferences(info: Info) -> Preferences:
    _, person = require_person(info)
    return Preferences.of(await info.context.preferences_of(person.account_id))


async def favourites(info: Info, first: int | None = 20, after: str | None = None) -> Connection[Favourite]:
    _, person = require_person(info)
    views = await info.context.favourites_of(person.account_id)
    return Connection.page_of(views, first, after, lambda v: Favourite.of(v))


async def notifications(info: Info, first: int | None = 20, after: str | None = None) -> Connection[Notification]:
    _, person = require_person(info)
    views = await info.context.notifications_of(person.account_id)
    return Connection.page_of(views, first, after, lambda v: Notification.of(v))


async def data_access_log(info: Info, first: int | None = 20, after: str | None = None) -> Connection[DataAccess]:
    caller, person = require_person(info)
    async with info.context.db() as session:
        views = await owned.data_access_log(session, person.account_id, caller.subject)
    return Connection.page_of(views, first, after, lambda v: DataAccess.of(v))
