"""Accounts: the verified token becomes a Caller; personal fields are decrypted only here."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kit.crypto import FieldCipher
from personal_space import repository
from personal_space.caller import Binding, Caller
from personal_space.links import SubjectLinker
from personal_space.models import Account


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """Decrypted identity of the caller, kept in the request only; never logged or cached."""

    account_id: str
    name: str
    id_number: str
    phone: str | None
    birth_date: date | None
    gender: str | None
    prefecture: str | None
    address: str | None

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday


@dataclass(frozen=True, slots=True)
class NewAccount:
    subject: str
    username: str
    role: str
    name: str
    id_number: str
    phone: str | None = None
    birth_date: date | None = None
    gender: str | None = None
    prefecture: str | None = None
    address: str | None = None


class IdentityService:
    def __init__(self, cipher: FieldCipher, linker: SubjectLinker) -> None:
        self.cipher = cipher
        self.linker = linker

    async def resolve(
        self, session: AsyncSession, *, subject: str, role: str, claimed: NewAccount | None
    ) -> tuple[Caller, PersonRecord] | None:
        """Map a verified subject to our account, provisioning it on first sight when the
        provider vouched for the person's real-name identity."""
        account = await repository.account_by_subject(session, subject)
        if account is None:
            if claimed is None:
                return None
            if await repository.account_by_username(session, claimed.username) is not None:
                # A display username is not an identity: a clash falls back to the subject.
                claimed = replace(claimed, username=claimed.subject[:64])
            account = await self.create(session, claimed)
        now = datetime.now(UTC)
        bindings = tuple(
            Binding(b.uscc, b.company_name, b.relation, tuple(b.scopes or ()), b.expires_at)
            for b in await repository.bindings_of(session, account.id)
            if b.expires_at is None or _aware(b.expires_at) > now
        )
        caller = Caller(subject=subject, role=role, account_id=account.id, username=account.username, bindings=bindings)
        return caller, self.person(account)

    async def create(self, session: AsyncSession, new: NewAccount) -> Account:
        account = Account(
            subject=new.subject,
            username=new.username,
            role=new.role,
            name_enc=self.cipher.encrypt(new.name, context="name"),
            id_number_enc=self.cipher.encrypt(new.id_number.upper(), context="id_number"),
            id_number_hash=self.cipher.lookup_hash(new.id_number),
            phone_enc=self.cipher.encrypt(new.phone, context="phone") if new.phone else None,
            birth_date=new.birth_date,
            gender=new.gender,
            prefecture=new.prefecture,
            address_enc=self.cipher.encrypt(new.address, context="address") if new.address else None,
        )
        session.add(account)
        await session.flush()
        await self.linker.link_person(session, account.id, new.id_number)
        return account

    def person(self, account: Account) -> PersonRecord:
        c = self.cipher
        return PersonRecord(
            account_id=account.id,
            name=c.decrypt(account.name_enc, context="name"),
            id_number=c.decrypt(account.id_number_enc, context="id_number"),
            phone=c.decrypt(account.phone_enc, context="phone") if account.phone_enc else None,
            birth_date=account.birth_date,
            gender=account.gender,
            prefecture=account.prefecture,
            address=c.decrypt(account.address_enc, context="address") if account.address_enc else None,
        )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
