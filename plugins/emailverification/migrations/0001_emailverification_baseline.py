"""The emailverification recipe's baseline: its tables as they were when migrations began.

Revision ID: emailverification_0001
Revises: None
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "emailverification_0001"
down_revision = None
branch_labels = ("emailverification",)
depends_on = "host_0001"


def upgrade() -> None:
    """Create the emailverification tables."""
    op.create_table(
        "emailverification_verified_emails",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("email", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["apps.app_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("app_id", "user_id", "email"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index(
        "emailverification_verified_emails_email_index",
        "emailverification_verified_emails",
        ["app_id", "email"],
        unique=False,
    )
    op.create_table(
        "emailverification_tokens",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("email", sa.String(length=256), nullable=False),
        sa.Column("token", sa.String(length=128), nullable=False),
        sa.Column("token_expiry", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id", "tenant_id"],
            ["tenants.app_id", "tenants.tenant_id"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", "tenant_id", "user_id", "email", "token"),
        sa.UniqueConstraint("token", name="emailverification_tokens_token_key"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index(
        "emailverification_tokens_expiry_index",
        "emailverification_tokens",
        ["token_expiry"],
        unique=False,
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_index("emailverification_tokens_expiry_index", table_name="emailverification_tokens")
    op.drop_table("emailverification_tokens")
    op.drop_index(
        "emailverification_verified_emails_email_index",
        table_name="emailverification_verified_emails",
    )
    op.drop_table("emailverification_verified_emails")
