"""The TOTP recipe's baseline: users with devices, their devices, used codes.

Revision ID: totp_0001
Revises: None
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "totp_0001"
down_revision = None
branch_labels = ("totp",)
depends_on = "host_0001"  # the host's baseline creates the apps and tenants referred to

MYSQL = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin", "mysql_engine": "InnoDB"}


def upgrade() -> None:
    """Create ``totp_users``, ``totp_user_devices`` and ``totp_used_codes``."""
    op.create_table(
        "totp_users",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["apps.app_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("app_id", "user_id"),
        **MYSQL,
    )
    op.create_table(
        "totp_user_devices",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("device_name", sa.String(length=256), nullable=False),
        sa.Column("secret_key", sa.String(length=256), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("skew", sa.Integer(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id", "user_id"],
            ["totp_users.app_id", "totp_users.user_id"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", "user_id", "device_name"),
        **MYSQL,
    )
    op.create_table(
        "totp_used_codes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("is_valid", sa.Boolean(), nullable=False),
        sa.Column("expiry_time_ms", sa.BigInteger(), nullable=False),
        sa.Column("created_time_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id", "tenant_id"], ["tenants.app_id", "tenants.tenant_id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        **MYSQL,
    )
    op.create_index(
        "totp_used_codes_user_index",
        "totp_used_codes",
        ["app_id", "tenant_id", "user_id", "created_time_ms"],
    )
    op.create_index("totp_used_codes_expiry_index", "totp_used_codes", ["expiry_time_ms"])


def downgrade() -> None:
    """Drop the TOTP tables."""
    op.drop_table("totp_used_codes")
    op.drop_table("totp_user_devices")
    op.drop_table("totp_users")
