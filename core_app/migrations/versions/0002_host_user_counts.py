"""Kept user counts, and the user index's group index covering ``tenant_id``.

``/users/count`` reads per-tenant and per-app counts instead of counting distinct groups
over the index; a database that had users before gets them counted here, from the index.
``all_auth_recipe_users_primary_index`` gains ``tenant_id`` so that the tenants of a group
are read from the index alone when the counts are kept.

Revision ID: host_0002
Revises: host_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "host_0002"
down_revision = "host_0001"
branch_labels = None
depends_on = None

MYSQL_TABLE_OPTIONS = {
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
    "mysql_engine": "InnoDB",
}
GROUP_INDEX = "all_auth_recipe_users_primary_index"


def upgrade() -> None:
    """Create and fill the count tables; rebuild the group index with ``tenant_id``."""
    op.create_table(
        "tenant_user_counts",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("shard", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("users", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id", "tenant_id"], ["tenants.app_id", "tenants.tenant_id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("app_id", "tenant_id", "shard"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_table(
        "app_user_counts",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("shard", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("users", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["apps.app_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("app_id", "shard"),
        **MYSQL_TABLE_OPTIONS,
    )
    # A user is counted once per tenant and once per app however many of its group's login
    # methods are there; shard 0 holds the whole count, later changes spread over shards.
    op.execute(
        "INSERT INTO tenant_user_counts (app_id, tenant_id, shard, users) "
        "SELECT app_id, tenant_id, 0, COUNT(DISTINCT primary_or_recipe_user_id) "
        "FROM all_auth_recipe_users GROUP BY app_id, tenant_id"
    )
    op.execute(
        "INSERT INTO app_user_counts (app_id, shard, users) "
        "SELECT app_id, 0, COUNT(DISTINCT primary_or_recipe_user_id) "
        "FROM all_auth_recipe_users GROUP BY app_id"
    )
    _replace_group_index(["app_id", "primary_or_recipe_user_id", "tenant_id"])


def downgrade() -> None:
    """Drop the count tables and the index's ``tenant_id``."""
    _replace_group_index(["app_id", "primary_or_recipe_user_id"])
    op.drop_table("app_user_counts")
    op.drop_table("tenant_user_counts")


def _replace_group_index(columns: list[str]) -> None:
    if op.get_context().dialect.name == "mysql":
        # The index serves a foreign key on MySQL, which refuses to drop it on its own; one
        # ALTER that drops and adds it keeps the key covered throughout.
        op.execute(
            f"ALTER TABLE all_auth_recipe_users DROP INDEX {GROUP_INDEX}, "
            f"ADD INDEX {GROUP_INDEX} ({', '.join(columns)})"
        )
        return
    op.drop_index(GROUP_INDEX, table_name="all_auth_recipe_users")
    op.create_index(GROUP_INDEX, "all_auth_recipe_users", columns, unique=False)
