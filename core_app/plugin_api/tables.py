"""Column helpers for a recipe's tables (plugin API).

Every table of a recipe is keyed by ``app_id`` (and ``tenant_id`` for per-tenant data) and
refers to the host's rows with ``ON DELETE CASCADE``, so removing an app, a tenant or a user
removes the recipe's rows in the same statement. Declare tables on the recipe's own
``MetaData`` and list them in ``RecipeDescriptor.tables``; the host copies them onto the
shared metadata. On MySQL every table gets ``utf8mb4_bin`` (ids, hashes and tokens compare
case-sensitively).

``lock_row`` is the tool for a rule that reads before it writes ("at most N devices",
"one code per window"): lock one row that stands for what the rule protects (an anchor row
the recipe keeps, e.g. the user's), then read and write; racing requests take turns.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, ForeignKeyConstraint, String, Table, select

from core_app.tenancy.store import ID_LENGTH
from core_app.users.store import USER_ID_LENGTH

# Widths of the host's keys; a recipe's columns that hold them use the same.
APP_ID_LENGTH = ID_LENGTH
TENANT_ID_LENGTH = ID_LENGTH
# A SuperTokens user id (a UUID); an external id (user-id mapping) may be up to 128.
SUPERTOKENS_USER_ID_LENGTH = USER_ID_LENGTH
USER_DATA_ID_LENGTH = 128

__all__ = [
    "APP_ID_LENGTH",
    "TENANT_ID_LENGTH",
    "SUPERTOKENS_USER_ID_LENGTH",
    "USER_DATA_ID_LENGTH",
    "app_id_column",
    "tenant_id_column",
    "of_app",
    "of_tenant",
    "of_recipe_user",
    "of_tenant_user",
    "lock_row",
]


def app_id_column(primary_key: bool = True) -> Column[str]:
    """The ``app_id`` column, part of the primary key by default."""
    return Column("app_id", String(APP_ID_LENGTH), primary_key=primary_key)


def tenant_id_column(primary_key: bool = True) -> Column[str]:
    """The ``tenant_id`` column, part of the primary key by default."""
    return Column("tenant_id", String(TENANT_ID_LENGTH), primary_key=primary_key)


def of_app() -> ForeignKeyConstraint:
    """Rows of an app: removed with the app."""
    return ForeignKeyConstraint(["app_id"], ["apps.app_id"], ondelete="CASCADE")


def of_tenant() -> ForeignKeyConstraint:
    """Rows of a tenant: removed with the tenant (or its app)."""
    return ForeignKeyConstraint(
        ["app_id", "tenant_id"], ["tenants.app_id", "tenants.tenant_id"], ondelete="CASCADE"
    )


def of_recipe_user(user_id_column: str = "user_id") -> ForeignKeyConstraint:
    """Login rows of a recipe user (keyed by its SuperTokens id): removed with the user."""
    return ForeignKeyConstraint(
        ["app_id", user_id_column],
        ["app_id_to_user_id.app_id", "app_id_to_user_id.user_id"],
        ondelete="CASCADE",
    )


def of_tenant_user(user_id_column: str = "user_id") -> ForeignKeyConstraint:
    """Per-tenant login rows of a recipe user: removed when the user leaves the tenant."""
    return ForeignKeyConstraint(
        ["app_id", "tenant_id", user_id_column],
        [
            "all_auth_recipe_users.app_id",
            "all_auth_recipe_users.tenant_id",
            "all_auth_recipe_users.user_id",
        ],
        ondelete="CASCADE",
    )


def lock_row(conn: Connection, table: Table, **key: Any) -> Any:
    """Read the row of ``table`` with this primary ``key`` and hold it until the transaction
    ends (``SELECT ... FOR UPDATE``); None when there is no such row.

    On SQLite a writing transaction already holds the whole database, so the read alone is
    enough there. Take locks in one fixed order when a request takes several.
    """
    statement = select(table).where(*(table.c[name] == value for name, value in key.items()))
    if conn.dialect.name != "sqlite":
        statement = statement.with_for_update()
    return conn.execute(statement).first()
