"""Tables and SQL of user roles (contract, roles-metadata part 1; storage §7).

Roles and their permissions belong to the app and live in the app's database; role
assignments belong to a tenant and live in the tenant's database. User ids are whatever the
caller uses (the external id when mapped), so assignments have no foreign key to users,
and none to ``roles`` either: a tenant's database may not be the app's.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Connection,
    ForeignKeyConstraint,
    Index,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError

from core_app.plugin_api import TenantIdentifier, insert_ignoring_duplicates

NAME_LENGTH = 255
USER_ID_LENGTH = 128

metadata = MetaData()

roles = Table(
    "roles",
    metadata,
    Column("app_id", String(64), primary_key=True),
    Column("role", String(NAME_LENGTH), primary_key=True),
    ForeignKeyConstraint(["app_id"], ["apps.app_id"], ondelete="CASCADE"),
)

role_permissions = Table(
    "role_permissions",
    metadata,
    Column("app_id", String(64), primary_key=True),
    Column("role", String(NAME_LENGTH), primary_key=True),
    Column("permission", String(NAME_LENGTH), primary_key=True),
    ForeignKeyConstraint(["app_id", "role"], ["roles.app_id", "roles.role"], ondelete="CASCADE"),
    Index("role_permissions_permission_index", "app_id", "permission"),
)

user_roles = Table(
    "user_roles",
    metadata,
    Column("app_id", String(64), primary_key=True),
    Column("tenant_id", String(64), primary_key=True),
    Column("user_id", String(USER_ID_LENGTH), primary_key=True),
    Column("role", String(NAME_LENGTH), primary_key=True),
    ForeignKeyConstraint(
        ["app_id", "tenant_id"], ["tenants.app_id", "tenants.tenant_id"], ondelete="CASCADE"
    ),
    Index("user_roles_role_index", "app_id", "tenant_id", "role"),
    Index("user_roles_user_index", "app_id", "user_id"),
)

TABLES = (roles, role_permissions, user_roles)


def _inserted(conn: Connection, table: Table, values: dict[str, str]) -> bool:
    """Insert a row; False when its key was taken (also by a concurrent writer)."""
    try:
        with conn.begin_nested():
            conn.execute(insert(table).values(**values))
    except IntegrityError:
        return False
    return True


def create_role(conn: Connection, app_id: str, role: str) -> bool:
    """Create a role; False when it existed."""
    return _inserted(conn, roles, {"app_id": app_id, "role": role})


def role_exists(conn: Connection, app_id: str, role: str, lock: bool = False) -> bool:
    """Whether the app has the role (``lock``: keep it from being deleted meanwhile)."""
    query = select(roles.c.role).where(roles.c.app_id == app_id, roles.c.role == role)
    if lock:
        query = query.with_for_update(read=True)
    return conn.execute(query).first() is not None


def add_permissions(conn: Connection, app_id: str, role: str, permissions: list[str]) -> None:
    """Give a role permissions; those it has already are left alone."""
    for permission in dict.fromkeys(permissions):
        insert_ignoring_duplicates(
            conn, role_permissions, {"app_id": app_id, "role": role, "permission": permission}
        )


def permissions_of(conn: Connection, app_id: str, role: str) -> list[str]:
    """The role's permissions."""
    return list(
        conn.execute(
            select(role_permissions.c.permission).where(
                role_permissions.c.app_id == app_id, role_permissions.c.role == role
            )
        ).scalars()
    )


def remove_permissions(
    conn: Connection, app_id: str, role: str, permissions: list[str] | None
) -> None:
    """Take permissions from a role; None takes all of them."""
    query = delete(role_permissions).where(
        role_permissions.c.app_id == app_id, role_permissions.c.role == role
    )
    if permissions is not None:
        if not permissions:
            return
        query = query.where(role_permissions.c.permission.in_(permissions))
    conn.execute(query)


def roles_with_permission(conn: Connection, app_id: str, permission: str) -> list[str]:
    """The roles of the app that have the permission."""
    return list(
        conn.execute(
            select(role_permissions.c.role).where(
                role_permissions.c.app_id == app_id, role_permissions.c.permission == permission
            )
        ).scalars()
    )


def all_roles(conn: Connection, app_id: str) -> list[str]:
    """Every role of the app."""
    return list(conn.execute(select(roles.c.role).where(roles.c.app_id == app_id)).scalars())


def delete_role(conn: Connection, app_id: str, role: str) -> bool:
    """Delete a role and its permissions (by cascade); False when there was none."""
    return (
        conn.execute(delete(roles).where(roles.c.app_id == app_id, roles.c.role == role)).rowcount
        > 0
    )


def delete_assignments_of_role(conn: Connection, app_id: str, role: str) -> bool:
    """Delete every assignment of a role kept in this database; whether there was one."""
    return (
        conn.execute(
            delete(user_roles).where(user_roles.c.app_id == app_id, user_roles.c.role == role)
        ).rowcount
        > 0
    )


def assign(conn: Connection, tenant: TenantIdentifier, user_id: str, role: str) -> bool:
    """Give a user a role in a tenant; False when it had it."""
    return _inserted(
        conn,
        user_roles,
        {"app_id": tenant.app_id, "tenant_id": tenant.tenant_id, "user_id": user_id, "role": role},
    )


def unassign(conn: Connection, tenant: TenantIdentifier, user_id: str, role: str) -> bool:
    """Take a role from a user in a tenant; False when it did not have it."""
    return (
        conn.execute(
            delete(user_roles).where(
                user_roles.c.app_id == tenant.app_id,
                user_roles.c.tenant_id == tenant.tenant_id,
                user_roles.c.user_id == user_id,
                user_roles.c.role == role,
            )
        ).rowcount
        > 0
    )


def roles_of_user(conn: Connection, tenant: TenantIdentifier, user_id: str) -> list[str]:
    """The roles a user has in a tenant."""
    return list(
        conn.execute(
            select(user_roles.c.role).where(
                user_roles.c.app_id == tenant.app_id,
                user_roles.c.tenant_id == tenant.tenant_id,
                user_roles.c.user_id == user_id,
            )
        ).scalars()
    )


def users_with_role(conn: Connection, tenant: TenantIdentifier, role: str) -> list[str]:
    """The users that have a role in a tenant."""
    return list(
        conn.execute(
            select(user_roles.c.user_id).where(
                user_roles.c.app_id == tenant.app_id,
                user_roles.c.tenant_id == tenant.tenant_id,
                user_roles.c.role == role,
            )
        ).scalars()
    )


def delete_user_assignments(
    conn: Connection, app_id: str, user_ids: list[str], tenant_id: str | None = None
) -> None:
    """Delete users' assignments in one tenant, or in every tenant kept in this database."""
    query = delete(user_roles).where(
        user_roles.c.app_id == app_id, user_roles.c.user_id.in_(user_ids)
    )
    if tenant_id is not None:
        query = query.where(user_roles.c.tenant_id == tenant_id)
    conn.execute(query)


def delete_assignments_in_tenant(conn: Connection, tenant: TenantIdentifier, user_id: str) -> None:
    """Delete a user's role assignments in one tenant (the user left it)."""
    delete_user_assignments(conn, tenant.app_id, [user_id], tenant.tenant_id)


def has_assignments(conn: Connection, app_id: str, user_id: str) -> bool:
    """Whether a user id has a role in any tenant kept in this database."""
    return (
        conn.execute(
            select(user_roles.c.role)
            .where(user_roles.c.app_id == app_id, user_roles.c.user_id == user_id)
            .limit(1)
        ).first()
        is not None
    )
