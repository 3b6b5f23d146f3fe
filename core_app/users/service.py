"""The user object and the core user operations (contract, users).

A user is the group of recipe users sharing a primary user id; each recipe reports the
login methods it holds through ``st_login_methods``, finds its users by account info
through ``st_recipe_users_with_account_info`` and ``st_search_recipe_users``, and removes
its rows through ``st_user_deleted``. This module never knows which recipes exist.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import pluggy
from sqlalchemy import Connection

from core_app.recipes import AccountInfo, DeletedUser, LoginMethod, UserSearch
from core_app.tenant_prefix import TenantIdentifier
from core_app.users import store
from core_app.users.store import PageKey

WEBAUTHN_SINCE_CDI = (5, 3)
SEARCH_LIMIT_PER_RECIPE = 1000


# --- user ids under a user-id mapping (multitenancy §7.1) ----------------------------------


def supertokens_user_id(
    conn: Connection, plugins: pluggy.PluginManager, app_id: str, user_id: str
) -> str:
    """The SuperTokens id an input id stands for: its mapping's, else the id itself."""
    mapping = plugins.hook.st_user_id_mapping(conn=conn, app_id=app_id, user_id=user_id)
    return mapping[0] if mapping else user_id


def user_database(
    databases: list[Connection], plugins: pluggy.PluginManager, app_id: str, user_id: str
) -> tuple[Connection, str]:
    """The database of the app that holds ``user_id`` and the SuperTokens id it stands for.

    ``databases`` are every database of the app, the app's own first (``RequestContext.
    app_databases``). A recipe user lives in one of them: the database of the tenant it
    signed up in. An id that is no user is looked up no further and placed in the app's own
    database; with a single database nothing is looked up.
    """
    if len(databases) > 1:
        for conn in databases:
            recipe_user_id = supertokens_user_id(conn, plugins, app_id, user_id)
            if store.find_recipe_user(conn, app_id, recipe_user_id) is not None:
                return conn, recipe_user_id
    return databases[0], supertokens_user_id(databases[0], plugins, app_id, user_id)


def external_user_ids(
    conn: Connection, plugins: pluggy.PluginManager, app_id: str, user_ids: list[str]
) -> dict[str, str]:
    """The id callers see for each SuperTokens id: the external one when mapped, else itself.

    User data (sessions, metadata, roles, verified emails) is kept under this id too.
    """
    found: dict[str, str] = {user_id: user_id for user_id in user_ids}
    if user_ids:
        for answer in plugins.hook.st_external_user_ids(
            conn=conn, app_id=app_id, user_ids=list(found)
        ):
            found.update(answer)
    return found


def external_user_id(
    conn: Connection, plugins: pluggy.PluginManager, app_id: str, user_id: str
) -> str:
    """The id callers see for one SuperTokens id (``external_user_ids``)."""
    return external_user_ids(conn, plugins, app_id, [user_id])[user_id]


def session_user_ids(
    conn: Connection, plugins: pluggy.PluginManager, app_id: str, user_id: str
) -> tuple[str, str]:
    """``(primary, recipe)`` ids of a session made for ``user_id``, as callers see them.

    ``user_id`` may be either side of a mapping; ``recipe`` is its recipe user and
    ``primary`` that recipe user's group (session §3). Sessions may be made for ids that are
    no user at all; those are their own primary.
    """
    mapping = plugins.hook.st_user_id_mapping(conn=conn, app_id=app_id, user_id=user_id)
    recipe_user_id, recipe_visible = mapping if mapping else (user_id, user_id)
    user = store.find_recipe_user(conn, app_id, recipe_user_id)
    if user is None:
        return user_id, user_id
    primary = user.primary_or_recipe_user_id
    if primary == recipe_user_id:
        return recipe_visible, recipe_visible
    return external_user_id(conn, plugins, app_id, primary), recipe_visible


def linked_data_user_ids(
    conn: Connection, plugins: pluggy.PluginManager, app_id: str, user_id: str
) -> list[str]:
    """The ids user data is kept under for every recipe user of ``user_id``'s group.

    ``user_id`` (either side of a mapping, or no user at all) is among them.
    """
    recipe_user_id = supertokens_user_id(conn, plugins, app_id, user_id)
    user = store.find_recipe_user(conn, app_id, recipe_user_id)
    if user is None:
        return [user_id]
    members = store.group_members(conn, app_id, user.primary_or_recipe_user_id)
    return sorted({user_id, *external_user_ids(conn, plugins, app_id, members).values()})


def _cdi_at_least(version: str, wanted: tuple[int, int]) -> bool:
    return tuple(int(part) for part in version.split(".")[:2]) >= wanted


def _login_method_json(
    method: LoginMethod, visible_id: str, tenant_ids: list[str], verified: bool, webauthn: bool
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "tenantIds": tenant_ids,
        "recipeUserId": visible_id,
        "verified": verified,
        "timeJoined": method.time_joined,
        "recipeId": method.recipe_id,
    }
    if method.email is not None:
        body["email"] = method.email
    if method.phone_number is not None:
        body["phoneNumber"] = method.phone_number
    if method.third_party is not None:
        body["thirdParty"] = {"id": method.third_party[0], "userId": method.third_party[1]}
    if webauthn and method.recipe_id == "webauthn":
        body["webauthn"] = {"credentialIds": list(method.extra.get("credentialIds", []))}
    return body


def _distinct(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(value for value in values if value is not None))


def build_users(
    conn: Connection,
    plugins: pluggy.PluginManager,
    app_id: str,
    user_ids: list[str],
    cdi_version: str,
) -> dict[str, dict[str, Any]]:
    """The user objects of the groups containing ``user_ids``, by group id (users §1).

    ``user_ids`` and the keys of the answer are SuperTokens ids; the objects show external
    ids where users are mapped. A fixed number of statements whatever the number of users.
    A group none of whose login methods an enabled recipe reports is left out.
    """
    index = store.groups_of(conn, app_id, list(dict.fromkeys(user_ids)))
    if not index:
        return {}
    groups: dict[str, list[str]] = {}
    for row in index:
        groups.setdefault(row.primary_or_recipe_user_id, []).append(row.user_id)
    by_id = {row.user_id: row for row in index}
    member_ids = list(by_id)
    methods_by_user: dict[str, LoginMethod] = {
        method.user_id: method
        for answer in plugins.hook.st_login_methods(conn=conn, app_id=app_id, user_ids=member_ids)
        for method in answer
    }
    tenants = store.tenants_of_users(conn, app_id, member_ids)
    visible = external_user_ids(conn, plugins, app_id, member_ids)
    verified = _verified_pairs(conn, plugins, app_id, list(methods_by_user.values()), visible)
    webauthn = _cdi_at_least(cdi_version, WEBAUTHN_SINCE_CDI)

    users: dict[str, dict[str, Any]] = {}
    for primary, members in groups.items():
        methods = sorted(
            (methods_by_user[m] for m in members if m in methods_by_user),
            key=lambda method: (method.time_joined, method.user_id),
        )
        if not methods:
            continue
        counted = [m for m in methods if webauthn or m.recipe_id != "webauthn"]
        group_row = by_id.get(primary)
        user: dict[str, Any] = {
            "id": visible.get(primary, primary),
            "isPrimaryUser": bool(group_row and group_row.is_linked_or_is_a_primary_user),
            "tenantIds": _distinct([t for m in methods for t in tenants.get(m.user_id, [])]),
            "timeJoined": methods[0].time_joined,
            "emails": _distinct([m.email for m in counted]),
            "phoneNumbers": _distinct([m.phone_number for m in counted]),
            "thirdParty": [
                {"id": tp[0], "userId": tp[1]} for tp in _distinct([m.third_party for m in counted])
            ],
            "loginMethods": [
                _login_method_json(
                    m,
                    visible[m.user_id],
                    tenants.get(m.user_id, []),
                    m.verified or (visible[m.user_id], m.email) in verified,
                    webauthn,
                )
                for m in methods
            ],
        }
        if webauthn:
            user["webauthn"] = {
                "credentialIds": _distinct(
                    [c for m in methods for c in m.extra.get("credentialIds", [])]
                )
            }
        users[primary] = user
    return users


def _verified_pairs(
    conn: Connection,
    plugins: pluggy.PluginManager,
    app_id: str,
    methods: list[LoginMethod],
    visible: dict[str, str],
) -> set[tuple[str, str]]:
    # Verification is kept under the id callers see (emailverification §2).
    pairs = [
        (visible[m.user_id], m.email) for m in methods if m.email is not None and not m.verified
    ]
    if not pairs:
        return set()
    return {
        tuple(pair)
        for answer in plugins.hook.st_verified_emails(conn=conn, app_id=app_id, pairs=pairs)
        for pair in answer
    }


def get_user(
    conn: Connection, plugins: pluggy.PluginManager, app_id: str, user_id: str, cdi_version: str
) -> dict[str, Any] | None:
    """The user object of the user containing recipe user ``user_id`` (SuperTokens id), or None."""
    users = build_users(conn, plugins, app_id, [user_id], cdi_version)
    return next(iter(users.values()), None)


# --- listing (users §4, §5) --------------------------------------------------------------


class InvalidPaginationToken(ValueError):
    """A pagination token that this core did not make."""


def encode_page_key(key: PageKey) -> str:
    """The pagination token of a listing position: base64 of ``<id>;<timeJoined>``."""
    return base64.b64encode(f"{key.user_id};{key.time_joined}".encode()).decode()


def decode_page_key(token: str) -> PageKey:
    """The listing position of a pagination token, or ``InvalidPaginationToken``."""
    try:
        parts = base64.b64decode(token.encode(), validate=True).decode().split(";")
        if len(parts) != 2:
            raise ValueError("two parts expected")
        return PageKey(int(parts[1]), parts[0])
    except (ValueError, binascii.Error, UnicodeError):
        raise InvalidPaginationToken(token) from None


@dataclass(frozen=True)
class UserPage:
    """One page of the listing and the token of the next, if there is one."""

    users: list[dict[str, Any]]
    next_token: str | None


def list_users(
    conn: Connection,
    plugins: pluggy.PluginManager,
    tenant: TenantIdentifier,
    recipe_ids: tuple[str, ...],
    ascending: bool,
    after: PageKey | None,
    limit: int,
    cdi_version: str,
) -> UserPage:
    """A page of the users with a login method in the tenant (keyset pagination)."""
    keys = store.page_of_groups(
        conn, tenant.app_id, tenant.tenant_id, recipe_ids, ascending, after, limit + 1
    )
    next_token = encode_page_key(keys[limit]) if len(keys) > limit else None
    keys = keys[:limit]
    users = build_users(conn, plugins, tenant.app_id, [key.user_id for key in keys], cdi_version)
    return UserPage([users[key.user_id] for key in keys if key.user_id in users], next_token)


def search_users(
    conn: Connection,
    plugins: pluggy.PluginManager,
    tenant: TenantIdentifier,
    search: UserSearch,
    recipe_ids: tuple[str, ...],
    ascending: bool,
    cdi_version: str,
) -> list[dict[str, Any]]:
    """The dashboard's search: every match, in listing order, in one page (users §4)."""
    found = [
        user_id
        for answer in plugins.hook.st_search_recipe_users(
            conn=conn, tenant=tenant, search=search, limit=SEARCH_LIMIT_PER_RECIPE
        )
        for user_id in answer
    ]
    if recipe_ids:
        index = store.recipe_users(conn, tenant.app_id, found)
        found = [user_id for user_id, row in index.items() if row.recipe_id in recipe_ids]
    users = build_users(conn, plugins, tenant.app_id, found, cdi_version)
    # Time joined in the asked direction, then the SuperTokens id descending in both.
    keys = sorted(users, reverse=True)
    keys.sort(key=lambda key: users[key]["timeJoined"], reverse=not ascending)
    return [users[key] for key in keys]


def count_users(
    conn: Connection, tenant: TenantIdentifier, recipe_ids: tuple[str, ...], all_tenants: bool
) -> int:
    """How many users have a login method (of the given recipes) in the tenant or app."""
    return store.count_groups(
        conn, tenant.app_id, None if all_tenants else tenant.tenant_id, recipe_ids
    )


# --- account info (users §6) ------------------------------------------------------------


def _recipe_users_holding(
    conn: Connection, plugins: pluggy.PluginManager, tenant: TenantIdentifier, account: AccountInfo
) -> list[store.RecipeUser]:
    """The index rows of the tenant's recipe users that have ``account``, any recipe."""
    recipe_user_ids = [
        user_id
        for answer in plugins.hook.st_recipe_users_with_account_info(
            conn=conn, tenant=tenant, account=account
        )
        for user_id in answer
    ]
    return list(store.recipe_users(conn, tenant.app_id, recipe_user_ids).values())


def users_with_account_info(
    conn: Connection,
    plugins: pluggy.PluginManager,
    tenant: TenantIdentifier,
    items: list[AccountInfo],
    union: bool,
    cdi_version: str,
) -> list[dict[str, Any]]:
    """Users with a login method in the tenant matching any (``union``) or every item."""
    matched = [
        {
            row.primary_or_recipe_user_id
            for row in _recipe_users_holding(conn, plugins, tenant, item)
        }
        for item in items
    ]
    if not matched:
        return []
    groups = set.union(*matched) if union else set.intersection(*matched)
    users = build_users(conn, plugins, tenant.app_id, sorted(groups), cdi_version)
    return [users[key] for key in sorted(users, key=lambda key: (users[key]["timeJoined"], key))]


# --- deletion (users §3) ------------------------------------------------------------------


def _users_deleted(
    databases: list[Connection],
    plugins: pluggy.PluginManager,
    app_id: str,
    deleted: list[DeletedUser],
) -> None:
    """``st_user_deleted`` once in every database of the app: user data such as metadata
    (app's database) and sessions or role assignments (each tenant's) may be in any of them."""
    for conn in databases:
        plugins.hook.st_user_deleted(conn=conn, app_id=app_id, users=deleted)


def delete_user(
    databases: list[Connection],
    plugins: pluggy.PluginManager,
    app_id: str,
    user_id: str,
    remove_all_linked_accounts: bool,
) -> None:
    """Delete a user, or one login method of a linked user, with everything kept for it.

    ``databases`` are every database of the app, the app's own first. ``user_id`` may be
    either side of a mapping. Every recipe removes its rows through ``st_user_deleted`` in
    each database (user data keyed by the data id: sessions, verified emails, ...), then
    the index rows go from the database holding the user, and with them by cascade the
    login rows and mappings. Unknown ids are no error.
    """
    home, recipe_user_id = user_database(databases, plugins, app_id, user_id)
    recipe_user = store.find_recipe_user(home, app_id, recipe_user_id)
    if recipe_user is None:
        # Data may exist for an id that is no user (sessions of an external user id).
        _users_deleted(databases, plugins, app_id, [DeletedUser(user_id, user_id)])
        return
    group = recipe_user.primary_or_recipe_user_id
    members = store.group_members(home, app_id, group)
    data_ids = external_user_ids(home, plugins, app_id, members)
    if remove_all_linked_accounts or len(members) <= 1:
        _users_deleted(
            databases,
            plugins,
            app_id,
            [DeletedUser(member, data_ids[member]) for member in members],
        )
        store.delete_recipe_users(home, app_id, [m for m in members if m != group] + [group])
        return
    remove_login_method(
        databases, home, plugins, app_id, recipe_user.user_id, group, data_ids[recipe_user.user_id]
    )


def remove_login_method(
    databases: list[Connection],
    home: Connection,
    plugins: pluggy.PluginManager,
    app_id: str,
    user_id: str,
    group_id: str,
    data_user_id: str,
) -> None:
    """Delete one login method of a group that has others; the group keeps its user data.

    ``home`` is the database holding the group, ``databases`` every database of the app.
    The group's id row (and its mapping) stays while other members point at it (storage
    §3.1), so removing the primary's own login method keeps the group's id.
    """
    is_group_id = user_id == group_id
    _users_deleted(
        databases,
        plugins,
        app_id,
        [DeletedUser(user_id, data_user_id, with_user_data=not is_group_id)],
    )
    if is_group_id:
        store.leave_all_tenants(home, app_id, user_id)
    else:
        store.delete_recipe_users(home, app_id, [user_id])


def primary_users_holding(
    ctx: Any, tenant_ids: list[str], account: AccountInfo, exclude_group: str | None
) -> list[str]:
    """Primary users (SuperTokens ids) of the given tenants, other than ``exclude_group``,
    one of whose login methods has ``account``: the holders that break the linking rule
    (accountlinking §1). ``ctx`` is the request's ``RequestContext``: tenants may live in
    other databases. In the order found, without repeats.
    """
    app_id = ctx.tenant.app_id
    found: list[str] = []
    for tenant_id in tenant_ids:
        tenant = TenantIdentifier(ctx.tenant.connection_uri_domain, app_id, tenant_id)
        for row in _recipe_users_holding(
            ctx.connection_for(tenant), ctx.core.plugins, tenant, account
        ):
            group = row.primary_or_recipe_user_id
            if row.is_linked_or_is_a_primary_user and group != exclude_group and group not in found:
                found.append(group)
    return found


def held_by_another_primary_user(
    ctx: Any, conn: Connection, group_id: str, account: AccountInfo
) -> bool:
    """Whether a primary user other than ``group_id``, in one of its tenants, has ``account``.

    The rule that stops a login method of a linked group from taking an email or phone
    number of another primary user (``*_CHANGE_NOT_ALLOWED_ERROR``). ``conn`` is the
    database holding the group.
    """
    app_id = ctx.tenant.app_id
    members = store.group_members(conn, app_id, group_id)
    tenant_ids = _distinct(
        [t for tenants in store.tenants_of_users(conn, app_id, members).values() for t in tenants]
    )
    return bool(primary_users_holding(ctx, tenant_ids, account, group_id))


def login_method_user(
    conn: Connection,
    plugins: pluggy.PluginManager,
    app_id: str,
    user_id: str,
    recipe_id: str,
    cdi_version: str,
) -> dict[str, Any] | None:
    """The deprecated ``GET /recipe/user`` by id: the user reduced to one login method.

    ``user_id`` may be either side of a mapping. None unless it is a login method of
    ``recipe_id``.
    """
    recipe_user_id = supertokens_user_id(conn, plugins, app_id, user_id)
    user = get_user(conn, plugins, app_id, recipe_user_id, cdi_version)
    visible_id = external_user_id(conn, plugins, app_id, recipe_user_id)
    method = next(
        (
            m
            for m in (user or {}).get("loginMethods", [])
            if m["recipeUserId"] == visible_id and m["recipeId"] == recipe_id
        ),
        None,
    )
    if method is None:
        return None
    reduced = {
        "id": visible_id,
        "isPrimaryUser": user["isPrimaryUser"],
        "tenantIds": method["tenantIds"],
        "timeJoined": method["timeJoined"],
        "emails": [method["email"]] if "email" in method else [],
        "phoneNumbers": [method["phoneNumber"]] if "phoneNumber" in method else [],
        "thirdParty": [{"id": method["thirdParty"]["id"], "userId": method["thirdParty"]["userId"]}]
        if "thirdParty" in method
        else [],
        "loginMethods": [method],
    }
    if "webauthn" in user:
        reduced["webauthn"] = {"credentialIds": []}
    return reduced
