"""Accounts: the verified token becomes a Caller; personal fields are decrypted only here."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kit.cache import Cache
from kit.crypto import FieldCipher
from personal_space import repository
from personal_space.caller import Binding, Caller
from personal_space.changes import announced
from personal_space.links import SubjectLinker
from personal_space.models import Account


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """Decrypted identity of the caller, kept in the request only; never logged, and cached only
    as the ciphertext the account table holds (see `IdentityService.recall`)."""

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


SessionOpener = Callable[[], AbstractAsyncContextManager[AsyncSession]]
# How long a signed-in account is remembered between requests. Binding changes drop it at once
# (the "identity" section of the subject); the enterprise registry is asked again on every
# enterprise access anyway, so a remembered binding never opens more than the registry allows.
REMEMBER_SECONDS = 60.0
IDENTITY_SECTION = "identity"


class IdentityService:
    def __init__(
        self,
        cipher: FieldCipher,
        linker: SubjectLinker,
        *,
        cache: Cache | None = None,
        cache_key: Callable[[str], str] | None = None,
    ) -> None:
        self.cipher = cipher
        self.linker = linker
        self._cache = cache
        self._cache_key = cache_key

    async def sign_in(
        self, db: SessionOpener, *, subject: str, role: str, claimed: NewAccount | None
    ) -> tuple[Caller, PersonRecord] | None:
        """Map a verified subject to our account, provisioning it on first sight when the
        provider vouched for the person's real-name identity. None: not a person we know."""
        remembered = await self._recall(subject, role)
        if remembered is not None:
            return remembered
        async with db() as session:
            try:
                found = await self._load(session, subject, claimed)
                # End the read transaction now: a first login's account must outlive a failed
                # operation, and on SQLite a transaction held across department calls blocks
                # the outbox worker.
                await session.commit()
            except IntegrityError:
                # Two first requests of one person raced to provision the account; the other won.
                await session.rollback()
                found = await self._load(session, subject, claimed)
                await session.commit()
            # A first login is a change of the person: what follows must not be kept under the
            # generation from before their account existed.
            await announced(session.sync_session)
        if found is None:
            return None
        account, bindings = found
        await self._remember(subject, account, bindings)
        return self._signed_in(subject, role, account, bindings)

    async def _load(
        self, session: AsyncSession, subject: str, claimed: NewAccount | None
    ) -> tuple[Account, list[Binding]] | None:
        account = await repository.account_by_subject(session, subject)
        if account is None:
            if claimed is None:
                return None
            if await repository.account_by_username(session, claimed.username) is not None:
                # A display username is not an identity: a clash falls back to the subject.
                claimed = replace(claimed, username=claimed.subject[:64])
            account = await self.create(session, claimed)
        bindings = [
            Binding(
                b.uscc,
                b.company_name,
                b.relation,
                tuple(b.scopes or ()),
                _aware(b.expires_at) if b.expires_at else None,
            )
            for b in await repository.bindings_of(session, account.id)
        ]
        return account, bindings

    def _signed_in(
        self, subject: str, role: str, account: Account, bindings: list[Binding]
    ) -> tuple[Caller, PersonRecord]:
        now = datetime.now(UTC)
        current = tuple(b for b in bindings if b.expires_at is None or b.expires_at > now)
        caller = Caller(subject=subject, role=role, account_id=account.id, username=account.username, bindings=current)
        return caller, self.person(account)

    async def _recall(self, subject: str, role: str) -> tuple[Caller, PersonRecord] | None:
        """The account and bindings seen for this subject within the last minute, if any.

        Each request used to read the account and its bindings (two statements, a connection
        from the pool and a commit) before anything else. The entry holds the account's
        encrypted columns as stored, sealed as a whole, so the cache learns nothing the
        database does not already keep encrypted."""
        if self._cache is None or self._cache_key is None:
            return None
        key = self._cache_key(subject)
        raw = await self._cache.get(key)
        entry = self.cipher.open_json(raw, context=key) if raw is not None else None
        if not isinstance(entry, dict):
            return None
        try:
            birth = entry["account"]["birth_date"]
            account = Account(**{**entry["account"], "birth_date": date.fromisoformat(birth) if birth else None})
            bindings = [
                Binding(uscc, name, relation, tuple(scopes), datetime.fromisoformat(expires) if expires else None)
                for uscc, name, relation, scopes, expires in entry["bindings"]
            ]
        except (ValueError, KeyError, TypeError):
            return None  # another format: read the database
        return self._signed_in(subject, role, account, bindings)

    async def _remember(self, subject: str, account: Account, bindings: list[Binding]) -> None:
        if self._cache is None or self._cache_key is None:
            return
        key = self._cache_key(subject)
        entry = {
            "account": {column: getattr(account, column) for column in REMEMBERED_COLUMNS},
            "bindings": [
                [b.uscc, b.company_name, b.relation, list(b.scopes), b.expires_at.isoformat() if b.expires_at else None]
                for b in bindings
            ],
        }
        await self._cache.set(key, self.cipher.seal_json(entry, context=key), REMEMBER_SECONDS)

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
        """The account's identity, decrypted for this request."""
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


# What `recall` needs to rebuild an account: identifiers and the encrypted columns, as stored.
REMEMBERED_COLUMNS = (
    "id",
    "username",
    "name_enc",
    "id_number_enc",
    "phone_enc",
    "birth_date",
    "gender",
    "prefecture",
    "address_enc",
)
