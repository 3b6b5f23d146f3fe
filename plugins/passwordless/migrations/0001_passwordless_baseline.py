"""The passwordless recipe's baseline: its tables as they were when migrations began.

Revision ID: passwordless_0001
Revises: None
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "passwordless_0001"
down_revision = None
branch_labels = ("passwordless",)
depends_on = "host_0001"


def upgrade() -> None:
    """Create the passwordless tables."""
    op.create_table(
        "passwordless_devices",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("device_id_hash", sa.String(length=44), nullable=False),
        sa.Column("email", sa.String(length=256), nullable=True),
        sa.Column("phone_number", sa.String(length=256), nullable=True),
        sa.Column("link_code_salt", sa.String(length=44), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id", "tenant_id"],
            ["tenants.app_id", "tenants.tenant_id"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", "tenant_id", "device_id_hash"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index(
        "passwordless_devices_email_index",
        "passwordless_devices",
        ["app_id", "tenant_id", "email"],
        unique=False,
    )
    op.create_index(
        "passwordless_devices_phone_number_index",
        "passwordless_devices",
        ["app_id", "tenant_id", "phone_number"],
        unique=False,
    )
    op.create_table(
        "passwordless_users",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=256), nullable=True),
        sa.Column("phone_number", sa.String(length=256), nullable=True),
        sa.Column("time_joined", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id", "user_id"],
            ["app_id_to_user_id.app_id", "app_id_to_user_id.user_id"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", "user_id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_table(
        "passwordless_codes",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("code_id", sa.String(length=36), nullable=False),
        sa.Column("device_id_hash", sa.String(length=44), nullable=False),
        sa.Column("link_code_hash", sa.String(length=44), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id", "tenant_id", "device_id_hash"],
            [
                "passwordless_devices.app_id",
                "passwordless_devices.tenant_id",
                "passwordless_devices.device_id_hash",
            ],
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", "tenant_id", "code_id"),
        sa.UniqueConstraint(
            "app_id",
            "tenant_id",
            "link_code_hash",
            name="passwordless_codes_link_code_hash_key",
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index(
        "passwordless_codes_created_at_index",
        "passwordless_codes",
        ["app_id", "tenant_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "passwordless_codes_device_id_hash_index",
        "passwordless_codes",
        ["app_id", "tenant_id", "device_id_hash"],
        unique=False,
    )
    op.create_table(
        "passwordless_user_to_tenant",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=256), nullable=True),
        sa.Column("phone_number", sa.String(length=256), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id", "tenant_id", "user_id"],
            [
                "all_auth_recipe_users.app_id",
                "all_auth_recipe_users.tenant_id",
                "all_auth_recipe_users.user_id",
            ],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", "tenant_id", "user_id"),
        sa.UniqueConstraint(
            "app_id", "tenant_id", "email", name="passwordless_user_to_tenant_email_key"
        ),
        sa.UniqueConstraint(
            "app_id",
            "tenant_id",
            "phone_number",
            name="passwordless_user_to_tenant_phone_number_key",
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("passwordless_user_to_tenant")
    op.drop_index("passwordless_codes_device_id_hash_index", table_name="passwordless_codes")
    op.drop_index("passwordless_codes_created_at_index", table_name="passwordless_codes")
    op.drop_table("passwordless_codes")
    op.drop_table("passwordless_users")
    op.drop_index("passwordless_devices_phone_number_index", table_name="passwordless_devices")
    op.drop_index("passwordless_devices_email_index", table_name="passwordless_devices")
    op.drop_table("passwordless_devices")
