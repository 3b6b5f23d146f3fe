"""The email-password recipe: sign-up, sign-in, password reset, imported hashes."""

from __future__ import annotations

from typing import Any

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
from plugins.emailpassword import config, store
from plugins.emailpassword.service import RECIPE_ID, login_method


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """Email-password: the ``emailpassword`` first factor; hash and reset-token keys."""
    from plugins.emailpassword import api

    return RecipeDescriptor(
        id=RECIPE_ID,
        first_factors=("emailpassword",),
        config_keys=config.KEYS,
        config_checks=(config.check_hashing_config,),
        tables=store.TABLES,
        blueprints=(api.blueprint,),
        migrations=migrations_directory(__file__),
        login_method_name="Email password",
    )


@hookimpl
def st_login_methods(conn: Connection, app_id: str, user_ids: list[str]) -> list[LoginMethod]:
    """The email-password accounts among ``user_ids``."""
    return [login_method(account) for account in store.accounts(conn, app_id, user_ids)]


@hookimpl
def st_recipe_users_with_account_info(
    conn: Connection, tenant: TenantIdentifier, account: AccountInfo
) -> list[str]:
    """Accounts of the tenant with this email."""
    if account.email is None:
        return []
    return store.users_with_email(conn, tenant, account.email)


@hookimpl
def st_search_recipe_users(
    conn: Connection, tenant: TenantIdentifier, search: UserSearch, limit: int
) -> list[str]:
    """Accounts whose email matches; an account has no phone number or provider to match."""
    if not search.emails or search.phone_numbers or search.third_party_ids:
        return []
    return store.search_by_email(conn, tenant, search.emails, limit)


@hookimpl
def st_user_tenant_added(
    conn: Connection, tenant: TenantIdentifier, user_id: str, recipe_id: str
) -> str | None:
    """An account joining a tenant keeps the tenant's one-account-per-email rule."""
    if recipe_id != RECIPE_ID:
        return None
    try:
        with conn.begin_nested():
            store.add_to_tenant(conn, tenant, user_id)
    except IntegrityError:
        return "EMAIL_ALREADY_EXISTS_ERROR"
    return None


@hookimpl
def st_user_deleted(conn: Connection, app_id: str, users: list[DeletedUser]) -> None:
    """Accounts and reset tokens of deleted users (keyed by the SuperTokens id)."""
    store.delete_accounts(conn, app_id, [user.user_id for user in users])


@hookimpl
def st_housekeeping(conn: Connection, now_ms: int, app_settings: Any) -> None:
    """Reset tokens past their expiry."""
    store.delete_expired_reset_tokens(conn, now_ms)
