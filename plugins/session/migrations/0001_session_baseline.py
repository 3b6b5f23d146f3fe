"""The session recipe's baseline: its tables as they were when migrations began.

Revision ID: session_0001
Revises: None
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "session_0001"
down_revision = None
branch_labels = ("session",)
depends_on = "host_0001"


def upgrade() -> None:
    """Create the session tables."""
    op.create_table(
        "session_key_rings",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["apps.app_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("app_id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_table(
        "session_signing_keys",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("dynamic", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("private_key", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["apps.app_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("app_id", "key_id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index(
        "session_signing_keys_created_index",
        "session_signing_keys",
        ["app_id", "dynamic", "created_at"],
        unique=False,
    )
    op.create_table(
        "session_info",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("session_handle", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("refresh_token_hash_2", sa.String(length=128), nullable=False),
        sa.Column("session_data", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("created_at_time", sa.BigInteger(), nullable=False),
        sa.Column("jwt_user_payload", sa.Text(), nullable=False),
        sa.Column("use_static_key", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id", "tenant_id"],
            ["tenants.app_id", "tenants.tenant_id"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", "tenant_id", "session_handle"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index("session_info_expiry_index", "session_info", ["expires_at"], unique=False)
    op.create_index("session_info_user_index", "session_info", ["app_id", "user_id"], unique=False)


def downgrade() -> None:
    """Drop them."""
    op.drop_index("session_info_user_index", table_name="session_info")
    op.drop_index("session_info_expiry_index", table_name="session_info")
    op.drop_table("session_info")
    op.drop_index("session_signing_keys_created_index", table_name="session_signing_keys")
    op.drop_table("session_signing_keys")
    op.drop_table("session_key_rings")
