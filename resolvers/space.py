"""Resolvers of the personal space: read the context, call the service, map to types."""

from __future__ import annotations

from resolvers.context import Info
from resolvers.federation import federated
from resolvers.permissions import require_person
from schema.types.common import Connection
from schema.types.space import Licence, Profile


def profile(info: Info) -> Profile:
    _caller, person = require_person(info)
    return Profile.of(info.context.services.space.profile(person, info.context.audit))


async def licences(info: Info, first: int | None = 20, after: str | None = None) -> Connection[Licence]:
    caller, person = require_person(info)
    section = await federated("licences", info.context.services.space.licences(caller, person, info.context.audit))
    return Connection.page_of(section.items, first, after, lambda v: Licence.of(v, section.source))
