"""SQLAlchemy models of what citizen-space owns. Federated data is never stored here as truth."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


class Account(Base):
    """A person known to the unified identity provider, keyed by the token's subject."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    subject: Mapped[str] = mapped_column(String(128), unique=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    name_enc: Mapped[str] = mapped_column(Text)
    id_number_enc: Mapped[str] = mapped_column(Text)
    id_number_hash: Mapped[str] = mapped_column(String(64), index=True)
    phone_enc: Mapped[str | None] = mapped_column(Text)
    birth_date: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(4))
    prefecture: Mapped[str | None] = mapped_column(String(32))
    address_enc: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EnterpriseBinding(Base):
    """Who may act for a company: the legal representative, or staff with scopes until expiry."""

    __tablename__ = "enterprise_bindings"
    __table_args__ = (Index("ix_binding_account_uscc", "account_id", "uscc", unique=True),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    company_name: Mapped[str] = mapped_column(String(200))
    relation: Mapped[str] = mapped_column(String(32))  # legal_representative | staff
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    """One read of personal data. Append-only; each row chains the hash of the previous one."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_subject: Mapped[str] = mapped_column(String(128))
    actor_role: Mapped[str] = mapped_column(String(32))
    data_subject_id: Mapped[str | None] = mapped_column(String(32), index=True)
    sections: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class Preference(Base):
    __tablename__ = "preferences"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    client_mode: Mapped[str] = mapped_column(String(16), default="standard")
    notification_digest: Mapped[str] = mapped_column(String(16), default="instant")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Favourite(Base):
    __tablename__ = "favourites"
    __table_args__ = (Index("ix_favourite_account_item", "account_id", "item_code", unique=True),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    item_code: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    object_ref: Mapped[str | None] = mapped_column(String(200))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class IdempotencyRecord(Base):
    """The first result of a write, kept so a resubmission with the same key returns it."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_account_key", "account_id", "key", unique=True),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128))
    operation: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Submission(Base):
    """Our copy of a write bound for a department, with its delivery status."""

    __tablename__ = "submissions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    system: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="PENDING")  # PENDING DELIVERED REJECTED
    remote_id: Mapped[str | None] = mapped_column(String(64))
    remote_status: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class OutboxMessage(Base):
    """A delivery owed to a department, written in the same transaction as its submission."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_claimable", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), unique=True)
    system: Mapped[str] = mapped_column(String(32))
    operation: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(160))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending delivering done dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SubjectLink(Base):
    """Maps a department's keyed hash of an ID number or USCC to our accounts, so a signed
    webhook that names no one in clear still reaches the right person or company staff."""

    __tablename__ = "subject_links"

    system: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    uscc: Mapped[str | None] = mapped_column(String(18))


class LicenceShow(Base):
    """One scan-to-show token: what the holder chose to show, to whom, and whether it was used."""

    __tablename__ = "licence_shows"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the token's nonce
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    licence_id: Mapped[str] = mapped_column(String(128))
    licence_type: Mapped[str] = mapped_column(String(64))
    fields: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_by: Mapped[str | None] = mapped_column(String(128))
    used_by_label: Mapped[str | None] = mapped_column(String(100))


class AgentConsent(Base):
    """A 12345 agent's request to see parts of a caller's space for one ticket, and the caller's
    answer: approved in the app or by reading back a one-time code; limited in time and sections."""

    __tablename__ = "agent_consents"
    __table_args__ = (Index("ix_agent_consent_grant", "agent_subject", "ticket_id", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    agent_subject: Mapped[str] = mapped_column(String(128))
    agent_label: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[str] = mapped_column(String(32))
    ticket_title: Mapped[str] = mapped_column(String(100))
    sections: Mapped[list[str]] = mapped_column(JSON)
    method: Mapped[str] = mapped_column(String(16))  # app | code
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending approved denied revoked
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    grant_seconds: Mapped[int] = mapped_column(Integer)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    request_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PrefillDraft(Base):
    """A prefilled application form (无感通办): masked values with their sources, kept until it
    is submitted or expires."""

    __tablename__ = "prefill_drafts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    item_code: Mapped[str] = mapped_column(String(16))
    item_name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(100))
    uscc: Mapped[str | None] = mapped_column(String(18))
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submission_id: Mapped[str | None] = mapped_column(String(32))


class PersonGeneration(Base):
    """A person's current generation (`personal_space.generations`) where no Redis is shared by
    the workers. Written with Core statements only: an ORM write would itself note a change."""

    __tablename__ = "person_generations"

    account_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    generation: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
