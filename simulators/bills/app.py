"""水电气缴费 simulator: utility accounts and monthly bills of people and companies."""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Path, Query

from simulators.bills.data import (
    AS_OF,
    LATEST_MONTH,
    OVERDUE,
    PAID,
    UTILITIES,
    Account,
    bill,
    bill_status,
    build_ledger,
)
from simulators.common.app import SimulatorAuth, create_simulator_app
from simulators.common.lifecycle import not_found
from simulators.common.population import population
from simulators.common.reads import (
    MONTH_PATTERN,
    PERSON_ID_TYPE,
    HolderIdType,
    PageNumber,
    PageSize,
    check_holder,
    install_error_handlers,
    month_range,
    page_of,
)

HolderId = Annotated[str, Query(min_length=18, max_length=18, description="身份证号码或统一社会信用代码")]
FromMonth = Annotated[str | None, Query(alias="from", pattern=MONTH_PATTERN, description="账期起，YYYY-MM")]
ToMonth = Annotated[str | None, Query(alias="to", pattern=MONTH_PATTERN, description="账期止，YYYY-MM")]
UtilityCode = Literal["water", "electricity", "gas"]
BillStatus = Literal["已缴", "未缴", "逾期"]


def create_app(auth: SimulatorAuth) -> FastAPI:
    app = create_simulator_app(
        "bills",
        "水电气缴费",
        auth,
        description="供水、供电、燃气户号及月度账单（用量、金额、缴费期限、缴费状态）；个人按身份证号，单位按统一社会信用代码查询。",
    )
    install_error_handlers(app)
    ledger = build_ledger(population())

    def accounts_of(holder_id: str, holder_id_type: str) -> list[Account]:
        key = (holder_id_type, check_holder(holder_id, holder_id_type))
        if key not in ledger.holders:
            raise not_found("缴费户主")
        return ledger.by_holder.get(key, [])

    @app.get("/api/v1/accounts", tags=["accounts"])
    async def accounts(holder_id: HolderId, holder_id_type: HolderIdType = PERSON_ID_TYPE) -> dict[str, Any]:
        found = [a.view() for a in accounts_of(holder_id, holder_id_type)]
        return {"items": found, "total": len(found)}

    @app.get("/api/v1/bills/summary", tags=["bills"])
    async def summary(holder_id: HolderId, holder_id_type: HolderIdType = PERSON_ID_TYPE) -> dict[str, Any]:
        owed: dict[str, list[int]] = {}
        for account in accounts_of(holder_id, holder_id_type):
            for month in account.bill_months:
                if bill_status(account, month) == PAID:
                    continue
                item = bill(account, month)
                bucket = owed.setdefault(account.utility, [0, 0, 0])
                bucket[0] += 1
                bucket[1] += _fen(item["amount_due"])
                bucket[2] += 1 if item["status"] == OVERDUE else 0
        return {
            "outstanding": [
                {
                    "utility": code,
                    "utility_name": UTILITIES[code].name,
                    "bills": b[0],
                    "amount_due": _yuan(b[1]),
                    "overdue_bills": b[2],
                }
                for code, b in sorted(owed.items())
            ],
            "total_due": _yuan(sum(b[1] for b in owed.values())),
            "as_of": AS_OF.isoformat(),
        }

    @app.get("/api/v1/bills", tags=["bills"])
    async def bills(
        holder_id: HolderId,
        holder_id_type: HolderIdType = PERSON_ID_TYPE,
        utility: UtilityCode | None = None,
        status: BillStatus | None = None,
        from_month: FromMonth = None,
        to_month: ToMonth = None,
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> dict[str, Any]:
        first, last = month_range(from_month, to_month, latest=LATEST_MONTH, default_months=12, max_months=36)
        accounts_of(holder_id, holder_id_type)  # 404 for a holder the utilities do not know
        pairs = [
            (account, month)
            for account, month in ledger.bills_of(holder_id_type, holder_id.upper())
            if first <= month <= last
            and (utility is None or account.utility == utility)
            and (status is None or bill_status(account, month) == status)
        ]
        page_pairs = page_of(pairs, page, page_size)
        return {**page_pairs, "items": [bill(a, m) for a, m in page_pairs["items"]], "from": first, "to": last}

    @app.get("/api/v1/bills/{bill_id}", tags=["bills"])
    async def one_bill(bill_id: Annotated[str, Path(pattern=r"^[WEG]\d{14,20}$")]) -> dict[str, Any]:
        found = ledger.find_bill(bill_id)
        if found is None:
            raise not_found("账单")
        return bill(*found)

    @cache
    def counts() -> dict[str, int]:
        statuses: Counter[str] = Counter()
        by_utility: Counter[str] = Counter()
        for account in ledger.accounts.values():
            by_utility[account.utility] += 1
            for month in account.bill_months:
                statuses[bill_status(account, month)] += 1
        return {
            "holders_with_accounts": len(ledger.by_holder),
            "accounts": len(ledger.accounts),
            **{f"accounts_{code}": n for code, n in sorted(by_utility.items())},
            "accounts_company": sum(1 for a in ledger.accounts.values() if a.commercial),
            "bills": sum(statuses.values()),
            "bills_paid": statuses["已缴"],
            "bills_unpaid": statuses["未缴"],
            "bills_overdue": statuses["逾期"],
        }

    @app.get("/_admin/stats", tags=["admin"])
    async def stats() -> dict[str, int]:
        return counts()

    app.state.ledger = ledger
    return app


def _fen(text: object) -> int:
    whole, _, cents = str(text).partition(".")
    return int(whole) * 100 + int(cents or 0)


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"
