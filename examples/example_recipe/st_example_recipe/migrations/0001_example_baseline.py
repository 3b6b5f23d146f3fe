"""The example recipe's baseline: the notes table.

Revision ID: example_0001
Revises: None
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "example_0001"
down_revision = None
branch_labels = ("example",)
depends_on = "host_0001"  # the host's baseline creates the tenants the notes refer to


def upgrade() -> None:
    """Create ``example_notes``."""
    op.create_table(
        "example_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id", "tenant_id"], ["tenants.app_id", "tenants.tenant_id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )


def downgrade() -> None:
    """Drop ``example_notes``."""
    op.drop_table("example_notes")
