"""12345 agent consent grants and prefill drafts (无感通办).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column[sa.DateTime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _account_fk() -> sa.Column[sa.String]:
    return sa.Column("account_id", sa.String(32), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "agent_consents",
        sa.Column("id", sa.String(32), primary_key=True),
        _account_fk(),
        sa.Column("agent_subject", sa.String(128), nullable=False),
        sa.Column("agent_label", sa.String(64), nullable=False),
        sa.Column("ticket_id", sa.String(32), nullable=False),
        sa.Column("ticket_title", sa.String(100), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("code_hash", sa.String(64)),
        sa.Column("code_attempts", sa.Integer(), nullable=False),
        sa.Column("grant_seconds", sa.Integer(), nullable=False),
        _ts("requested_at"),
        _ts("request_expires_at"),
        _ts("decided_at", nullable=True),
        _ts("expires_at", nullable=True),
    )
    op.create_index("ix_agent_consents_account_id", "agent_consents", ["account_id"])
    op.create_index("ix_agent_consent_grant", "agent_consents", ["agent_subject", "ticket_id", "status"])
    op.create_table(
        "prefill_drafts",
        sa.Column("id", sa.String(32), primary_key=True),
        _account_fk(),
        sa.Column("item_code", sa.String(16), nullable=False),
        sa.Column("item_name", sa.String(200), nullable=False),
        sa.Column("department", sa.String(100), nullable=False),
        sa.Column("uscc", sa.String(18)),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("used_at", nullable=True),
        sa.Column("submission_id", sa.String(32)),
    )
    op.create_index("ix_prefill_drafts_account_id", "prefill_drafts", ["account_id"])


def downgrade() -> None:
    op.drop_table("prefill_drafts")
    op.drop_table("agent_consents")
