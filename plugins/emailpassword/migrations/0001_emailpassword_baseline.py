"""The emailpassword recipe's baseline: its tables as they were when migrations began.

Revision ID: emailpassword_0001
Revises: None
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "emailpassword_0001"
down_revision = None
branch_labels = ("emailpassword",)
depends_on = "host_0001"


def upgrade() -> None:
    """Create the emailpassword tables."""
    op.create_table(
        "emailpassword_pswd_reset_tokens",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("token", sa.String(length=128), nullable=False),
        sa.Column("email", sa.String(length=256), nullable=True),
        sa.Column("token_expiry", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id", "user_id"],
            ["app_id_to_user_id.app_id", "app_id_to_user_id.user_id"],
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", "user_id", "token"),
        sa.UniqueConstraint("token", name="emailpassword_pswd_reset_tokens_token_key"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index(
        "emailpassword_pswd_reset_tokens_expiry_index",
        "emailpassword_pswd_reset_tokens",
        ["token_expiry"],
        unique=False,
    )
    op.create_index(
        "emailpassword_pswd_reset_tokens_user_index",
        "emailpassword_pswd_reset_tokens",
        ["app_id", "user_id"],
        unique=False,
    )
    op.create_table(
        "emailpassword_users",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=256), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
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
        "emailpassword_user_to_tenant",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
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
            "email",
            name="emailpassword_user_to_tenant_email_key",
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("emailpassword_user_to_tenant")
    op.drop_table("emailpassword_users")
    op.drop_index(
        "emailpassword_pswd_reset_tokens_user_index",
        table_name="emailpassword_pswd_reset_tokens",
    )
    op.drop_index(
        "emailpassword_pswd_reset_tokens_expiry_index",
        table_name="emailpassword_pswd_reset_tokens",
    )
    op.drop_table("emailpassword_pswd_reset_tokens")
