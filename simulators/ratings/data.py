"""Seeded ratings: the demo users' own, a share of everyone's finished cases, and service ratings.

The seeded cases are rebuilt from the same seed as the case system, so a rating names a real
case number with its item, department and applicant; some finished cases are left unrated,
which is what the personal space lists as 待评价.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kit.working_days import add_working_days
from simulators.cases.data import seeded_cases
from simulators.cases.schemas import FINISHED_STATUSES, Case
from simulators.common.lifecycle import SEED_TODAY, SeedPlayer, at_office_hours
from simulators.common.parties import Party, person_party, prefecture_of
from simulators.common.population import Population
from simulators.common.service_items import local_department, service_items
from simulators.ratings import process
from simulators.ratings.schemas import BAD_LEVELS, BadReason, Level, Rating, RatingChannel


@dataclass(frozen=True)
class RatingSeed:
    level: Level
    reasons: tuple[BadReason, ...] = ()
    comment: str | None = None
    rectified: bool = True  # a 差评's rectification reaches 已整改 (else it stays 整改中)
    appealed: bool = False  # the department appealed and the review is still open


# (demo username or company USCC, item code) → the rating given to that finished case.
DEMO_RATINGS: dict[tuple[str, str], RatingSeed] = {
    ("citizen", "GA-015"): RatingSeed("非常满意", comment="线上申请，第二天就办好了"),
    ("citizen", "YB-001"): RatingSeed("满意"),
    ("citizen", "GA-010"): RatingSeed("满意"),
    ("citizen2", "SJ-005"): RatingSeed("非常满意"),
    ("citizen2", "WJ-008"): RatingSeed("不满意", ("办事效率低", "多次跑动"), comment="体检后等了很久才出证，跑了两趟"),
    ("elder", "MZ-007"): RatingSeed("非常满意", comment="窗口工作人员很耐心"),
    ("elder", "MZ-013"): RatingSeed("满意"),
    ("legal-rep", "ZR-002"): RatingSeed(
        "非常不满意", ("超时办理", "服务态度差"), comment="超过承诺时限，窗口解释不清", rectified=False, appealed=True
    ),
    ("91530102MA6K8R2Q1N", "SJ-008"): RatingSeed("满意"),
    ("91530102MA6K8R2Q1N", "SJ-003"): RatingSeed("非常满意"),
}
DEMO_COMPANIES = frozenset({"91530102MA6K8R2Q1N", "92530111MA6N3T7B45"})
# Ratings of a counter service without a case (咨询, 查询): (username, item code, level, days ago).
DEMO_SERVICE_RATINGS: list[tuple[str, str, Level, int]] = [
    ("citizen", "GA-021", "非常满意", 30),
    ("elder", "YB-008", "满意", 14),
    ("staff", "GJJ-006", "基本满意", 21),
]
_LEVEL_WEIGHTS: tuple[tuple[Level, int], ...] = (
    ("非常满意", 62),
    ("满意", 24),
    ("基本满意", 8),
    ("不满意", 4),
    ("非常不满意", 2),
)
_BAD_REASONS: tuple[BadReason, ...] = (
    "办事效率低",
    "服务态度差",
    "办事指南不清晰",
    "材料要求繁琐",
    "多次跑动",
    "超时办理",
)


@dataclass
class RatingIds:
    sequence: int = 0

    def next(self, day: date) -> str:
        self.sequence += 1
        return f"PJ{day:%Y%m%d}{self.sequence:06d}"


def _channel(case: Case) -> RatingChannel:
    if case.channel in ("政务服务中心窗口", "自助终端"):
        return "政务服务中心评价器"
    return "网上办事大厅" if case.channel == "网上办事大厅" else "一部手机办事通"


def rater_of(case: Case) -> Party:
    """A company's case is rated by the person who filed it."""
    return case.submitted_by or case.applicant


@dataclass(frozen=True)
class KnownCase:
    """What the rating system learnt of a case from the case system (copied, never shared)."""

    case_id: str
    item_code: str
    department: str
    applicant: Party
    submitted_by: Party | None
    finished: bool

    def may_be_rated_by(self, id_number: str) -> bool:
        return id_number in {self.applicant.id_number, self.submitted_by.id_number if self.submitted_by else None}


def build_ratings(pop: Population, seed: int = 41) -> tuple[list[Rating], RatingIds, dict[str, KnownCase]]:
    """The seeded ratings, their id counter, and the seeded cases by number (to check new ratings)."""
    rng = random.Random(seed)
    cases, _ = seeded_cases()
    ids = RatingIds()
    ratings: list[Rating] = []
    holders = {person.id_number: username for username, person in pop.demo_people.items()}
    demo_done: set[tuple[str, str]] = set()
    for case in cases:
        if case.status not in FINISHED_STATUSES:
            continue
        holder = holders.get(case.applicant.id_number, case.applicant.id_number)
        key = (holder, case.item_code)
        rating_seed = DEMO_RATINGS.get(key)
        if rating_seed is not None and key not in demo_done:
            demo_done.add(key)
        elif key in DEMO_RATINGS or holder in pop.demo_people or holder in DEMO_COMPANIES:
            continue  # a demo user's other finished cases stay unrated: they are 待评价
        elif rng.random() < 0.55:
            level = rng.choices([lv for lv, _ in _LEVEL_WEIGHTS], weights=[w for _, w in _LEVEL_WEIGHTS])[0]
            reasons = tuple(rng.sample(_BAD_REASONS, rng.randint(1, 2))) if level in BAD_LEVELS else ()
            appealed = bool(reasons) and rng.random() < 0.1
            rating_seed = RatingSeed(level, reasons, appealed=appealed)
        else:
            continue
        rating = _rate_case(case, rating_seed, ids, rng, generated=holder not in pop.demo_people)
        if rating is not None:
            ratings.append(rating)
    for username, item_code, level, days_ago in DEMO_SERVICE_RATINGS:
        ratings.append(_rate_service(person_party(pop.demo_people[username]), item_code, level, days_ago, ids, rng))
    demo_ids = {p.id_number for p in pop.demo_people.values()}
    adults = [p for p in pop.people if p.id_number not in demo_ids and p.birth_date.year < 2008]
    person_items = [item.code for item in service_items().values() if not item.for_companies]
    for person in rng.sample(adults, 400):
        level = rng.choices([lv for lv, _ in _LEVEL_WEIGHTS], weights=[w for _, w in _LEVEL_WEIGHTS])[0]
        ratings.append(
            _rate_service(person_party(person), rng.choice(person_items), level, rng.randrange(1, 400), ids, rng)
        )
    known = {
        case.case_id: KnownCase(
            case_id=case.case_id,
            item_code=case.item_code,
            department=case.department,
            applicant=case.applicant.model_copy(),
            submitted_by=case.submitted_by.model_copy() if case.submitted_by else None,
            finished=case.status in FINISHED_STATUSES,
        )
        for case in cases
    }
    return ratings, ids, known


def _rate_case(
    case: Case, rating_seed: RatingSeed, ids: RatingIds, rng: random.Random, *, generated: bool
) -> Rating | None:
    assert case.finished_at is not None
    rated_on = case.finished_at.date() + timedelta(days=rng.randint(0, 2))
    ratings: list[Rating] = []

    def give(at: datetime) -> None:
        ratings.append(
            process.new_rating(
                ids.next(rated_on),
                target_type="case",
                case_id=case.case_id,
                service_id=None,
                item_code=case.item_code,
                item_name=case.item_name,
                department=case.department,
                rater=rater_of(case),
                applicant_id=case.applicant.id_number if case.applicant.is_company else None,
                level=rating_seed.level,
                comment=rating_seed.comment,
                reasons=list(rating_seed.reasons),
                channel=_channel(case),
                at=at,
            )
        )

    player = SeedPlayer(case.finished_at, rng, lambda: False)
    if not player.run(rated_on, give):
        return None
    rating = ratings[0]
    if rating.is_bad:
        _play_bad(rating, rating_seed, player, rated_on, rng, decide_appeal=generated)
    return rating


def _play_bad(
    rating: Rating,
    rating_seed: RatingSeed,
    player: SeedPlayer,
    rated_on: date,
    rng: random.Random,
    *,
    decide_appeal: bool,
) -> None:
    visited_on = add_working_days(rated_on, 1)
    if not player.run(visited_on, lambda at: process.visit(rating, at)):
        return
    if rating_seed.appealed:
        appealed_on = add_working_days(visited_on, rng.randint(0, 1))
        department = rating.department
        player.run(appealed_on, lambda at: process.file_appeal(rating, at, department, "评价内容与实际办理情况不符"))
        if decide_appeal:
            upheld = rng.random() < 0.8
            player.run(add_working_days(appealed_on, 5), lambda at: process.decide_appeal(rating, at, upheld))
    if rating_seed.rectified and rating.rectification is not None and rating.rectification.status == "整改中":
        done_on = add_working_days(visited_on, rng.randint(3, 14))
        player.run(done_on, lambda at: process.complete(rating, at))


def _rate_service(
    rater: Party, item_code: str, level: Level, days_ago: int, ids: RatingIds, rng: random.Random
) -> Rating:
    item = service_items()[item_code]
    day = SEED_TODAY - timedelta(days=days_ago)
    at = at_office_hours(day, rng.randrange(480))
    reasons: list[BadReason] = [rng.choice(_BAD_REASONS)] if level in BAD_LEVELS else []
    rating = process.new_rating(
        ids.next(day),
        target_type="service",
        case_id=None,
        service_id=f"FW{day:%Y%m%d}{rng.randrange(10**5):05d}",
        item_code=item.code,
        item_name=item.name,
        department=local_department(item.department, prefecture_of(rater)),
        rater=rater,
        applicant_id=None,
        level=level,
        comment=None,
        reasons=reasons,
        channel="政务服务中心评价器",
        at=at,
    )
    if rating.is_bad:
        player = SeedPlayer(at, rng, lambda: False)
        _play_bad(rating, RatingSeed(level, tuple(reasons)), player, day, rng, decide_appeal=True)
    return rating
