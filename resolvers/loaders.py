"""DataLoaders, built per request: many objects of one list ask their department once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from strawberry.dataloader import DataLoader

from connectors.ratings.models import Rating
from personal_space.views import Provenance

if TYPE_CHECKING:
    from resolvers.context import Context


class Loaders:
    def __init__(self, context: Context) -> None:
        self._context = context
        self.case_ratings: DataLoader[str, tuple[Rating, Provenance] | None] = DataLoader(
            load_fn=self._case_ratings, max_batch_size=100
        )

    async def _case_ratings(self, case_ids: list[str]) -> list[tuple[Rating, Provenance] | None]:
        context = self._context
        if context.caller is None or context.person is None:
            return [None] * len(case_ids)
        found = await context.services.sections.ratings_for_cases(
            context.caller, context.person, context.audit, list(case_ids)
        )
        by_case = {r.case_id: (r, found.source) for r in found.items if r.case_id}
        return [by_case.get(case_id) for case_id in case_ids]
