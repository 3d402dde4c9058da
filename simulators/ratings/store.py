"""The live rating store: one rating per case or service, lookups, appeals, and the 整改 machine."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from simulators.common.lifecycle import SimulatorError, Transition, conflict, not_found, now, unprocessable
from simulators.common.parties import prefecture_of
from simulators.common.service_items import local_department, service_items
from simulators.common.webhooks import subject_id_hash
from simulators.ratings import process
from simulators.ratings.data import KnownCase, RatingIds
from simulators.ratings.schemas import NewRating, Rating, RatingStats

RECTIFICATION_EVENT = "rating.rectification_changed"
APPEAL_EVENT = "rating.appeal_changed"
MANUAL_EVENTS = ("维持差评", "撤销差评")


class RatingStore:
    def __init__(self, ratings: list[Rating], ids: RatingIds, known_cases: dict[str, KnownCase], secret: str) -> None:
        self.by_id: dict[str, Rating] = {}
        self.by_target: dict[tuple[str, str], str] = {}
        self.by_subject: dict[str, list[str]] = defaultdict(list)
        self.ids = ids
        self.known_cases = known_cases
        self.secret = secret
        self.created_via_api = 0
        for rating in ratings:
            self._add(rating)

    def _add(self, rating: Rating) -> None:
        self.by_id[rating.rating_id] = rating
        self.by_target[_target(rating.target_type, rating.case_id or rating.service_id or "")] = rating.rating_id
        self.by_subject[rating.rater.id_number].append(rating.rating_id)
        if rating.applicant_id:
            self.by_subject[rating.applicant_id].append(rating.rating_id)

    def get(self, rating_id: str) -> Rating:
        rating = self.by_id.get(rating_id)
        if rating is None:
            raise not_found("评价")
        return rating

    def for_subject(self, id_number: str) -> list[Rating]:
        ratings = [self.by_id[i] for i in self.by_subject.get(id_number.upper(), [])]
        return sorted(ratings, key=lambda r: r.rated_at, reverse=True)

    def for_cases(self, case_ids: list[str]) -> tuple[list[Rating], list[str]]:
        found: list[Rating] = []
        unrated: list[str] = []
        for case_id in dict.fromkeys(case_ids):
            rating_id = self.by_target.get(_target("case", case_id))
            if rating_id is None:
                unrated.append(case_id)
            else:
                found.append(self.by_id[rating_id])
        return found, unrated

    # -- the rater's and the department's writes ------------------------------------------------

    def create(self, request: NewRating) -> Rating:
        item = service_items().get(request.item_code)
        if item is None:
            raise unprocessable("UNKNOWN_ITEM", f"事项编码{request.item_code}不存在")
        target_id = request.case_id or request.service_id or ""
        if _target(request.target_type, target_id) in self.by_target:
            raise conflict("ALREADY_RATED", "该办件或服务已评价，每次服务只能评价一次")
        department = local_department(item.department, prefecture_of(request.rater))
        applicant_id: str | None = None
        known = self.known_cases.get(request.case_id or "")
        if known is not None:
            # Cases the case system shared with us are checked; newer ones are taken on trust.
            if not known.may_be_rated_by(request.rater.id_number):
                raise SimulatorError(403, "NOT_THE_APPLICANT", "只有办件的申请人或经办人可以评价该办件")
            if not known.finished:
                raise conflict("CASE_NOT_FINISHED", "办件尚未办结，办结后才能评价")
            if known.item_code != request.item_code:
                raise unprocessable("ITEM_MISMATCH", "事项编码与办件不一致")
            department = known.department
            applicant_id = known.applicant.id_number if known.applicant.is_company else None
        at = now()
        rating = process.new_rating(
            self.ids.next(at.date()),
            target_type=request.target_type,
            case_id=request.case_id,
            service_id=request.service_id,
            item_code=item.code,
            item_name=item.name,
            department=department,
            rater=request.rater,
            applicant_id=applicant_id,
            level=request.level,
            comment=request.comment,
            reasons=list(request.reasons),
            channel=request.channel,
            at=at,
        )
        self._add(rating)
        self.created_via_api += 1
        return rating

    def appeal(self, rating_id: str, department: str, reason: str) -> Transition:
        rating = self.get(rating_id)
        if not rating.is_bad:
            raise conflict("NOT_APPEALABLE", "仅差评可以申诉")
        if rating.appeal is not None:
            raise conflict("ALREADY_APPEALED", "该差评已申诉，不能重复申诉")
        if department != rating.department:
            raise unprocessable("DEPARTMENT_MISMATCH", "只有被评价的部门可以申诉")
        process.file_appeal(rating, self._at(rating), department, reason)
        return self._transition(rating, APPEAL_EVENT)

    # -- the state machine ----------------------------------------------------------------------

    def step(self, object_id: str, event: str | None, *, auto: bool, into: str | None = None) -> Transition | None:
        rating = self.get(object_id)
        at = self._at(rating)
        appeal = rating.appeal
        if event is not None:
            if event not in MANUAL_EVENTS:
                raise unprocessable("UNKNOWN_EVENT", f"事件须为{'、'.join(MANUAL_EVENTS)}之一")
            if appeal is None or appeal.status != "复核中":
                raise conflict("TRANSITION_NOT_ALLOWED", "没有待复核的申诉")
            process.decide_appeal(rating, at, upheld=event == "维持差评")
            return self._transition(rating, APPEAL_EVENT)
        if appeal is not None and appeal.status == "复核中":
            # The review upholds a 差评 unless told otherwise (POST /_admin/advance with 撤销差评).
            process.decide_appeal(rating, at, upheld=True)
            return self._transition(rating, APPEAL_EVENT)
        rectification = rating.rectification
        if rectification is None:
            return None
        if rectification.status == "待回访":
            process.visit(rating, at)
        elif rectification.status == "整改中":
            process.complete(rating, at)
        else:
            return None
        return self._transition(rating, RECTIFICATION_EVENT)

    @staticmethod
    def _at(rating: Rating) -> datetime:
        return max(now(), rating.updated_at)

    def _transition(self, rating: Rating, event: str) -> Transition:
        if event == APPEAL_EVENT:
            assert rating.appeal is not None
            status: str = rating.appeal.status
        else:
            assert rating.rectification is not None
            status = rating.rectification.status
        return Transition(
            event=event,
            object_id=rating.rating_id,
            status=status,
            at=rating.updated_at,
            subject_id_hash=subject_id_hash(self.secret, rating.rater.id_number),
        )

    def snapshot(self, object_id: str) -> Rating:
        return self.get(object_id)

    def stats(self, idempotency_keys: int) -> RatingStats:
        ratings = list(self.by_id.values())
        return RatingStats(
            ratings=len(ratings),
            raters=len({r.rater.id_number for r in ratings}),
            by_level=dict(Counter(r.level for r in ratings)),
            bad=sum(1 for r in ratings if r.is_bad),
            rectification_by_status=dict(Counter(r.rectification.status for r in ratings if r.rectification)),
            appeals_by_status=dict(Counter(r.appeal.status for r in ratings if r.appeal)),
            service_ratings=sum(1 for r in ratings if r.target_type == "service"),
            created_via_api=self.created_via_api,
            idempotency_keys=idempotency_keys,
        )


def _target(target_type: str, target_id: str) -> tuple[str, str]:
    return (target_type, target_id)
