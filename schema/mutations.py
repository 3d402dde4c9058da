"""Mutations of the personal space."""

from __future__ import annotations

import strawberry

from resolvers import mutations as resolve
from resolvers import show
from schema.types.show import IssueShowResult, VerifyShowResult


@strawberry.type
class SpaceMutation:
    add_favourite: resolve.FavouriteResult = strawberry.mutation(resolver=resolve.add_favourite)
    remove_favourite: resolve.FavouriteResult = strawberry.mutation(resolver=resolve.remove_favourite)
    update_preferences: resolve.PreferencesResult = strawberry.mutation(resolver=resolve.update_preferences)
    issue_licence_show_token: IssueShowResult = strawberry.mutation(
        resolver=show.issue_licence_show_token, description="生成亮证码（有效期不超过300秒）"
    )
    verify_licence_show_token: VerifyShowResult = strawberry.mutation(
        resolver=show.verify_licence_show_token, description="窗口工作人员核验亮证码（一次有效）"
    )
