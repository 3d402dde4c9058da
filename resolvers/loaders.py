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
        sections = context.person_sections(context.caller, context.person)
        found, source = await sections.ratings_of_cases(list(case_ids))
        return [(found[case_id], source) if case_id in found else None for case_id in case_ids]
