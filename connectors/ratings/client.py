"""Client of the 好差评 system: ratings by rater or company, by cases, rate, appeal."""

from __future__ import annotations

import re

from connectors.base import CallContext, DepartmentClient
from connectors.errors import NotFound
from connectors.ratings.models import RATING_ID_PATTERN, CaseRatings, NewRating, Rating, RatingPage

# The system answers at most this many case ids per lookup.
LOOKUP_BATCH = 200


class RatingsClient:
    def __init__(self, base: DepartmentClient) -> None:
        self.base = base

    async def by_subject(self, subject_id: str, call: CallContext, *, offset: int = 0, limit: int = 50) -> RatingPage:
        """Ratings given by a person (ID number) or about a company's cases (USCC), newest first."""
        params = {"subject_id": subject_id, "offset": offset, "limit": limit}
        return await self.base.get_json("/api/v1/ratings", RatingPage, call, params=params)

    async def by_id(self, rating_id: str, call: CallContext) -> Rating:
        return await self.base.get_json(f"/api/v1/ratings/{self._checked(rating_id)}", Rating, call)

    async def for_cases(self, case_ids: list[str], call: CallContext) -> CaseRatings:
        """Which of these cases are rated and which await a rating (a read, so it may be retried)."""
        found = CaseRatings(items=[], unrated=[])
        unique = list(dict.fromkeys(case_ids))
        for start in range(0, len(unique), LOOKUP_BATCH):
            batch = await self.base.post_json(
                "/api/v1/ratings/lookup",
                CaseRatings,
                call,
                {"case_ids": unique[start : start + LOOKUP_BATCH]},
                idempotent_read=True,
            )
            found.items.extend(batch.items)
            found.unrated.extend(batch.unrated)
        return found

    async def create(self, rating: NewRating, call: CallContext, *, idempotency_key: str) -> Rating:
        """Rate a case or a service once; the same key returns the rating made the first time."""
        return await self.base.post_json(
            "/api/v1/ratings",
            Rating,
            call,
            rating.model_dump(mode="json", exclude_none=True),
            idempotency_key=idempotency_key,
        )

    async def appeal(
        self, rating_id: str, department: str, reason: str, call: CallContext, *, idempotency_key: str
    ) -> Rating:
        """The rated department asks for a review of a 差评 (申诉复核)."""
        return await self.base.post_json(
            f"/api/v1/ratings/{self._checked(rating_id)}/appeal",
            Rating,
            call,
            {"department": department, "reason": reason},
            idempotency_key=idempotency_key,
        )

    def _checked(self, rating_id: str) -> str:
        # An id goes into the URL path: anything but a rating number could reach another resource.
        if not re.fullmatch(RATING_ID_PATTERN, rating_id):
            raise NotFound(self.base.name, self.base.config.department, "malformed rating id")
        return rating_id
