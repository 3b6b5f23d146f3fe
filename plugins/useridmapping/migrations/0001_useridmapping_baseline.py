"""The useridmapping recipe's baseline: its tables as they were when migrations began.

Revision ID: useridmapping_0001
Revises: None
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "useridmapping_0001"
down_revision = None
branch_labels = ("useridmapping",)
depends_on = "host_0001"


def upgrade() -> None:
    """Create the useridmapping tables."""
    op.create_table(
        "userid_mapping",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("supertokens_user_id", sa.String(length=36), nullable=False),
        sa.Column("external_user_id", sa.String(length=128), nullable=False),
        sa.Column("external_user_id_info", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id", "supertokens_user_id"],
            ["app_id_to_user_id.app_id", "app_id_to_user_id.user_id"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", "supertokens_user_id", "external_user_id"),
        sa.UniqueConstraint("app_id", "external_user_id", name="userid_mapping_external_key"),
        sa.UniqueConstraint("app_id", "supertokens_user_id", name="userid_mapping_supertokens_key"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("userid_mapping")
