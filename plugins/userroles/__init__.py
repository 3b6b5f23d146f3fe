"""The user-roles recipe: roles and permissions per app, role assignments per tenant.

It authenticates nobody; the SDK's ``UserRoleClaim`` and ``PermissionClaim`` read it when a
session is created or its claims are refreshed.
"""

from __future__ import annotations

from sqlalchemy import Connection

from core_app.plugin_api import (
    DeletedUser,
    RecipeDescriptor,
    TenantIdentifier,
    data_user_ids,
    hookimpl,
    migrations_directory,
)
from plugins.userroles import store

# How upstream names this recipe in "UserId is already in use in <name> recipe".
DATA_NAME = "UserRoles"


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """User roles: no login method, no config."""
    from plugins.userroles import api

    return RecipeDescriptor(
        id="userroles",
        tables=store.TABLES,
        blueprints=(api.blueprint,),
        migrations=migrations_directory(__file__),
    )


@hookimpl
def st_user_deleted(conn: Connection, app_id: str, users: list[DeletedUser]) -> None:
    """A deleted user's assignments in every tenant, unless its group keeps them."""
    if ids := data_user_ids(users):
        store.delete_user_assignments(conn, app_id, ids)


@hookimpl
def st_user_tenant_removed(
    conn: Connection, tenant: TenantIdentifier, user_id: str, data_user_id: str
) -> None:
    """A user who leaves a tenant loses its roles there."""
    store.delete_user_assignments(conn, tenant.app_id, [data_user_id], tenant.tenant_id)


@hookimpl
def st_user_data_kept(conn: Connection, app_id: str, user_id: str) -> str | None:
    """Whether ``user_id`` has a role in some tenant."""
    return DATA_NAME if store.has_assignments(conn, app_id, user_id) else None
