"""User groups and the account-linking rule (contract, accountlinking §1).

A group is a primary user with the recipe users linked to it. Within a tenant, no two
primary users may own the same email, phone number or third-party identity; the
account-linking recipe checks this before it changes groups, and the host before it adds a
group to a tenant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from core_app.errors import BadRequest, StatusOutcome
from core_app.recipes import AccountInfo, LoginMethod
from core_app.users import service as users
from core_app.users import store as index

# The ``description`` (account linking) and ``reason`` (tenant association) of a conflict.
HELD_ELSEWHERE = {
    "email": "This user's email is already associated with another user ID",
    "phone": "This user's phone number is already associated with another user ID",
    "thirdParty": "This user's third party login is already associated with another user ID",
}


@dataclass(frozen=True)
class Group:
    """A user group as the rules need it, by SuperTokens ids, and the database holding it."""

    id: str
    is_primary: bool
    member_ids: tuple[str, ...]
    methods: tuple[LoginMethod, ...]
    tenant_ids: tuple[str, ...]
    database: Connection = field(compare=False, repr=False)


def lock_account_linking_everywhere(ctx: Any) -> None:
    """Take the app's account-linking lock in every database of the app, the app's own
    first, before anything is read there.

    A group's database is only known after reading, so every database is locked, always
    in the same order. The lock must come before the first read of the transaction: on
    MySQL that read fixes the snapshot, and one taken before the lock would not see the
    change of the linker that held it.
    """
    app_id = ctx.tenant.app_id
    index.lock_account_linking(ctx.app_conn, app_id)
    for conn in ctx.app_databases()[1:]:
        index.lock_account_linking(conn, app_id)


def group_database(ctx: Any, user_id: str) -> Connection:
    """The database of the app holding the recipe user ``user_id`` (either side of a
    mapping), where its group and every change of the group live; the app's own database
    when it is no user. ``ctx`` is the request's ``RequestContext``."""
    return users.user_database(ctx.app_databases(), ctx.core.plugins, ctx.tenant.app_id, user_id)[0]


def load_group(ctx: Any, conn: Connection, user_id: str) -> Group:
    """The group of a recipe user named by either side of a mapping, read from ``conn``
    (the database holding it); 400 if it is no user there.

    ``ctx`` is the request's ``RequestContext``.
    """
    app_id, plugins = ctx.tenant.app_id, ctx.core.plugins
    row = index.find_recipe_user(
        conn, app_id, users.supertokens_user_id(conn, plugins, app_id, user_id)
    )
    if row is None:
        raise BadRequest("Unknown user ID provided")
    group_id = row.primary_or_recipe_user_id
    group_row = index.find_recipe_user(conn, app_id, group_id)
    member_ids = index.group_members(conn, app_id, group_id)
    methods = sorted(
        (
            method
            for answer in plugins.hook.st_login_methods(
                conn=conn, app_id=app_id, user_ids=member_ids
            )
            for method in answer
        ),
        key=lambda method: (method.time_joined, method.user_id),
    )
    tenants = index.tenants_of_users(conn, app_id, member_ids)
    tenant_ids = sorted({t for member in member_ids for t in tenants.get(member, [])})
    return Group(
        group_id,
        bool(group_row and group_row.is_linked_or_is_a_primary_user),
        tuple(member_ids),
        tuple(methods),
        tuple(tenant_ids),
        conn,
    )


def _account_items(method: LoginMethod) -> list[tuple[str, AccountInfo]]:
    # The order conflicts are looked for in (§3): email, phone number, third party.
    items = []
    if method.email is not None:
        items.append(("email", AccountInfo(email=method.email)))
    if method.phone_number is not None:
        items.append(("phone", AccountInfo(phone_number=method.phone_number)))
    if method.third_party is not None:
        items.append(("thirdParty", AccountInfo(third_party=method.third_party)))
    return items


def find_conflict(
    ctx: Any,
    tenant_ids: tuple[str, ...] | list[str],
    methods: list[LoginMethod],
    own_group: str | None,
) -> tuple[str, str] | None:
    """The first primary user other than ``own_group`` owning an item of ``methods`` in
    one of ``tenant_ids``: its SuperTokens id and the kind of item, or None."""
    for tenant_id in tenant_ids:
        for method in methods:
            for kind, item in _account_items(method):
                holders = users.primary_users_holding(ctx, [tenant_id], item, own_group)
                if holders:
                    return holders[0], kind
    return None


def association_refusal(ctx: Any, user_id: str) -> StatusOutcome | None:
    """Whether adding a recipe user (SuperTokens id) to the path's tenant would give the
    tenant two primary users owning one email, phone number or third-party identity
    (multitenancy §5.1): the ``ASSOCIATION_NOT_ALLOWED_ERROR`` outcome, or None.
    """
    group = load_group(ctx, ctx.conn, user_id)
    if not group.is_primary:
        return None
    conflict = find_conflict(ctx, [ctx.tenant.tenant_id], list(group.methods), group.id)
    if conflict is None:
        return None
    return StatusOutcome("ASSOCIATION_NOT_ALLOWED_ERROR", reason=HELD_ELSEWHERE[conflict[1]])
