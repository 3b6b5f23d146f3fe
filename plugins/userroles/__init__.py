"""The user-roles recipe: roles and permissions per app, role assignments per tenant.

It authenticates nobody; the SDK's ``UserRoleClaim`` and ``PermissionClaim`` read it when a
session is created or its claims are refreshed.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import Connection, MetaData

from core_app.hookspecs import hookimpl
from core_app.recipes import DeletedUser, RecipeDescriptor, declare_tables, request_schemas
from core_app.tenant_prefix import TenantIdentifier
from plugins.userroles import schemas, store

# How upstream names this recipe in "UserId is already in use in <name> recipe".
DATA_NAME = "UserRoles"


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """User roles: no login method, no config."""
    return RecipeDescriptor(id="userroles")


@hookimpl
def st_tables(metadata: MetaData) -> None:
    """Roles, their permissions, assignments."""
    declare_tables(metadata, store.TABLES)


@hookimpl
def st_blueprints() -> list[Blueprint]:
    """The ten user-roles routes."""
    from plugins.userroles.api import blueprint

    return [blueprint]


@hookimpl
def st_schemas() -> dict[str, Any]:
    """The request schemas of the user-roles routes."""
    return request_schemas(schemas)


@hookimpl
def st_user_deleted(conn: Connection, app_id: str, users: list[DeletedUser]) -> None:
    """A deleted user's assignments in every tenant, unless its group keeps them."""
    ids = [user.data_user_id for user in users if user.with_user_data]
    if ids:
        store.delete_user_assignments(conn, app_id, ids)


@hookimpl
def st_user_tenant_removed(conn: Connection, tenant: TenantIdentifier, user_id: str,
                           data_user_id: str) -> None:
    """A user who leaves a tenant loses its roles there."""
    store.delete_user_assignments(conn, tenant.app_id, [data_user_id], tenant.tenant_id)


@hookimpl
def st_user_data_kept(conn: Connection, app_id: str, user_id: str) -> str | None:
    """Whether ``user_id`` has a role in some tenant."""
    return DATA_NAME if store.has_assignments(conn, app_id, user_id) else None


@hookimpl
def st_migrations() -> str:
    """``migrations/``: this recipe's Alembic branch (``userroles``)."""
    from core_app.recipes import migrations_directory

    return migrations_directory(__file__)
