"""Root fields of form prefill (无感通办)."""

from __future__ import annotations

import strawberry

from resolvers import prefill as resolve
from schema.types.prefill import PrefillResult, StartApplicationResult


@strawberry.type
class PrefillQuery:
    prefill: PrefillResult | None = strawberry.field(
        resolver=resolve.prefill,
        description="按事项预填申请表：只含该事项所需字段，注明来源与核验状态，并列出可由电子证照代替的免提交材料；"
        "法人事项须给出 uscc（本人须获该企业授权）",
    )


@strawberry.type
class PrefillMutation:
    start_application: StartApplicationResult = strawberry.mutation(
        resolver=resolve.start_application,
        description="用预填草稿提交申请：先记录并返回 PENDING，再由发件箱送达统一申办受理系统",
    )
