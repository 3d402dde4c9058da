"""Preferences, favourites, notifications, idempotency keys, submissions and the outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column[sa.DateTime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _account_fk(primary_key: bool = False) -> sa.Column[sa.String]:
    return sa.Column(
        "account_id",
        sa.String(32),
        sa.ForeignKey("accounts.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "preferences",
        _account_fk(primary_key=True),
        sa.Column("client_mode", sa.String(16), nullable=False),
        sa.Column("notification_digest", sa.String(16), nullable=False),
        _ts("updated_at"),
    )
    op.create_table(
        "favourites",
        sa.Column("id", sa.String(32), primary_key=True),
        _account_fk(),
        sa.Column("item_code", sa.String(16), nullable=False),
        _ts("created_at"),
    )
    op.create_index("ix_favourite_account_item", "favourites", ["account_id", "item_code"], unique=True)
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(32), primary_key=True),
        _account_fk(),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("object_ref", sa.String(200)),
        _ts("read_at", nullable=True),
        _ts("created_at"),
    )
    op.create_index("ix_notifications_account_id", "notifications", ["account_id"])
    op.create_index("ix_notifications_created_at", "notifications", ["created_at"])
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("account_id", sa.String(32), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        _ts("created_at"),
    )
    op.create_index("ix_idempotency_account_key", "idempotency_keys", ["account_id", "key"], unique=True)
    op.create_table(
        "submissions",
        sa.Column("id", sa.String(32), primary_key=True),
        _account_fk(),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("system", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("remote_id", sa.String(64)),
        sa.Column("remote_status", sa.String(32)),
        sa.Column("last_error", sa.String(300)),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_index("ix_submissions_account_id", "submissions", ["account_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "submission_id",
            sa.String(32),
            sa.ForeignKey("submissions.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("system", sa.String(32), nullable=False),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(160), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("next_attempt_at"),
        sa.Column("claimed_by", sa.String(64)),
        _ts("claimed_until", nullable=True),
        sa.Column("last_error", sa.String(300)),
        _ts("created_at"),
    )
    op.create_index("ix_outbox_claimable", "outbox", ["status", "next_attempt_at"])
    op.create_table(
        "subject_links",
        sa.Column("system", sa.String(32), primary_key=True),
        sa.Column("subject_hash", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.String(32), sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("uscc", sa.String(18)),
    )


def downgrade() -> None:
    for table in (
        "subject_links",
        "outbox",
        "submissions",
        "idempotency_keys",
        "notifications",
        "favourites",
        "preferences",
    ):
        op.drop_table(table)
