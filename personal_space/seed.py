"""Demo data owned by citizen-space: the demo accounts and their enterprise bindings."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from personal_space import repository
from personal_space.identity import IdentityService, NewAccount
from personal_space.links import SubjectLinker
from personal_space.models import EnterpriseBinding

DEMO_FILE = Path(__file__).resolve().parent / "demo_people.json"


async def seed_demo(session: AsyncSession, identity: IdentityService, subject_for: dict[str, str]) -> int:
    """Create the demo accounts that do not exist yet; returns how many were created."""
    raw = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    created = 0
    accounts = {}
    for person in raw["people"]:
        account = await repository.account_by_username(session, person["username"])
        if account is None:
            account = await identity.create(
                session,
                NewAccount(
                    subject=subject_for[person["username"]],
                    username=person["username"],
                    role=person["role"],
                    name=person["name"],
                    id_number=person["id_number"],
                    phone=person["phone"],
                    birth_date=date.fromisoformat(person["birth_date"]),
                    gender=person["gender"],
                    prefecture=person["prefecture"],
                    address=person["address"],
                ),
            )
            created += 1
        accounts[person["username"]] = account
    for company in raw["companies"]:
        rep = accounts[company["legal_representative"]]
        await _bind(
            session, identity.linker, rep.id, company["uscc"], company["name"], "legal_representative", ["*"], None
        )
        for staff in company["staff"]:
            expires = datetime.fromisoformat(staff["expires"]).replace(tzinfo=UTC)
            await _bind(
                session,
                identity.linker,
                accounts[staff["username"]].id,
                company["uscc"],
                company["name"],
                "staff",
                staff["scopes"],
                expires,
            )
    await session.flush()
    return created


async def _bind(
    session: AsyncSession,
    linker: SubjectLinker,
    account_id: str,
    uscc: str,
    name: str,
    relation: str,
    scopes: list[str],
    expires_at: datetime | None,
) -> None:
    existing = {b.uscc for b in await repository.bindings_of(session, account_id)}
    if uscc not in existing:
        session.add(
            EnterpriseBinding(
                account_id=account_id,
                uscc=uscc,
                company_name=name,
                relation=relation,
                scopes=scopes,
                expires_at=expires_at,
            )
        )
        await linker.link_company(session, account_id, uscc)
