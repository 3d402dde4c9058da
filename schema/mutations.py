"""Mutations of the personal space."""

from __future__ import annotations

import strawberry

from resolvers import mutations as resolve


@strawberry.type
class SpaceMutation:
    add_favourite: resolve.FavouriteResult = strawberry.mutation(resolver=resolve.add_favourite)
    remove_favourite: resolve.FavouriteResult = strawberry.mutation(resolver=resolve.remove_favourite)
    update_preferences: resolve.PreferencesResult = strawberry.mutation(resolver=resolve.update_preferences)
