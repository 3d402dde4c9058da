"""The myUpdates subscription: one channel per person on the event bus."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator

from resolvers.context import Info
from resolvers.permissions import require_person
from schema.types.updates import SpaceUpdate


async def my_updates(info: Info) -> AsyncGenerator[SpaceUpdate, None]:
    context = info.context
    if context.caller is None and context.connection_params:
        # Browsers cannot set headers on a WebSocket: the token comes in connection_init.
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        await context.authenticate(params.get("Authorization") or params.get("authorization"))
    _, person = require_person(info)
    poller = context.services.poller
    with poller.watching(person.account_id) if poller else contextlib.nullcontext():
        async with context.services.bus.subscribe(f"user:{person.account_id}") as events:
            async for event in events:
                yield SpaceUpdate.of(event)
