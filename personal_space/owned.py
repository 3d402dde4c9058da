"""What citizen-space owns for a person: preferences, favourites, notifications, the access log."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from personal_space import repository
from personal_space.audit import purpose_label
from personal_space.errors import DomainError
from personal_space.models import Favourite, Preference, utcnow

ITEM_CODE = re.compile(r"^(?:[A-Z]{2,4}-\d{3}|YJS-\d{3})$")
CLIENT_MODES = ("standard", "elder")
DIGESTS = ("instant", "daily", "off")
ROLE_LABELS = {
    "citizen": "本人",
    "enterprise_staff": "企业经办人",
    "agent": "12345坐席",
    "clerk": "窗口工作人员",
    "operator": "平台运维人员",
}


class InvalidInput(DomainError):
    code = "BAD_USER_INPUT"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class PreferenceView:
    client_mode: str
    notification_digest: str
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class FavouriteView:
    item_code: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NotificationView:
    id: str
    kind: str
    title: str
    body: str
    object_ref: str | None
    read: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AccessLogView:
    at: datetime
    accessor_role: str
    accessor: str
    sections: list[str]
    purpose: str
    outcome: str


async def preferences(session: AsyncSession, account_id: str) -> PreferenceView:
    pref = await repository.preference_of(session, account_id)
    if pref is None:
        return PreferenceView("standard", "instant", None)
    return PreferenceView(pref.client_mode, pref.notification_digest, pref.updated_at)


async def update_preferences(
    session: AsyncSession, account_id: str, *, client_mode: str | None, notification_digest: str | None
) -> PreferenceView:
    if client_mode is not None and client_mode not in CLIENT_MODES:
        raise InvalidInput("clientMode", f"clientMode must be one of {', '.join(CLIENT_MODES)}")
    if notification_digest is not None and notification_digest not in DIGESTS:
        raise InvalidInput("notificationDigest", f"notificationDigest must be one of {', '.join(DIGESTS)}")
    pref = await repository.preference_of(session, account_id)
    if pref is None:
        pref = Preference(account_id=account_id, client_mode="standard", notification_digest="instant")
        session.add(pref)
    if client_mode is not None:
        pref.client_mode = client_mode
    if notification_digest is not None:
        pref.notification_digest = notification_digest
    pref.updated_at = utcnow()
    await session.flush()
    return PreferenceView(pref.client_mode, pref.notification_digest, pref.updated_at)


def check_item_code(code: str) -> str:
    code = code.strip().upper()
    if not ITEM_CODE.match(code):
        raise InvalidInput("itemCode", "itemCode must look like GA-001 or YJS-001")
    return code


async def favourites(session: AsyncSession, account_id: str) -> tuple[FavouriteView, ...]:
    return tuple(FavouriteView(f.item_code, f.created_at) for f in await repository.favourites_of(session, account_id))


async def add_favourite(session: AsyncSession, account_id: str, item_code: str) -> FavouriteView:
    existing = await repository.favourite(session, account_id, item_code)
    if existing is not None:
        return FavouriteView(existing.item_code, existing.created_at)
    favourite = Favourite(account_id=account_id, item_code=item_code, created_at=utcnow())
    session.add(favourite)
    await session.flush()
    return FavouriteView(favourite.item_code, favourite.created_at)


async def remove_favourite(session: AsyncSession, account_id: str, item_code: str) -> bool:
    existing = await repository.favourite(session, account_id, item_code)
    if existing is None:
        return False
    await session.delete(existing)
    await session.flush()
    return True


async def notifications(session: AsyncSession, account_id: str) -> tuple[NotificationView, ...]:
    return tuple(
        NotificationView(n.id, n.kind, n.title, n.body, n.object_ref, n.read_at is not None, n.created_at)
        for n in await repository.notifications_of(session, account_id)
    )


async def data_access_log(session: AsyncSession, account_id: str, own_subject: str) -> list[AccessLogView]:
    """Who read my data, when and why (the Estonian data-tracker idea). Accessors other than the
    person are named by role and a short reference, never by their own personal data."""
    entries = await repository.audit_entries_about(session, account_id, limit=200)
    views = []
    for entry in entries:
        views.append(
            AccessLogView(
                at=entry.at,
                accessor_role="本人"
                if entry.actor_subject == own_subject
                else ROLE_LABELS.get(entry.actor_role, entry.actor_role),
                accessor="本人"
                if entry.actor_subject == own_subject
                else f"{entry.actor_role}-{entry.actor_subject[-6:]}",
                sections=list(entry.sections),
                purpose=purpose_label(entry.purpose),
                outcome=entry.outcome,
            )
        )
    return views
