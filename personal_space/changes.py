"""Whose data a unit of work changed, announced once it is committed.

Answers about a person (the response cache) must be forgotten when anything of theirs that we
own changes: preferences, favourites, notifications, submissions, licence shows, bindings. Each
write path could say so itself, but one forgotten call would serve stale answers; instead every
session notes the people behind the rows it flushes, and after the commit hands them to the
`on_change` callback its sessionmaker carries in `info`. Writes that bypass the unit of work
(a bulk UPDATE) call `note_changed` themselves.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Coroutine
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

from personal_space.models import Account, AuditEntry

OnChange = Callable[[frozenset[str]], Coroutine[Any, Any, None]]

ON_CHANGE = "citizen.on_change"
_CHANGED = "citizen.changed_accounts"
_ANNOUNCING = "citizen.announcing"
_WROTE = "citizen.wrote"

# Announcements of sessions nobody waits for (workers): held here so they are not collected.
_background: set[asyncio.Task[None]] = set()


def note_changed(session: Session, account_id: str) -> None:
    session.info.setdefault(_CHANGED, set()).add(account_id)
    session.info[_WROTE] = True


def wrote(session: Session) -> bool:
    """Whether this session has written anything besides audit entries (flushed or not)."""
    pending = itertools.chain(session.new, session.dirty, session.deleted)
    return bool(session.info.get(_WROTE)) or any(not isinstance(row, AuditEntry) for row in pending)


@event.listens_for(Session, "before_flush")
def _note_flushed(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    for row in itertools.chain(session.new, session.dirty, session.deleted):
        if isinstance(row, AuditEntry):
            continue  # a read being logged changes nothing a person sees (the log is never cached)
        session.info[_WROTE] = True
        account_id = row.id if isinstance(row, Account) else getattr(row, "account_id", None)
        if isinstance(account_id, str):
            note_changed(session, account_id)


@event.listens_for(Session, "after_commit")
def _announce(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT released: nothing is visible to others until the real commit
    session.info.pop(_WROTE, None)
    changed = session.info.pop(_CHANGED, None)
    on_change: OnChange | None = session.info.get(ON_CHANGE)
    if not changed or on_change is None:
        return
    task = asyncio.get_running_loop().create_task(on_change(frozenset(changed)))
    session.info.setdefault(_ANNOUNCING, []).append(task)
    _background.add(task)
    task.add_done_callback(_background.discard)


@event.listens_for(Session, "after_rollback")
def _discard(session: Session) -> None:
    if session.in_nested_transaction():
        return  # only the savepoint's part is undone; noting too many people is harmless
    session.info.pop(_CHANGED, None)
    session.info.pop(_WROTE, None)


async def announced(session: Session) -> None:
    """Wait until this session's commits are announced: a client that reads right after its
    write must not be handed an answer from before it."""
    tasks: list[asyncio.Task[None]] = session.info.pop(_ANNOUNCING, [])
    if tasks:
        await asyncio.gather(*tasks)
