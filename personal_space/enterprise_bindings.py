"""Our cache of the registry's authorisations: the `enterprise_bindings` rows.

The enterprise registry (电子营业执照) is the truth about who may act for a company; a binding
row lets us refuse everyone else without a department call, and tells webhooks whom a company
event concerns. These functions keep the rows in step with what the registry said last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from personal_space.links import SubjectLinker
from personal_space.models import Account, EnterpriseBinding

CHINA = ZoneInfo("Asia/Shanghai")
LEGAL_REPRESENTATIVE = "legal_representative"
STAFF = "staff"
# What a legal representative's row holds as scopes: everything, now and later.
EVERY_SCOPE = "*"


@dataclass(frozen=True, slots=True)
class Standing:
    """What the registry says a person is for a company."""

    relation: str  # LEGAL_REPRESENTATIVE | STAFF
    scopes: frozenset[str]
    expires_on: date | None  # the last day a staff grant is valid; None for the legal representative

    @property
    def stored_scopes(self) -> list[str]:
        return [EVERY_SCOPE] if self.relation == LEGAL_REPRESENTATIVE else sorted(self.scopes)

    @property
    def expires_at(self) -> datetime | None:
        # A grant is valid through its last day in Beijing time, as the registry counts it. Kept in
        # UTC: SQLite stores the wall-clock fields only, and every reader takes them as UTC.
        if self.expires_on is None:
            return None
        return datetime.combine(self.expires_on + timedelta(days=1), time.min, tzinfo=CHINA).astimezone(UTC)

    def matches(self, relation: str, scopes: Sequence[str], expires_at: datetime | None) -> bool:
        if relation != self.relation:
            return False
        if self.relation == LEGAL_REPRESENTATIVE:
            return True
        return sorted(scopes) == self.stored_scopes and _same_instant(expires_at, self.expires_at)


async def binding_of(session: AsyncSession, account_id: str, uscc: str) -> EnterpriseBinding | None:
    return await session.scalar(
        select(EnterpriseBinding).where(EnterpriseBinding.account_id == account_id, EnterpriseBinding.uscc == uscc)
    )


async def staff_of_company(session: AsyncSession, uscc: str) -> Sequence[tuple[EnterpriseBinding, Account]]:
    rows = await session.execute(
        select(EnterpriseBinding, Account)
        .join(Account, Account.id == EnterpriseBinding.account_id)
        .where(EnterpriseBinding.uscc == uscc, EnterpriseBinding.relation == STAFF)
    )
    return [(row[0], row[1]) for row in rows.all()]


async def upsert(
    session: AsyncSession,
    linker: SubjectLinker,
    *,
    account_id: str,
    uscc: str,
    company_name: str,
    standing: Standing,
) -> None:
    row = await binding_of(session, account_id, uscc)
    if row is None:
        session.add(
            EnterpriseBinding(
                account_id=account_id,
                uscc=uscc,
                company_name=company_name,
                relation=standing.relation,
                scopes=standing.stored_scopes,
                expires_at=standing.expires_at,
            )
        )
        # So the company's webhooks reach the new staff member as well.
        await linker.link_company(session, account_id, uscc)
    elif not standing.matches(row.relation, row.scopes or [], row.expires_at):
        _apply(row, company_name, standing)
    await session.flush()


async def rewrite(session: AsyncSession, account_id: str, uscc: str, company_name: str, standing: Standing) -> None:
    """Correct an existing row to what the registry says; a missing row stays missing."""
    row = await binding_of(session, account_id, uscc)
    if row is not None and not standing.matches(row.relation, row.scopes or [], row.expires_at):
        _apply(row, company_name, standing)
        await session.flush()


async def remove(session: AsyncSession, account_id: str, uscc: str) -> bool:
    row = await binding_of(session, account_id, uscc)
    if row is None:
        return False
    await session.delete(row)
    await session.flush()
    return True


def _apply(row: EnterpriseBinding, company_name: str, standing: Standing) -> None:
    row.relation = standing.relation
    row.scopes = standing.stored_scopes
    row.expires_at = standing.expires_at
    row.company_name = company_name


def _same_instant(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    # SQLite hands datetimes back without a zone; they were stored in UTC.
    return _aware(a) == _aware(b)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
