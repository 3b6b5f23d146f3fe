"""The email-password recipe: sign-up, sign-in, password reset, imported hashes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from core_app.plugin_api import (
    DeletedUser,
    RecipeDescriptor,
    RecipeUsers,
    hookimpl,
    migrations_directory,
)
from plugins.emailpassword import config, service, store


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """Email-password: the ``emailpassword`` first factor; hash and reset-token keys."""
    from plugins.emailpassword import api

    return RecipeDescriptor(
        id=service.RECIPE_ID,
        first_factors=("emailpassword",),
        login_method_name="Email password",
        users=RecipeUsers(
            login_methods=service.login_methods,
            with_account_info=service.users_with_account_info,
            search=service.search_users,
            search_tags=frozenset({"email"}),
            # one account per email in a tenant
            add_to_tenant=store.add_to_tenant,
            tenant_conflict="EMAIL_ALREADY_EXISTS_ERROR",
        ),
        config_keys=config.KEYS,
        config_checks=(config.check_hashing_config,),
        tables=store.TABLES,
        blueprints=(api.blueprint,),
        migrations=migrations_directory(__file__),
    )


@hookimpl
def st_user_deleted(conn: Connection, app_id: str, users: list[DeletedUser]) -> None:
    """Accounts and reset tokens of deleted users (keyed by the SuperTokens id)."""
    store.delete_accounts(conn, app_id, [user.user_id for user in users])


@hookimpl
def st_housekeeping(conn: Connection, now_ms: int, app_settings: Any) -> None:
    """Reset tokens past their expiry."""
    store.delete_expired_reset_tokens(conn, now_ms)
