"""The live case store: lookups, new cases, and the state machine the ticker and admin drive."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from simulators.cases import process
from simulators.cases.data import CaseIds
from simulators.cases.schemas import Case, CaseStats, NewCase
from simulators.common.lifecycle import Transition, conflict, not_found, now, unprocessable
from simulators.common.service_items import service_items
from simulators.common.webhooks import subject_id_hash

EVENT = "case.status_changed"
MANUAL_EVENTS = ("补正", "不予受理", "不予许可")


class CaseStore:
    def __init__(self, cases: list[Case], ids: CaseIds, secret: str) -> None:
        self.by_id: dict[str, Case] = {}
        self.by_holder: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.ids = ids
        self.secret = secret
        self.created_via_api = 0
        for case in cases:
            self._add(case)

    def _add(self, case: Case) -> None:
        self.by_id[case.case_id] = case
        self.by_holder[(case.applicant.id_type, case.applicant.id_number)].append(case.case_id)

    def get(self, case_id: str) -> Case:
        case = self.by_id.get(case_id)
        if case is None:
            raise not_found("办件")
        return case

    def for_holder(self, id_type: str, id_number: str, statuses: set[str] | None) -> list[Case]:
        cases = [self.by_id[i] for i in self.by_holder.get((id_type, id_number.upper()), [])]
        if statuses:
            cases = [c for c in cases if c.status in statuses]
        return sorted(cases, key=lambda c: c.created_at, reverse=True)

    def create(self, request: NewCase) -> Case:
        item = service_items().get(request.item_code)
        if item is None:
            raise unprocessable("UNKNOWN_ITEM", f"事项编码{request.item_code}不存在")
        if item.for_companies != request.applicant.is_company:
            raise unprocessable("AUDIENCE_MISMATCH", f"{item.name}的服务对象是{item.audience}")
        at = now()
        case = process.open_case(
            self.ids.next(request.applicant, at.date()),
            item,
            request.applicant,
            at=at,
            channel=request.channel,
            submitted_by=request.submitted_by,
            cross_province_mode=request.cross_province_mode,
            materials=list(request.materials),
            note=request.note,
        )
        self._add(case)
        self.created_via_api += 1
        return case

    def supplement(self, case_id: str, materials: list[str]) -> Transition:
        case = self.get(case_id)
        if case.status != "补正":
            raise conflict("NOT_AWAITING_SUPPLEMENT", "该办件当前无需补正材料")
        process.resume(case, now(), materials)
        return self._transition(case)

    # -- the state machine --------------------------------------------------------------------

    def step(self, object_id: str, event: str | None, *, auto: bool, into: str | None = None) -> Transition | None:
        case = self.get(object_id)
        item = service_items()[case.item_code]
        at = max(now(), case.updated_at)
        if event is not None:
            self._exceptional(case, event, at)
            return self._transition(case)
        match case.status:
            case "申请":
                process.accept(case, at, item.fully_online)
            case "受理":
                process.start_review(case, at)
            case "审查":
                process.decide(case, at, item.kind)
            case "决定":
                process.finish(case, at, item)
            case "补正" if not auto:
                # An admin step on a paused case stands for the applicant supplying the material.
                process.resume(case, at, ["补正材料"])
            case _:
                return None
        return self._transition(case)

    def _exceptional(self, case: Case, event: str, at: datetime) -> None:
        if event not in MANUAL_EVENTS:
            raise unprocessable("UNKNOWN_EVENT", f"事件须为{'、'.join(MANUAL_EVENTS)}之一")
        allowed = {"补正": ("受理", "审查"), "不予受理": ("申请",), "不予许可": ("审查",)}[event]
        if case.status not in allowed:
            raise conflict("TRANSITION_NOT_ALLOWED", f"办件处于{case.status}状态，不能{event}")
        index = int(case.case_id[-3:])
        if event == "补正":
            process.request_supplement(case, at, index)
        elif event == "不予受理":
            process.refuse(case, at, index)
        else:
            process.decide(case, at, service_items()[case.item_code].kind, granted=False)

    def _transition(self, case: Case) -> Transition:
        return Transition(
            event=EVENT,
            object_id=case.case_id,
            status=case.status,
            at=case.updated_at,
            subject_id_hash=subject_id_hash(self.secret, case.applicant.id_number),
        )

    def snapshot(self, object_id: str) -> Case:
        return self.get(object_id)

    def stats(self, idempotency_keys: int) -> CaseStats:
        statuses = Counter(case.status for case in self.by_id.values())
        return CaseStats(
            cases=len(self.by_id),
            holders=len(self.by_holder),
            by_status=dict(sorted(statuses.items())),
            cross_province=sum(1 for c in self.by_id.values() if c.cross_province_mode),
            created_via_api=self.created_via_api,
            idempotency_keys=idempotency_keys,
        )
