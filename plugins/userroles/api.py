"""User-roles routes (contract, roles-metadata part 1).

Roles and permissions are app data, read and written in the app's database; assignments
are the path tenant's, in its database.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from core_app.plugin_api import RequestContext, Scope, route
from plugins.userroles import schemas, store

blueprint = Blueprint("userroles", __name__)

UNKNOWN_ROLE = {"status": "UNKNOWN_ROLE_ERROR"}


@route(blueprint, "/recipe/role", ["PUT"], scope=Scope.APP, body=schemas.RoleBody, writes=True)
def create_role(ctx: RequestContext) -> dict[str, Any]:
    """PUT /recipe/role: create the role if missing, add permissions (§1.3)."""
    app_id, role = ctx.tenant.app_id, ctx.input["role"]
    created = store.create_role(ctx.conn, app_id, role)
    store.add_permissions(ctx.conn, app_id, role, ctx.input.get("permissions") or [])
    return {"status": "OK", "createdNewRole": created}


@route(
    blueprint,
    "/recipe/role/remove",
    ["POST"],
    scope=Scope.APP,
    body=schemas.RoleOnlyBody,
    writes=True,
)
def remove_role(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/role/remove: its assignments in every tenant, then the role (§1.4)."""
    app_id, role = ctx.tenant.app_id, ctx.input["role"]
    had_assignments = False
    for _tenant, conn in ctx.app_tenant_connections():
        had_assignments |= store.delete_assignments_of_role(conn, app_id, role)
    existed = store.delete_role(ctx.conn, app_id, role)
    return {"status": "OK", "didRoleExist": existed or had_assignments}


@route(blueprint, "/recipe/roles", ["GET"], scope=Scope.APP, replica=True)
def all_roles(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/roles (§1.5)."""
    return {"status": "OK", "roles": store.all_roles(ctx.conn, ctx.tenant.app_id)}


@route(
    blueprint,
    "/recipe/role/permissions",
    ["GET"],
    scope=Scope.APP,
    query=schemas.RoleQuery,
    replica=True,
)
def permissions_of_role(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/role/permissions (§1.6): read by the SDK's permission claim."""
    app_id, role = ctx.tenant.app_id, ctx.input["role"]
    if not store.role_exists(ctx.conn, app_id, role):
        return UNKNOWN_ROLE
    return {"status": "OK", "permissions": store.permissions_of(ctx.conn, app_id, role)}


@route(
    blueprint,
    "/recipe/role/permissions/remove",
    ["POST"],
    scope=Scope.APP,
    body=schemas.RoleBody,
    writes=True,
)
def remove_permissions(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/role/permissions/remove: listed ones, or all when absent (§1.7)."""
    app_id, role = ctx.tenant.app_id, ctx.input["role"]
    if not store.role_exists(ctx.conn, app_id, role, lock=True):
        return UNKNOWN_ROLE
    store.remove_permissions(ctx.conn, app_id, role, ctx.input.get("permissions"))
    return {"status": "OK"}


@route(
    blueprint,
    "/recipe/permission/roles",
    ["GET"],
    scope=Scope.APP,
    query=schemas.PermissionQuery,
    replica=True,
)
def roles_with_permission(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/permission/roles (§1.8)."""
    return {
        "status": "OK",
        "roles": store.roles_with_permission(ctx.conn, ctx.tenant.app_id, ctx.input["permission"]),
    }


@route(
    blueprint,
    "/recipe/user/role",
    ["PUT"],
    scope=Scope.TENANT,
    body=schemas.UserRoleBody,
    writes=True,
)
def assign_role(ctx: RequestContext) -> dict[str, Any]:
    """PUT /recipe/user/role: give the user the role in the path's tenant (§1.9)."""
    role = ctx.input["role"]
    # The shared lock keeps a concurrent role removal from leaving this assignment behind.
    if not store.role_exists(ctx.app_conn, ctx.tenant.app_id, role, lock=True):
        return UNKNOWN_ROLE
    added = store.assign(ctx.conn, ctx.tenant, ctx.input["userId"], role)
    return {"status": "OK", "didUserAlreadyHaveRole": not added}


@route(
    blueprint,
    "/recipe/user/role/remove",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.UserRoleBody,
    writes=True,
)
def unassign_role(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/user/role/remove (§1.10)."""
    role = ctx.input["role"]
    if not store.role_exists(ctx.app_conn, ctx.tenant.app_id, role):
        return UNKNOWN_ROLE
    removed = store.unassign(ctx.conn, ctx.tenant, ctx.input["userId"], role)
    return {"status": "OK", "didUserHaveRole": removed}


@route(
    blueprint,
    "/recipe/user/roles",
    ["GET"],
    scope=Scope.TENANT,
    query=schemas.UserQuery,
    replica=True,
)
def roles_of_user(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/user/roles (§1.11): read by the SDK's roles claim."""
    return {"status": "OK", "roles": store.roles_of_user(ctx.conn, ctx.tenant, ctx.input["userId"])}


@route(
    blueprint,
    "/recipe/role/users",
    ["GET"],
    scope=Scope.TENANT,
    query=schemas.RoleQuery,
    replica=True,
)
def users_with_role(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/role/users (§1.12)."""
    role = ctx.input["role"]
    if not store.role_exists(ctx.app_conn, ctx.tenant.app_id, role):
        return UNKNOWN_ROLE
    return {"status": "OK", "users": store.users_with_role(ctx.conn, ctx.tenant, role)}
