"""社保医保公积金记录 simulator: contributions, housing-fund account and history, medical records."""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import cache
from typing import Annotated, Any

from fastapi import FastAPI, Query

from simulators.common.app import SimulatorAuth, create_simulator_app
from simulators.common.lifecycle import not_found
from simulators.common.population import population
from simulators.common.reads import (
    MONTH_PATTERN,
    PageNumber,
    PageSize,
    check_person_id,
    check_uscc,
    install_error_handlers,
    month_range,
    page_of,
    shift_month,
)
from simulators.records.ledgers import (
    SCHEMES,
    contribution_count,
    contributions,
    has_medical_account,
    housing_ledger,
    medical_ledger,
    months_paid,
    settlement_count,
    yuan,
)
from simulators.records.profiles import (
    AS_OF,
    LATEST_MONTH,
    RETIRED,
    Insured,
    base_in,
    build_profiles,
    pension_in,
)

HolderId = Annotated[str, Query(min_length=18, max_length=18, description="居民身份证号码")]
Uscc = Annotated[str, Query(min_length=18, max_length=18, description="统一社会信用代码")]
FromMonth = Annotated[str | None, Query(alias="from", pattern=MONTH_PATTERN, description="YYYY-MM")]
ToMonth = Annotated[str | None, Query(alias="to", pattern=MONTH_PATTERN, description="YYYY-MM")]
SchemeCode = Annotated[str | None, Query(pattern=r"^(110|120|170|210|310|390|410)$")]
DEFAULT_MONTHS = 12
CATEGORY_KEYS = {
    "职工": "employee",
    "灵活就业": "flexible",
    "城乡居民": "resident",
    "退休": "retired",
    "少儿及学生": "student",
}
MAX_MONTHS = 60


def create_app(auth: SimulatorAuth) -> FastAPI:
    app = create_simulator_app(
        "records",
        "社保医保公积金记录",
        auth,
        description="社会保险缴费记录、住房公积金账户及明细、医疗保险个人账户及结算记录；按身份证号或统一社会信用代码查询，支持月份区间和分页。",
    )
    install_error_handlers(app)
    pop = population()
    profiles = build_profiles(pop)
    employees: dict[str, list[Insured]] = defaultdict(list)
    for insured in profiles.values():
        if insured.employer is not None:
            employees[insured.employer.uscc].append(insured)

    def insured_of(holder_id: str) -> Insured:
        found = profiles.get(check_person_id(holder_id))
        if found is None:
            raise not_found("参保人")
        return found

    def window(from_month: str | None, to_month: str | None) -> tuple[str, str]:
        return month_range(
            from_month, to_month, latest=LATEST_MONTH, default_months=DEFAULT_MONTHS, max_months=MAX_MONTHS
        )

    @app.get("/api/v1/social-insurance/summary", tags=["social insurance"])
    async def summary(holder_id: HolderId) -> dict[str, Any]:
        insured = insured_of(holder_id)
        rows = contributions(insured)
        paying = any(r["month"] == LATEST_MONTH for r in rows)
        # Residents pay once a year, so the schemes are those paid in the last twelve months.
        year_ago = shift_month(LATEST_MONTH, -11)
        latest_codes = sorted({str(r["insurance_code"]) for r in rows if str(r["month"]) >= year_ago})
        if insured.category == RETIRED:
            status = "已退休"
        elif paying:
            status = "正常参保"
        elif insured.stopped_from:
            status = "暂停缴费"
        else:
            status = "正常参保"
        employer = insured.employer
        return {
            "holder_name": insured.person.name,
            "category": insured.category,
            "status": status,
            "insured_prefecture": insured.person.prefecture,
            "employer_name": employer.name if employer and not insured.stopped_from else None,
            "employer_uscc": employer.uscc if employer and not insured.stopped_from else None,
            "first_insured_on": insured.first_insured_on.isoformat(),
            "months_paid": months_paid(insured),
            "current_base": yuan(base_in(insured, LATEST_MONTH) * 100) if insured.base_2023 and paying else None,
            "schemes": [{"code": code, "name": SCHEMES[code]} for code in latest_codes],
            "retirement": {
                "retired_on": insured.retired_on.isoformat(),
                "monthly_pension": yuan(pension_in(insured, LATEST_MONTH) * 100),
            }
            if insured.retired_on
            else None,
            "as_of": AS_OF.isoformat(),
        }

    @app.get("/api/v1/social-insurance/contributions", tags=["social insurance"])
    async def person_contributions(
        holder_id: HolderId,
        from_month: FromMonth = None,
        to_month: ToMonth = None,
        insurance_code: SchemeCode = None,
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> dict[str, Any]:
        first, last = window(from_month, to_month)
        rows = [
            r
            for r in contributions(insured_of(holder_id))
            if first <= str(r["month"]) <= last and (insurance_code is None or r["insurance_code"] == insurance_code)
        ]
        return {**page_of(rows, page, page_size), "from": first, "to": last}

    @app.get("/api/v1/social-insurance/employer-contributions", tags=["social insurance"])
    async def employer_contributions(
        uscc: Uscc,
        from_month: FromMonth = None,
        to_month: ToMonth = None,
        insurance_code: SchemeCode = None,
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> dict[str, Any]:
        code = check_uscc(uscc)
        if code not in pop.companies_by_uscc and code not in employees:
            raise not_found("参保单位")
        first, last = window(from_month, to_month)
        rows = employer_months(code, first, last, insurance_code)
        return {**page_of(rows, page, page_size), "from": first, "to": last}

    def employer_months(uscc: str, first: str, last: str, insurance_code: str | None) -> list[dict[str, Any]]:
        """Monthly totals per scheme for an employer (单位缴费), summed over its employees."""
        totals: dict[tuple[str, str], list[int]] = {}
        for insured in employees.get(uscc, []):
            for r in contributions(insured):
                month, code = str(r["month"]), str(r["insurance_code"])
                if r["employer_uscc"] != uscc or not first <= month <= last:
                    continue
                if insurance_code is not None and code != insurance_code:
                    continue
                bucket = totals.setdefault((month, code), [0, 0, 0, 0, 0])
                bucket[0] += 1
                bucket[1] += _fen(r["base"])
                bucket[2] += _fen(r["employer_amount"])
                bucket[3] += _fen(r["personal_amount"])
                bucket[4] += 1 if r["status"] != "已到账" else 0
        return [
            {
                "month": month,
                "insurance_code": code,
                "insurance_name": SCHEMES[code],
                "headcount": b[0],
                "base_total": yuan(b[1]),
                "employer_amount": yuan(b[2]),
                "personal_amount": yuan(b[3]),
                "total": yuan(b[2] + b[3]),
                "status": "欠缴" if b[4] else "已到账",
            }
            for (month, code), b in sorted(totals.items(), reverse=True)
        ]

    @app.get("/api/v1/housing-fund/account", tags=["housing fund"])
    async def housing_account(holder_id: HolderId) -> dict[str, Any]:
        insured = insured_of(holder_id)
        fund = insured.housing
        if fund is None:
            raise not_found("住房公积金账户")
        ledger = housing_ledger(insured)
        employer = insured.employer
        return {
            "account_no": fund.account_no,
            "holder_name": insured.person.name,
            "centre": fund.centre,
            "employer_name": employer.name if employer else None,
            "employer_uscc": employer.uscc if employer else None,
            "status": ledger.status,
            "opened_on": fund.opened_on.isoformat(),
            "deposit_base": yuan(base_in(insured, LATEST_MONTH) * 100) if ledger.status == "正常" else None,
            "employer_rate": f"{fund.rate_bp / 100:g}%",
            "personal_rate": f"{fund.rate_bp / 100:g}%",
            "monthly_deposit": yuan(ledger.monthly_deposit_fen),
            "balance": yuan(ledger.balance_fen),
            "last_deposit_month": ledger.last_deposit_month,
            "as_of": AS_OF.isoformat(),
        }

    @app.get("/api/v1/housing-fund/history", tags=["housing fund"])
    async def housing_history(
        holder_id: HolderId,
        from_month: FromMonth = None,
        to_month: ToMonth = None,
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> dict[str, Any]:
        insured = insured_of(holder_id)
        if insured.housing is None:
            raise not_found("住房公积金账户")
        first, last = window(from_month, to_month)
        entries = [e for e in reversed(housing_ledger(insured).entries) if first <= str(e["date"])[:7] <= last]
        return {**page_of(entries, page, page_size), "from": first, "to": last}

    @app.get("/api/v1/medical-insurance/account", tags=["medical insurance"])
    async def medical_account(holder_id: HolderId) -> dict[str, Any]:
        insured = insured_of(holder_id)
        ledger = medical_ledger(insured)
        return {
            "holder_name": insured.person.name,
            "scheme_code": ledger.scheme_code,
            "scheme_name": SCHEMES[ledger.scheme_code],
            "status": "正常参保",
            "insured_prefecture": insured.person.prefecture,
            "retired": insured.category == RETIRED,
            "has_personal_account": ledger.balance_fen is not None,
            "account_balance": yuan(ledger.balance_fen) if ledger.balance_fen is not None else None,
            "monthly_credit": yuan(ledger.monthly_credit_fen) if ledger.balance_fen is not None else None,
            "settlements_in_history": len(ledger.settlements),
            "as_of": AS_OF.isoformat(),
        }

    @app.get("/api/v1/medical-insurance/settlements", tags=["medical insurance"])
    async def medical_settlements(
        holder_id: HolderId,
        from_month: FromMonth = None,
        to_month: ToMonth = None,
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> dict[str, Any]:
        insured = insured_of(holder_id)
        first, last = month_range(
            from_month, to_month, latest=AS_OF.isoformat()[:7], default_months=DEFAULT_MONTHS, max_months=MAX_MONTHS
        )
        rows = [s for s in medical_ledger(insured).settlements if first <= str(s["settled_at"])[:7] <= last]
        return {**page_of(rows, page, page_size), "from": first, "to": last}

    @cache
    def counts() -> dict[str, int]:
        # Records are generated on request; they are counted without being built (housing-fund
        # entries, a few tens of thousands, are built: their count depends on the balance).
        categories = Counter(CATEGORY_KEYS[i.category] for i in profiles.values())
        funds = [i for i in profiles.values() if i.housing is not None]
        return {
            "insured_people": len(profiles),
            **{f"insured_{key}": n for key, n in sorted(categories.items())},
            "employers": len(employees),
            "contribution_records": sum(contribution_count(i) for i in profiles.values()),
            "housing_fund_accounts": len(funds),
            "housing_fund_entries": sum(len(housing_ledger(i).entries) for i in funds),
            "medical_accounts": sum(1 for i in profiles.values() if has_medical_account(i)),
            "medical_settlements": sum(settlement_count(i) for i in profiles.values()),
        }

    @app.get("/_admin/stats", tags=["admin"])
    async def stats() -> dict[str, int]:
        return counts()

    app.state.profiles = profiles
    return app


def _fen(text: object) -> int:
    if text is None:
        return 0
    whole, _, cents = str(text).partition(".")
    return int(whole) * 100 + int(cents or 0)
