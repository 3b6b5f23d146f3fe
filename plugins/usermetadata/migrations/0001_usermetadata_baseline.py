"""The usermetadata recipe's baseline: its tables as they were when migrations began.

Revision ID: usermetadata_0001
Revises: None
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "usermetadata_0001"
down_revision = None
branch_labels = ("usermetadata",)
depends_on = "host_0001"


def upgrade() -> None:
    """Create the usermetadata tables."""
    op.create_table(
        "user_metadata",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("user_metadata", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["apps.app_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("app_id", "user_id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("user_metadata")
