"""Subject links: which of our accounts a department means when it names a keyed hash.

A department's webhook carries HMAC-SHA256(shared secret, ID number or USCC) instead of the
number itself. We compute the same hash for each configured system when an account is created
or a company binding is made, and look the account up by it when the webhook arrives.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from personal_space.models import SubjectLink


class SubjectLinker:
    def __init__(self, secrets: dict[str, str]) -> None:
        self._secrets = secrets

    def subject_hash(self, system: str, value: str) -> str:
        return hmac.new(self._secrets[system].encode(), value.upper().encode(), hashlib.sha256).hexdigest()

    async def link_person(self, session: AsyncSession, account_id: str, id_number: str) -> None:
        await self._link(session, account_id, id_number, uscc=None)

    async def link_company(self, session: AsyncSession, account_id: str, uscc: str) -> None:
        await self._link(session, account_id, uscc, uscc=uscc.upper())

    async def _link(self, session: AsyncSession, account_id: str, value: str, uscc: str | None) -> None:
        for system in self._secrets:
            subject_hash = self.subject_hash(system, value)
            key = (system, subject_hash, account_id)
            if await session.get(SubjectLink, key) is None:
                session.add(SubjectLink(system=system, subject_hash=subject_hash, account_id=account_id, uscc=uscc))
        await session.flush()

    @staticmethod
    async def accounts_for(session: AsyncSession, system: str, subject_hash: str) -> Sequence[SubjectLink]:
        result = await session.scalars(
            select(SubjectLink).where(SubjectLink.system == system, SubjectLink.subject_hash == subject_hash)
        )
        return result.all()
