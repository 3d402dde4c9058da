"""Scan-to-show (扫码亮证) types."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from personal_space.licence_show import IssuedShow, VerifiedShow
from schema.types.results import NotAllowed, ValidationError


@strawberry.enum(description="亮证时可选择展示的内容")
class LicenceField(Enum):
    TYPE = "TYPE"
    HOLDER_NAME = "HOLDER_NAME"
    NUMBER = "NUMBER"
    ISSUER = "ISSUER"
    VALIDITY = "VALIDITY"
    STATUS = "STATUS"
    ATTRIBUTES = "ATTRIBUTES"


@strawberry.type(description="亮证码已生成：请在有效期内出示给窗口工作人员扫码")
class LicenceShowToken:
    token: str
    expires_at: datetime
    licence_type: str
    fields: list[LicenceField]
    qr_svg: str = strawberry.field(description="二维码 SVG（data URI）")
    qr_png_base64: str = strawberry.field(description="二维码 PNG（base64）")
    text_alternative: str = strawberry.field(description="供读屏软件朗读的文字说明")

    @classmethod
    def of(cls, issued: IssuedShow) -> LicenceShowToken:
        return cls(
            token=issued.token,
            expires_at=issued.expires_at,
            licence_type=issued.licence_type,
            fields=[LicenceField(f) for f in issued.fields],
            qr_svg=issued.qr_svg_data_uri,
            qr_png_base64=issued.qr_png_base64,
            text_alternative=f"{issued.licence_type}亮证二维码，请出示给工作人员扫描，"
            f"{issued.expires_at.astimezone().strftime('%H:%M')}前有效",
        )


@strawberry.type
class ShownLicenceField:
    field: LicenceField
    label: str
    value: str


@strawberry.type(description="核验结果：仅含持证人选择展示的内容")
class LicenceShowVerification:
    licence_type: str
    status: str
    valid: bool
    issuer: str
    fields: list[ShownLicenceField]
    purpose: str
    watermark: str
    verified_at: datetime

    @classmethod
    def of(cls, verified: VerifiedShow) -> LicenceShowVerification:
        return cls(
            licence_type=verified.licence_type,
            status=verified.status_name,
            valid=verified.valid,
            issuer=verified.issuer,
            fields=[
                ShownLicenceField(field=LicenceField(f.field), label=f.label, value=f.value) for f in verified.fields
            ],
            purpose=verified.purpose,
            watermark=verified.watermark,
            verified_at=verified.verified_at,
        )


@strawberry.type(description="亮证码被拒绝")
class ShowTokenRejected:
    code: str = strawberry.field(description="SHOW_TOKEN_INVALID | SHOW_TOKEN_EXPIRED | SHOW_TOKEN_USED")
    message: str


IssueShowResult = Annotated[
    LicenceShowToken | ValidationError | NotAllowed, strawberry.union("IssueLicenceShowTokenResult")
]
VerifyShowResult = Annotated[
    LicenceShowVerification | ShowTokenRejected | NotAllowed, strawberry.union("VerifyLicenceShowTokenResult")
]
