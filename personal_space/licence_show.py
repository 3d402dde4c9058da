"""Scan-to-show (扫码亮证): the holder picks fields and a purpose, gets a short-lived QR token;
a counter clerk verifies it once and sees only those fields, watermarked.

The token is small on purpose (a compact HMAC-signed nonce and expiry, not a JWT) so the QR
code stays coarse enough for any counter scanner; everything else lives in `licence_shows`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import segno
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.errors import DepartmentError
from connectors.licences.models import Licence
from kit.events import EventBus
from kit.masking import MaskingPolicy
from personal_space.audit import AuditTrail
from personal_space.caller import Caller
from personal_space.changes import note_changed
from personal_space.errors import DomainError, NotAllowed
from personal_space.identity import PersonRecord
from personal_space.models import LicenceShow, Notification, utcnow
from personal_space.owned import InvalidInput
from personal_space.service import PersonalSpaceService

CHINA = ZoneInfo("Asia/Shanghai")
TOKEN_PREFIX = "LS1"  # noqa: S105 - a format tag, not a secret
MAX_TTL_SECONDS = 300
FIELDS = ("TYPE", "HOLDER_NAME", "NUMBER", "ISSUER", "VALIDITY", "STATUS", "ATTRIBUTES")
FIELD_LABELS = {
    "TYPE": "证照类型",
    "HOLDER_NAME": "持证人",
    "NUMBER": "证照编号",
    "ISSUER": "发证机关",
    "VALIDITY": "有效期",
    "STATUS": "证照状态",
    "ATTRIBUTES": "其他信息",
}


class ShowTokenRejected(DomainError):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True, slots=True)
class IssuedShow:
    token: str
    expires_at: datetime
    qr_svg_data_uri: str
    qr_png_base64: str
    fields: list[str]
    licence_type: str


@dataclass(frozen=True, slots=True)
class ShownField:
    field: str
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class VerifiedShow:
    licence_type: str
    status_name: str
    valid: bool
    fields: list[ShownField]
    purpose: str
    watermark: str
    verified_at: datetime
    issuer: str


class LicenceShowService:
    def __init__(self, space: PersonalSpaceService, key: bytes, bus: EventBus, masking: MaskingPolicy) -> None:
        self._space = space
        self._key = key
        self._bus = bus
        self._masking = masking

    # -- the holder ---------------------------------------------------------------------------

    async def issue(
        self,
        session: AsyncSession,
        caller: Caller,
        person: PersonRecord,
        audit: AuditTrail,
        *,
        licence_id: str,
        fields: list[str],
        purpose: str,
        ttl_seconds: int,
    ) -> IssuedShow:
        if not 10 <= ttl_seconds <= MAX_TTL_SECONDS:
            raise InvalidInput("ttlSeconds", f"ttlSeconds must be between 10 and {MAX_TTL_SECONDS}")
        chosen = sorted(set(fields), key=FIELDS.index)
        if not chosen:
            raise InvalidInput("fields", "choose at least one field to show")
        purpose = purpose.strip()
        if not 2 <= len(purpose) <= 50:
            raise InvalidInput("purpose", "purpose must be 2–50 characters (e.g. 办理入住登记)")
        view, _ = await self._space.licence_by_id(caller, person, licence_id, audit)
        nonce = secrets.token_hex(16)
        expires_at = utcnow() + timedelta(seconds=ttl_seconds)
        session.add(
            LicenceShow(
                id=nonce,
                account_id=person.account_id,
                licence_id=licence_id,
                licence_type=view.type_name,
                fields=chosen,
                purpose=purpose,
                expires_at=expires_at,
            )
        )
        await session.flush()
        token = self._sign(nonce, int(expires_at.timestamp()))
        qr = segno.make(token, error="m")
        return IssuedShow(
            token=token,
            expires_at=expires_at,
            qr_svg_data_uri=qr.svg_data_uri(scale=4),
            qr_png_base64=base64.b64encode(_png(qr)).decode(),
            fields=chosen,
            licence_type=view.type_name,
        )

    # -- the clerk ----------------------------------------------------------------------------

    async def verify(
        self, session: AsyncSession, clerk: Caller, clerk_label: str, token: str, audit: AuditTrail
    ) -> VerifiedShow:
        if clerk.role != "clerk":
            raise NotAllowed("只有窗口工作人员可以核验亮证码")
        nonce = self._check(token)
        now = utcnow()
        # Single use across every gateway instance: the database decides who was first.
        claimed = await session.execute(
            update(LicenceShow)
            .where(LicenceShow.id == nonce, LicenceShow.used_at.is_(None), LicenceShow.expires_at > now)
            .values(used_at=now, used_by=clerk.subject, used_by_label=clerk_label)
        )
        show = await session.get(LicenceShow, nonce)
        if show is None:
            raise ShowTokenRejected("SHOW_TOKEN_INVALID", "亮证码无效")
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            if show.used_at is not None:
                raise ShowTokenRejected("SHOW_TOKEN_USED", "亮证码已被使用，请持证人重新生成")
            raise ShowTokenRejected("SHOW_TOKEN_EXPIRED", "亮证码已过期，请持证人重新生成")
        # A bulk UPDATE is not seen by the unit of work: the holder's answers list the show.
        note_changed(session.sync_session, show.account_id)
        audit.purpose = f"licence_show:{show.purpose}"[:200]
        try:
            item = await self._space.connectors.licences.by_id(
                show.licence_id, self._space.call_context(clerk, audit.request_id, "licence_show")
            )
        except DepartmentError:
            await session.rollback()  # give the token back: the holder did nothing wrong
            raise
        audit.read(show.account_id, "licences")
        shown = self._fields(item, show.fields)
        verified_at = utcnow()
        watermark = (
            f"仅供「{show.purpose}」使用 · 核验人 {clerk_label} · "
            f"{verified_at.astimezone(CHINA):%Y-%m-%d %H:%M:%S} · 复制无效"
        )
        session.add(
            Notification(
                account_id=show.account_id,
                kind="licence_shown",
                title="您的电子证照已被核验",
                body=f"您的{show.licence_type}已由{clerk_label}核验，用途：{show.purpose}。如非本人操作，请拨打12345。",
                object_ref=f"licence_show:{show.id}",
            )
        )
        await session.flush()
        await self._bus.publish(
            f"user:{show.account_id}",
            {
                "type": "NOTIFICATION",
                "objectId": show.id,
                "kind": "licence_shown",
                "status": "VERIFIED",
                "title": "您的电子证照已被核验",
                "body": f"{show.licence_type} · {show.purpose}",
                "at": verified_at.isoformat(),
            },
        )
        return VerifiedShow(
            licence_type=item.type_name,
            status_name=item.status_name,
            valid=item.status_code == "01",
            fields=shown,
            purpose=show.purpose,
            watermark=watermark,
            verified_at=verified_at,
            issuer=item.issuer,
        )

    # -- the token ----------------------------------------------------------------------------

    def _sign(self, nonce: str, expires: int) -> str:
        return sign_token(self._key, nonce, expires)

    def _check(self, token: str) -> str:
        parts = token.strip().split(".")
        if len(parts) != 4 or parts[0] != TOKEN_PREFIX or len(token) > 200:
            raise ShowTokenRejected("SHOW_TOKEN_INVALID", "亮证码无效")
        _, nonce, expires, _signature = parts
        if not expires.isdigit() or not hmac.compare_digest(self._sign(nonce, int(expires)), token.strip()):
            raise ShowTokenRejected("SHOW_TOKEN_INVALID", "亮证码无效或被篡改")
        if int(expires) < time.time():
            raise ShowTokenRejected("SHOW_TOKEN_EXPIRED", "亮证码已过期，请持证人重新生成")
        return nonce

    def _fields(self, item: Licence, chosen: list[str]) -> list[ShownField]:
        m = self._masking
        values = {
            "TYPE": item.type_name,
            # The clerk compares the name with the person at the counter; the number stays masked.
            "HOLDER_NAME": item.holder_name,
            "NUMBER": m.licence_number(item.number) or "",
            "ISSUER": item.issuer,
            "VALIDITY": f"{item.valid_from:%Y-%m-%d} 至 {item.valid_until:%Y-%m-%d}"
            if item.valid_until
            else f"{item.valid_from:%Y-%m-%d} 起长期有效",
            "STATUS": item.status_name,
            "ATTRIBUTES": "；".join(f"{k}：{v}" for k, v in item.attributes.items()) or "无",
        }
        return [ShownField(field, FIELD_LABELS[field], values[field]) for field in chosen]


def sign_token(key: bytes, nonce: str, expires: int) -> str:
    body = f"{TOKEN_PREFIX}.{nonce}.{expires}"
    mac = hmac.new(key, body.encode(), hashlib.sha256).digest()[:20]
    return f"{body}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def _png(qr: segno.QRCode) -> bytes:
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=4)
    return buffer.getvalue()
