"""Resolvers of the federated sections of the personal space."""

from __future__ import annotations

from connectors.errors import DepartmentError
from personal_space.common_services import common_services as pick_common_services
from personal_space.person_sections import PersonSections
from personal_space.sections import china_today
from personal_space.timeline import timeline as personal_timeline
from resolvers.context import ClientMode, Info
from resolvers.federation import federated
from resolvers.permissions import require_person
from schema.types.common import Connection
from schema.types.search import ServiceItem
from schema.types.sections import Appointment, Bill, Case, Rating, Records, WorkOrder
from schema.types.timeline import Timeline, TimelineEntry


async def wants_elder(info: Info) -> bool:
    """Elder presentation for anyone, signed in or not (anonymous callers: the header only)."""
    if info.context.client_mode is ClientMode.ELDER:
        return True
    if info.context.person is None:
        return False
    return await is_elder(info)


async def is_elder(info: Info) -> bool:
    """Elder presentation: asked for by the client, or the person's saved preference."""
    context = info.context
    if context.client_mode is ClientMode.ELDER:
        return True
    _, person = require_person(info)
    return (await context.preferences_of(person.account_id)).client_mode == "elder"


def person_sections(info: Info) -> PersonSections:
    caller, person = require_person(info)
    return info.context.person_sections(caller, person)


ELDER_PAGE = 5


async def page_size(info: Info, first: int | None) -> int:
    """Elder clients get short lists unless they ask for more."""
    if first is not None:
        return first
    return ELDER_PAGE if await is_elder(info) else 20


async def cases(info: Info, first: int | None = None, after: str | None = None) -> Connection[Case] | None:
    section = await federated("cases", person_sections(info).cases())
    elder, today = await is_elder(info), china_today()
    return Connection.page_of(
        section.items,
        await page_size(info, first),
        after,
        lambda v: Case.of(v, section.source, elder=elder, today=today),
    )


async def awaiting_rating(info: Info, first: int | None = None, after: str | None = None) -> Connection[Case] | None:
    section = await federated("awaitingRating", person_sections(info).awaiting_rating())
    elder, today = await is_elder(info), china_today()
    return Connection.page_of(
        section.items,
        await page_size(info, first),
        after,
        lambda v: Case.of(v, section.source, elder=elder, today=today),
    )


async def work_orders(info: Info, first: int | None = None, after: str | None = None) -> Connection[WorkOrder] | None:
    section = await federated("workOrders", person_sections(info).work_orders())
    elder, today = await is_elder(info), china_today()
    return Connection.page_of(
        section.items,
        await page_size(info, first),
        after,
        lambda o: WorkOrder.of(o, section.source, elder=elder, today=today),
    )


async def ratings(info: Info, first: int | None = None, after: str | None = None) -> Connection[Rating] | None:
    section = await federated("ratings", person_sections(info).ratings())
    return Connection.page_of(
        section.items, await page_size(info, first), after, lambda r: Rating.of(r, section.source)
    )


async def appointments(
    info: Info, first: int | None = None, after: str | None = None
) -> Connection[Appointment] | None:
    section = await federated("appointments", person_sections(info).appointments())
    elder, today = await is_elder(info), china_today()
    return Connection.page_of(
        section.items,
        await page_size(info, first),
        after,
        lambda a: Appointment.of(a, section.source, elder=elder, today=today),
    )


async def bills(info: Info, first: int | None = None, after: str | None = None) -> Connection[Bill] | None:
    section = await federated("bills", person_sections(info).bills())
    return Connection.page_of(section.items, await page_size(info, first), after, lambda b: Bill.of(b, section.source))


async def records(info: Info) -> Records | None:
    section = await federated("records", person_sections(info).records())
    return Records.of(section.items[0], section.source)


async def timeline(info: Info, first: int | None = None, after: str | None = None) -> Timeline:
    _, person = require_person(info)
    shows = await info.context.licence_shows_of(person.account_id)
    stream = await personal_timeline(person_sections(info), shows, person, info.context.audit)
    entries = Connection.page_of(stream.entries, await page_size(info, first), after, lambda e: TimelineEntry.of(e))
    return Timeline(entries=entries, missing_sections=stream.missing)


async def common_services(info: Info, first: int | None = None) -> list[ServiceItem]:
    """常用服务: favourites, then recent dealings, then what the person's age group uses most."""
    _, person = require_person(info)
    search = info.context.services.search
    if search is None:
        return []
    favourites = [f.item_code for f in await info.context.favourites_of(person.account_id)]
    recent: list[str] = []
    caller = info.context.caller
    if caller is not None:
        try:
            cases = await person_sections(info).cases()
            recent = [view.case.item_code for view in cases.items[:10]]
        except DepartmentError:
            recent = []  # the list still works from favourites and age
    limit = first if first is not None else (4 if await is_elder(info) else 8)
    codes = pick_common_services(
        age=person.age_on(china_today()),
        favourites=favourites,
        recent=recent,
        known=set(search.catalogue.items),
        limit=max(0, min(limit, 20)),
    )
    return [ServiceItem.of(search.catalogue.items[code]) for code in codes]
