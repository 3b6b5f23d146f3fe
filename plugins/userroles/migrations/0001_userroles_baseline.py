"""The userroles recipe's baseline: its tables as they were when migrations began.

Revision ID: userroles_0001
Revises: None
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "userroles_0001"
down_revision = None
branch_labels = ("userroles",)
depends_on = "host_0001"


def upgrade() -> None:
    """Create the userroles tables."""
    op.create_table(
        "roles",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["apps.app_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("app_id", "role"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_table(
        "role_permissions",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=255), nullable=False),
        sa.Column("permission", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id", "role"], ["roles.app_id", "roles.role"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("app_id", "role", "permission"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index(
        "role_permissions_permission_index",
        "role_permissions",
        ["app_id", "permission"],
        unique=False,
    )
    op.create_table(
        "user_roles",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id", "tenant_id"],
            ["tenants.app_id", "tenants.tenant_id"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", "tenant_id", "user_id", "role"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index(
        "user_roles_role_index",
        "user_roles",
        ["app_id", "tenant_id", "role"],
        unique=False,
    )
    op.create_index("user_roles_user_index", "user_roles", ["app_id", "user_id"], unique=False)


def downgrade() -> None:
    """Drop them."""
    op.drop_index("user_roles_user_index", table_name="user_roles")
    op.drop_index("user_roles_role_index", table_name="user_roles")
    op.drop_table("user_roles")
    op.drop_index("role_permissions_permission_index", table_name="role_permissions")
    op.drop_table("role_permissions")
    op.drop_table("roles")
