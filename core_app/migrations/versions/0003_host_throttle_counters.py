"""Failure counters for throttling guesses, shared by every worker and instance.

Revision ID: host_0003
Revises: host_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "host_0003"
down_revision = "host_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``throttle_counters``."""
    op.create_table(
        "throttle_counters",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject_hash", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.BigInteger(), nullable=False),
        sa.Column("locked_until", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("app_id", "tenant_id", "kind", "subject_hash"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index(
        "throttle_counters_expires_at_index", "throttle_counters", ["expires_at"], unique=False
    )


def downgrade() -> None:
    """Drop ``throttle_counters``."""
    op.drop_index("throttle_counters_expires_at_index", table_name="throttle_counters")
    op.drop_table("throttle_counters")
