"""Types of form prefill (无感通办)."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Annotated

import strawberry

from personal_space.prefill import MaterialView, PrefilledField, PrefillView
from schema.types.results import IdempotencyConflict, NotAllowed, ValidationError


@strawberry.enum(description="预填字段的数据来源")
class PrefillSourceKind(Enum):
    PROFILE = "profile"
    LICENCE = "licence"
    RECORDS = "records"
    UTILITY = "utility"
    COMPANY = "company"
    COMPANY_LICENCE = "company_licence"
    INPUT = "input"


@strawberry.type(description="一个表单字段：值、来源、更新时间、是否经权威核验、能否修改")
class PrefillField:
    key: str
    label: str
    value: str | None = strawberry.field(description="预填值（身份证号、电话、证照号码等已脱敏）；空表示需申请人填写")
    source_kind: PrefillSourceKind
    source: str = strawberry.field(description="来源，如 电子证照·机动车驾驶证（昆明市公安局交通警察支队）")
    last_updated: date | None
    verified: bool = strawberry.field(description="是否来自权威数据并已核验")
    editable: bool
    required: bool
    masked: bool

    @classmethod
    def of(cls, view: PrefilledField) -> PrefillField:
        return cls(
            key=view.key,
            label=view.label,
            value=view.value,
            source_kind=PrefillSourceKind(view.source_kind),
            source=view.source,
            last_updated=view.last_updated,
            verified=view.verified,
            editable=view.editable,
            required=view.required,
            masked=view.masked,
        )


@strawberry.type(description="申请材料")
class PrefillMaterial:
    name: str
    form: str
    licence_type: str | None
    exempt: bool = strawberry.field(description="电子证照可代替，免于提交")
    note: str

    @classmethod
    def of(cls, view: MaterialView) -> PrefillMaterial:
        return cls(name=view.name, form=view.form, licence_type=view.licence_type, exempt=view.exempt, note=view.note)


@strawberry.type(description="预填好的申请表（草稿，有效期内可提交）")
class PrefillForm:
    draft_id: strawberry.ID
    item_code: str
    item_name: str
    department: str
    audience: str
    uscc: str | None
    fields: list[PrefillField]
    exempt_materials: list[PrefillMaterial] = strawberry.field(description="免提交：已由电子证照代替的材料")
    materials_to_provide: list[PrefillMaterial] = strawberry.field(description="仍需上传或提交的材料")
    unavailable_sources: list[str] = strawberry.field(description="暂时无法读取的数据来源（相应字段为空）")
    created_at: datetime
    expires_at: datetime

    @classmethod
    def of(cls, view: PrefillView) -> PrefillForm:
        return cls(
            draft_id=strawberry.ID(view.draft_id),
            item_code=view.item_code,
            item_name=view.item_name,
            department=view.department,
            audience=view.audience,
            uscc=view.uscc,
            fields=[PrefillField.of(f) for f in view.fields],
            exempt_materials=[PrefillMaterial.of(m) for m in view.materials if m.exempt],
            materials_to_provide=[PrefillMaterial.of(m) for m in view.materials if not m.exempt],
            unavailable_sources=view.unavailable_sources,
            created_at=view.created_at,
            expires_at=view.expires_at,
        )


@strawberry.input(description="申请人修改或补填的字段（仅 editable 的字段）")
class PrefillFieldEdit:
    key: str
    value: str


@strawberry.type(description="申请已受理提交，待送达统一申办受理系统（PENDING）")
class ApplicationStarted:
    submission_id: strawberry.ID
    status: str
    item_code: str
    item_name: str
    draft_id: strawberry.ID
    exempt_materials: list[str]


PrefillResult = Annotated[PrefillForm | ValidationError | NotAllowed, strawberry.union("PrefillResult")]
StartApplicationResult = Annotated[
    ApplicationStarted | ValidationError | NotAllowed | IdempotencyConflict, strawberry.union("StartApplicationResult")
]
