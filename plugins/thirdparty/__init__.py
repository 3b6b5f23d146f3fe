"""The third-party recipe: users of social and enterprise identity providers.

The OAuth / OpenID Connect exchange runs in the SDK; the core keeps one user per provider
identity per tenant. Provider configuration belongs to the host's multitenancy APIs.
"""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from core_app.plugin_api import (
    AccountInfo,
    DeletedUser,
    LoginMethod,
    RecipeDescriptor,
    TenantIdentifier,
    UserSearch,
    hookimpl,
    migrations_directory,
)
from plugins.thirdparty import store
from plugins.thirdparty.service import RECIPE_ID, login_method
from plugins.thirdparty.store import Identity


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """Third-party: the ``thirdparty`` first factor; no configuration of its own."""
    from plugins.thirdparty import api

    return RecipeDescriptor(
        id=RECIPE_ID,
        first_factors=("thirdparty",),
        tables=store.TABLES,
        blueprints=(api.blueprint,),
        migrations=migrations_directory(__file__),
        login_method_name="ThirdParty",
    )


@hookimpl
def st_login_methods(conn: Connection, app_id: str, user_ids: list[str]) -> list[LoginMethod]:
    """The third-party users among ``user_ids``."""
    return [login_method(user) for user in store.users_by_id(conn, app_id, user_ids)]


@hookimpl
def st_recipe_users_with_account_info(
    conn: Connection, tenant: TenantIdentifier, account: AccountInfo
) -> list[str]:
    """Users of the tenant with this provider identity, or with this email."""
    if account.third_party is not None:
        member = store.member_in_tenant(conn, tenant, Identity(*account.third_party))
        return [member.user_id] if member else []
    if account.email is not None:
        return store.users_with_email(conn, tenant, account.email)
    return []


@hookimpl
def st_search_recipe_users(
    conn: Connection, tenant: TenantIdentifier, search: UserSearch, limit: int
) -> list[str]:
    """Users whose email and/or provider id match; none has a phone number to match."""
    if search.phone_numbers or not (search.emails or search.third_party_ids):
        return []
    return store.search(conn, tenant, search.emails, search.third_party_ids, limit)


@hookimpl
def st_user_tenant_added(
    conn: Connection, tenant: TenantIdentifier, user_id: str, recipe_id: str
) -> str | None:
    """A user joining a tenant keeps the tenant's one-user-per-identity rule."""
    if recipe_id != RECIPE_ID:
        return None
    try:
        with conn.begin_nested():
            store.add_to_tenant(conn, tenant, user_id)
    except IntegrityError:
        return "THIRD_PARTY_USER_ALREADY_EXISTS_ERROR"
    return None


@hookimpl
def st_user_deleted(conn: Connection, app_id: str, users: list[DeletedUser]) -> None:
    """Users' rows (keyed by the SuperTokens id)."""
    store.delete_users(conn, app_id, [user.user_id for user in users])
