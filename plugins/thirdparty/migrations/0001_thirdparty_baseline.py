"""The thirdparty recipe's baseline: its tables as they were when migrations began.

Revision ID: thirdparty_0001
Revises: None
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "thirdparty_0001"
down_revision = None
branch_labels = ("thirdparty",)
depends_on = "host_0001"


def upgrade() -> None:
    """Create the thirdparty tables."""
    op.create_table(
        "thirdparty_users",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("third_party_id", sa.String(length=28), nullable=False),
        sa.Column("third_party_user_id", sa.String(length=256), nullable=False),
        sa.Column("email", sa.String(length=256), nullable=False),
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
    op.create_index(
        "thirdparty_users_identity_index",
        "thirdparty_users",
        ["app_id", "third_party_id", "third_party_user_id"],
        unique=False,
    )
    op.create_table(
        "thirdparty_user_to_tenant",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("third_party_id", sa.String(length=28), nullable=False),
        sa.Column("third_party_user_id", sa.String(length=256), nullable=False),
        sa.Column("email", sa.String(length=256), nullable=False),
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
            "app_id",
            "tenant_id",
            "third_party_id",
            "third_party_user_id",
            name="thirdparty_user_to_tenant_identity_key",
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index(
        "thirdparty_user_to_tenant_email_index",
        "thirdparty_user_to_tenant",
        ["app_id", "tenant_id", "email"],
        unique=False,
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_index("thirdparty_user_to_tenant_email_index", table_name="thirdparty_user_to_tenant")
    op.drop_table("thirdparty_user_to_tenant")
    op.drop_index("thirdparty_users_identity_index", table_name="thirdparty_users")
    op.drop_table("thirdparty_users")
