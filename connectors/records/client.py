"""Client of the records system: social insurance, housing fund and medical insurance, read only."""

from __future__ import annotations

from typing import Any

from connectors.base import CallContext, DepartmentClient
from connectors.records.models import (
    ContributionPage,
    EmployerContributionPage,
    HousingFundAccount,
    HousingFundHistory,
    MedicalAccount,
    MedicalSettlementPage,
    SchemeCode,
    SocialInsuranceSummary,
)


class RecordsClient:
    """Holders travel as query parameters (never in the path), so no log line carries them."""

    def __init__(self, base: DepartmentClient) -> None:
        self.base = base

    async def social_insurance_summary(self, holder_id: str, call: CallContext) -> SocialInsuranceSummary:
        return await self.base.get_json(
            "/api/v1/social-insurance/summary", SocialInsuranceSummary, call, params={"holder_id": holder_id}
        )

    async def contributions(
        self,
        holder_id: str,
        call: CallContext,
        *,
        from_month: str | None = None,
        to_month: str | None = None,
        insurance_code: SchemeCode | None = None,
        page: int = 1,
        page_size: int = 20,
    ) -> ContributionPage:
        """Monthly contributions, newest first; the last twelve months unless a range is given."""
        params = _params(
            holder_id=holder_id,
            insurance_code=insurance_code,
            page=page,
            page_size=page_size,
            **{"from": from_month, "to": to_month},
        )
        return await self.base.get_json("/api/v1/social-insurance/contributions", ContributionPage, call, params=params)

    async def employer_contributions(
        self,
        uscc: str,
        call: CallContext,
        *,
        from_month: str | None = None,
        to_month: str | None = None,
        insurance_code: SchemeCode | None = None,
        page: int = 1,
        page_size: int = 20,
    ) -> EmployerContributionPage:
        params = _params(
            uscc=uscc,
            insurance_code=insurance_code,
            page=page,
            page_size=page_size,
            **{"from": from_month, "to": to_month},
        )
        return await self.base.get_json(
            "/api/v1/social-insurance/employer-contributions", EmployerContributionPage, call, params=params
        )

    async def housing_fund_account(self, holder_id: str, call: CallContext) -> HousingFundAccount:
        """Raises NotFound for a person without a housing-fund account."""
        return await self.base.get_json(
            "/api/v1/housing-fund/account", HousingFundAccount, call, params={"holder_id": holder_id}
        )

    async def housing_fund_history(
        self,
        holder_id: str,
        call: CallContext,
        *,
        from_month: str | None = None,
        to_month: str | None = None,
        page: int = 1,
        page_size: int = 20,
    ) -> HousingFundHistory:
        params = _params(holder_id=holder_id, page=page, page_size=page_size, **{"from": from_month, "to": to_month})
        return await self.base.get_json("/api/v1/housing-fund/history", HousingFundHistory, call, params=params)

    async def medical_account(self, holder_id: str, call: CallContext) -> MedicalAccount:
        return await self.base.get_json(
            "/api/v1/medical-insurance/account", MedicalAccount, call, params={"holder_id": holder_id}
        )

    async def medical_settlements(
        self,
        holder_id: str,
        call: CallContext,
        *,
        from_month: str | None = None,
        to_month: str | None = None,
        page: int = 1,
        page_size: int = 20,
    ) -> MedicalSettlementPage:
        params = _params(holder_id=holder_id, page=page, page_size=page_size, **{"from": from_month, "to": to_month})
        return await self.base.get_json(
            "/api/v1/medical-insurance/settlements", MedicalSettlementPage, call, params=params
        )


def _params(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
