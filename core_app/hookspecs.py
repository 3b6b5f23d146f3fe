"""The hooks a recipe plugin implements.

A recipe is a pluggy plugin registered under the entry-point group
``supertokens_core.recipes``. Hooks are grouped by when the host calls them. A hook
whose first non-None answer wins is marked ``firstresult``; every other hook collects
one answer from each recipe that implements it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from core_app.recipes import AccountInfo, DeletedUser, LoginMethod, RecipeDescriptor, UserSearch
    from core_app.tenant_prefix import TenantIdentifier

hookspec = pluggy.HookspecMarker("supertokens_core")
hookimpl = pluggy.HookimplMarker("supertokens_core")


# --- start-up: called once while the app is built ----------------------------------------


@hookspec
def st_recipe() -> "RecipeDescriptor":
    """Describe the recipe: its id, first factors, config keys, tables, blueprints and
    migrations, and the plugin API version it needs (``RecipeDescriptor``).

    Called once at start. The host registers everything the descriptor names; a recipe
    needs no other start-up hook.
    """


# --- users: called while building or deleting user objects -------------------------------
#
# ``conn`` is always the database the call is about: the app's users may be spread over
# several databases (tenants with a ``connection_uri`` of their own), and a recipe answers
# or changes only what that database holds.


@hookspec
def st_login_methods(conn: "Connection", app_id: str, user_ids: list[str]) -> list["LoginMethod"]:
    """Return the login methods this recipe holds for any of ``user_ids`` (SuperTokens ids).

    Called with the database holding the users when user objects are built; answer every
    id in one query. Return ``[]`` when none are yours.
    """


@hookspec
def st_recipe_users_with_account_info(
    conn: "Connection", tenant: "TenantIdentifier", account: "AccountInfo"
) -> list[str]:
    """Return the ids of this recipe's users in ``tenant`` that have ``account``.

    ``account`` carries exactly one item (an email, a phone number or a third-party
    identity), already normalised; match it exactly. Return ``[]`` when the recipe keeps
    no such item. Used by ``/users/by-accountinfo`` and account linking.
    """


@hookspec
def st_search_recipe_users(
    conn: "Connection", tenant: "TenantIdentifier", search: "UserSearch", limit: int
) -> list[str]:
    """Return up to ``limit`` ids of this recipe's users in ``tenant`` matching ``search``.

    Every tag ``search`` carries must match one and the same login method (a tag matches
    when any of its values is a prefix, see ``UserSearch``). A recipe whose login methods
    cannot hold one of the given tags returns ``[]``. Used by the dashboard's search.
    """


@hookspec
def st_verified_emails(
    conn: "Connection", app_id: str, pairs: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Return those ``(user id, email)`` pairs that are marked verified.

    The user id is the one user data is kept under (the external id when mapped). Called
    while user objects are built, with the database holding the users and every email login
    method of them at once.
    """


@hookspec
def st_mark_email_verified(conn: "Connection", app_id: str, user_id: str, email: str) -> None:
    """Mark ``email`` verified for ``user_id``, inside the caller's transaction.

    Called by login recipes whose sign-up proves the email (fake emails of email-password,
    passwordless by email, a provider that says so). Marking twice is not an error.
    """


@hookspec
def st_user_deleted(conn: "Connection", app_id: str, users: list["DeletedUser"]) -> None:
    """Remove what the recipe stores in ``conn``'s database for users that are being deleted.

    Called once for every database of the app, each time with that database's connection
    and the same users, inside the deletion transaction, before the host deletes its index
    rows: user data (metadata, sessions, role assignments) may be kept in another database
    than the login rows, and a database holding none of their rows is no error. Each
    ``DeletedUser`` has the SuperTokens id (login rows are keyed by it; delete them even
    though a cascade would, since the index row of a group's id may be kept) and the data
    id (the external id when mapped; user data such as sessions, metadata, roles and
    verified emails is keyed by it). Delete user data only when ``user.with_user_data``
    is true: it is false when a linked group keeps it after losing one login method.
    """


@hookspec(firstresult=True)
def st_user_tenant_added(
    conn: "Connection", tenant: "TenantIdentifier", user_id: str, recipe_id: str
) -> str | None:
    """Add the recipe's per-tenant row for a user newly associated with ``tenant``.

    Called after the host's own per-tenant row is written; a recipe that does not own
    ``recipe_id`` returns None. Return None when done, or the contract's status string when a
    uniqueness rule refuses the association (``EMAIL_ALREADY_EXISTS_ERROR``, ...); the first
    status wins and the whole association is rolled back.
    """


@hookspec
def st_user_tenant_removed(
    conn: "Connection", tenant: "TenantIdentifier", user_id: str, data_user_id: str
) -> None:
    """Remove what the recipe keeps for a user in ``tenant`` when the user leaves it.

    ``user_id`` is the SuperTokens id, ``data_user_id`` the external id when mapped.
    Per-tenant login rows usually go by cascade; per-tenant user data (sessions, role
    assignments, verification tokens) is keyed by ``data_user_id`` and goes here.
    """


@hookspec
def st_user_data_kept(conn: "Connection", app_id: str, user_id: str) -> str | None:
    """Name the data this recipe keeps under ``user_id`` (any string), or None.

    The name is upstream's for the recipe (``Session``, ``UserMetadata``, ``UserRoles``,
    ``EmailVerification``, ``TOTP``); it goes into "UserId is already in use in <name>
    recipe" when a user-id mapping would hide the data. Only non-login recipes answer.
    """


@hookspec
def st_user_data_moved(conn: "Connection", app_id: str, from_user_id: str, to_user_id: str) -> None:
    """Re-key what the recipe keeps under ``from_user_id`` to ``to_user_id``.

    Called when a user-id mapping is created for a user whose only user data is email
    verification (upstream moves it to the external id rather than refusing the mapping).
    """


@hookspec(firstresult=True)
def st_user_id_mapping(conn: "Connection", app_id: str, user_id: str) -> tuple[str, str] | None:
    """The ``(SuperTokens id, external id)`` of the user-id mapping ``user_id`` is part of.

    ``user_id`` may be either side; when it is the SuperTokens side of one mapping and the
    external side of another, the first wins. None when unmapped. Implemented by the
    user-id mapping recipe; without it every id stands for itself.
    """


@hookspec
def st_external_user_ids(conn: "Connection", app_id: str, user_ids: list[str]) -> dict[str, str]:
    """The external ids of those SuperTokens ``user_ids`` that have one, by SuperTokens id.

    Callers see the external id wherever a mapped user's id is returned, and user data
    (sessions, metadata, roles, verified emails) is kept under it.
    """


@hookspec
def st_recipe_user_regrouped(
    conn: "Connection", app_id: str, user_id: str, data_user_id: str
) -> None:
    """A recipe user was linked to a primary user or unlinked from one.

    Its sessions name the wrong user now: the session recipe revokes them. Called once for
    every database of the app, with that database's connection. ``user_id`` is the
    SuperTokens id, ``data_user_id`` the id its data is kept under.
    """


# --- housekeeping: called by `supertokens-core cleanup` and the optional schedule -------


@hookspec
def st_housekeeping(
    conn: "Connection", now_ms: int, app_settings: Any, tenant_settings: Any
) -> None:
    """Delete data that has expired (sessions, tokens, codes, retired keys).

    Called once per database, inside one transaction, by one process at a time.
    ``app_settings(app_id)`` gives an app's resolved settings and
    ``tenant_settings(app_id, tenant_id)`` a tenant's, or None for an app or tenant that no
    longer exists. Expiry is also checked where data is used; this only reclaims space.
    """
