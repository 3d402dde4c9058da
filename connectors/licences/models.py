"""What the licence store returns, validated before anything of ours touches it."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

# 1.2.156.3005.2.{type code}.{issuer USCC}.{serial}.{version}.{check digit}
LICENCE_ID_PATTERN = r"^1\.2\.156\.3005\.2\.[0-9A-Z]{5,24}\.[0-9A-Z]{18}\.\d{6,24}\.\d{3}\.[0-9X]$"

LICENCE_STATUS = {
    "01": "有效",
    "02": "暂扣",
    "03": "撤销",
    "04": "注销",
    "05": "失效",
    "06": "转出",
    "07": "吊销",
    "99": "其他",
}


class Licence(BaseModel):
    licence_id: str = Field(pattern=LICENCE_ID_PATTERN)
    type_code: str
    type_name: str
    number: str
    holder_name: str
    holder_id_type: str
    holder_id: str
    issuer: str
    issuer_code: str
    issued_on: date
    valid_from: date
    valid_until: date | None = None
    status_code: str = Field(pattern=r"^(0[1-7]|99)$")
    attributes: dict[str, str] = Field(default_factory=dict)

    @property
    def status_name(self) -> str:
        return LICENCE_STATUS[self.status_code]


class LicencePage(BaseModel):
    items: list[Licence]
    total: int


class LicenceBatch(BaseModel):
    items: list[Licence]
    missing: list[str]
