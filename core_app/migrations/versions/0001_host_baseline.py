"""The host's baseline: its tables as the release before the kept user counts made them.

Revision ID: host_0001
Revises: None
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "host_0001"
down_revision = None
branch_labels = ("host",)
depends_on = None


def upgrade() -> None:
    """Create the tenancy, user-index and housekeeping tables."""
    op.create_table(
        "apps",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("app_id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_table(
        "housekeeping_runs",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("last_run_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_table(
        "tenant_configs",
        sa.Column("connection_uri_domain", sa.String(length=256), nullable=False),
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("core_config", sa.Text(), nullable=False),
        sa.Column("first_factors", sa.Text(), nullable=True),
        sa.Column("required_secondary_factors", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("connection_uri_domain", "app_id", "tenant_id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_table(
        "app_id_to_user_id",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("recipe_id", sa.String(length=128), nullable=False),
        sa.Column("primary_or_recipe_user_id", sa.String(length=36), nullable=False),
        sa.Column("is_linked_or_is_a_primary_user", sa.Boolean(), nullable=False),
        sa.Column("time_joined", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id", "primary_or_recipe_user_id"],
            ["app_id_to_user_id.app_id", "app_id_to_user_id.user_id"],
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["app_id"], ["apps.app_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("app_id", "user_id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index(
        "app_id_to_user_id_primary_index",
        "app_id_to_user_id",
        ["app_id", "primary_or_recipe_user_id"],
        unique=False,
    )
    op.create_table(
        "tenant_thirdparty_providers",
        sa.Column("connection_uri_domain", sa.String(length=256), nullable=False),
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("third_party_id", sa.String(length=256), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_uri_domain", "app_id", "tenant_id"],
            [
                "tenant_configs.connection_uri_domain",
                "tenant_configs.app_id",
                "tenant_configs.tenant_id",
            ],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_uri_domain", "app_id", "tenant_id", "third_party_id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_table(
        "tenants",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["apps.app_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("app_id", "tenant_id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_table(
        "all_auth_recipe_users",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("primary_or_recipe_user_id", sa.String(length=36), nullable=False),
        sa.Column("is_linked_or_is_a_primary_user", sa.Boolean(), nullable=False),
        sa.Column("recipe_id", sa.String(length=128), nullable=False),
        sa.Column("time_joined", sa.BigInteger(), nullable=False),
        sa.Column("primary_or_recipe_user_time_joined", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id", "primary_or_recipe_user_id"],
            ["app_id_to_user_id.app_id", "app_id_to_user_id.user_id"],
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["app_id", "tenant_id"],
            ["tenants.app_id", "tenants.tenant_id"],
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["app_id", "user_id"],
            ["app_id_to_user_id.app_id", "app_id_to_user_id.user_id"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", "tenant_id", "user_id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )
    op.create_index(
        "all_auth_recipe_users_pagination_index",
        "all_auth_recipe_users",
        [
            "app_id",
            "tenant_id",
            "primary_or_recipe_user_time_joined",
            "primary_or_recipe_user_id",
        ],
        unique=False,
    )
    op.create_index(
        "all_auth_recipe_users_primary_index",
        "all_auth_recipe_users",
        ["app_id", "primary_or_recipe_user_id"],
        unique=False,
    )
    op.create_index(
        "all_auth_recipe_users_recipe_pagination_index",
        "all_auth_recipe_users",
        [
            "app_id",
            "recipe_id",
            "tenant_id",
            "primary_or_recipe_user_time_joined",
            "primary_or_recipe_user_id",
        ],
        unique=False,
    )
    op.create_index(
        "all_auth_recipe_users_user_index",
        "all_auth_recipe_users",
        ["app_id", "user_id", "tenant_id"],
        unique=False,
    )
    op.create_table(
        "key_value",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id", "tenant_id"],
            ["tenants.app_id", "tenants.tenant_id"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", "tenant_id", "name"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("key_value")
    op.drop_index("all_auth_recipe_users_user_index", table_name="all_auth_recipe_users")
    op.drop_index(
        "all_auth_recipe_users_recipe_pagination_index",
        table_name="all_auth_recipe_users",
    )
    op.drop_index("all_auth_recipe_users_primary_index", table_name="all_auth_recipe_users")
    op.drop_index("all_auth_recipe_users_pagination_index", table_name="all_auth_recipe_users")
    op.drop_table("all_auth_recipe_users")
    op.drop_table("tenants")
    op.drop_table("tenant_thirdparty_providers")
    op.drop_index("app_id_to_user_id_primary_index", table_name="app_id_to_user_id")
    op.drop_table("app_id_to_user_id")
    op.drop_table("tenant_configs")
    op.drop_table("housekeeping_runs")
    op.drop_table("apps")
