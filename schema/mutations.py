"""Mutations of the personal space."""

from __future__ import annotations

import strawberry

from resolvers import mutations as resolve
from resolvers import show, submissions
from schema.types.show import IssueShowResult, VerifyShowResult
from schema.types.submissions import SubmissionResult


@strawberry.type
class SpaceMutation:
    add_favourite: resolve.FavouriteResult = strawberry.mutation(resolver=resolve.add_favourite)
    remove_favourite: resolve.FavouriteResult = strawberry.mutation(resolver=resolve.remove_favourite)
    update_preferences: resolve.PreferencesResult = strawberry.mutation(resolver=resolve.update_preferences)
    submit_work_order: SubmissionResult = strawberry.mutation(
        resolver=submissions.submit_work_order, description="提交12345诉求（咨询 / 求助 / 投诉 / 举报 / 建议）"
    )
    rate_service: SubmissionResult = strawberry.mutation(
        resolver=submissions.rate_service, description="好差评：评价办件或服务；差评需选择原因并将启动整改"
    )
    book_appointment: SubmissionResult = strawberry.mutation(resolver=submissions.book_appointment)
    cancel_appointment: SubmissionResult = strawberry.mutation(resolver=submissions.cancel_appointment)
    report_data_error: SubmissionResult = strawberry.mutation(
        resolver=submissions.report_data_error, description="数据纠错：证照或记录信息有误，转主管部门核实更正"
    )
    issue_licence_show_token: IssueShowResult = strawberry.mutation(
        resolver=show.issue_licence_show_token, description="生成亮证码（有效期不超过300秒）"
    )
    verify_licence_show_token: VerifyShowResult = strawberry.mutation(
        resolver=show.verify_licence_show_token, description="窗口工作人员核验亮证码（一次有效）"
    )
