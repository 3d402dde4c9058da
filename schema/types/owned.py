"""Types of the data citizen-space owns for a person."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from personal_space.owned import AccessLogView, FavouriteView, NotificationView, PreferenceView


@strawberry.enum(description="客户端模式：标准 / 长辈（关怀）模式")
class ClientModeEnum(Enum):
    STANDARD = "standard"
    ELDER = "elder"


@strawberry.enum(description="通知汇总方式")
class NotificationDigest(Enum):
    INSTANT = "instant"
    DAILY = "daily"
    OFF = "off"


@strawberry.type(description="个人偏好")
class Preferences:
    client_mode: ClientModeEnum
    notification_digest: NotificationDigest
    updated_at: datetime | None

    @classmethod
    def of(cls, view: PreferenceView) -> Preferences:
        return cls(
            client_mode=ClientModeEnum(view.client_mode),
            notification_digest=NotificationDigest(view.notification_digest),
            updated_at=view.updated_at,
        )


@strawberry.type(description="我的收藏（服务事项）")
class Favourite:
    item_code: str
    created_at: datetime

    @classmethod
    def of(cls, view: FavouriteView) -> Favourite:
        return cls(item_code=view.item_code, created_at=view.created_at)


@strawberry.type(description="消息通知")
class Notification:
    id: strawberry.ID
    kind: str
    title: str
    body: str
    object_ref: str | None
    read: bool
    created_at: datetime

    @classmethod
    def of(cls, view: NotificationView) -> Notification:
        return cls(
            id=strawberry.ID(view.id),
            kind=view.kind,
            title=view.title,
            body=view.body,
            object_ref=view.object_ref,
            read=view.read,
            created_at=view.created_at,
        )


@strawberry.type(description="谁查看了我的数据：时间、身份、内容、事由")
class DataAccess:
    at: datetime
    accessor_role: str
    accessor: str
    sections: list[str]
    purpose: str
    outcome: str

    @classmethod
    def of(cls, view: AccessLogView) -> DataAccess:
        return cls(
            at=view.at,
            accessor_role=view.accessor_role,
            accessor=view.accessor,
            sections=view.sections,
            purpose=view.purpose,
            outcome=view.outcome,
        )
