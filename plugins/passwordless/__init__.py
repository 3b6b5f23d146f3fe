"""The passwordless recipe: one-time codes and magic links by email or phone number."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from core_app.plugin_api import (
    DEFAULT_CONNECTION_URI_DOMAIN,
    AccountInfo,
    DeletedUser,
    LoginMethod,
    RecipeDescriptor,
    TenantIdentifier,
    UserSearch,
    hookimpl,
    migrations_directory,
)
from plugins.passwordless import config, store
from plugins.passwordless.service import RECIPE_ID, login_method
from plugins.passwordless.store import Contact

FIRST_FACTORS = ("otp-email", "otp-phone", "link-email", "link-phone")


def _tenant(app_id: str, tenant_id: str) -> TenantIdentifier:
    # Rows are keyed by app and tenant only; the connection-URI domain plays no part.
    return TenantIdentifier(DEFAULT_CONNECTION_URI_DOMAIN, app_id, tenant_id)


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """Passwordless: codes and links by email or phone; code lifetime and attempt limit."""
    from plugins.passwordless import api

    return RecipeDescriptor(
        id=RECIPE_ID,
        first_factors=FIRST_FACTORS,
        config_keys=config.KEYS,
        tables=store.TABLES,
        blueprints=(api.blueprint,),
        migrations=migrations_directory(__file__),
        login_method_name="Passwordless",
    )


@hookimpl
def st_login_methods(conn: Connection, app_id: str, user_ids: list[str]) -> list[LoginMethod]:
    """The passwordless users among ``user_ids``."""
    return [login_method(user) for user in store.users_by_id(conn, app_id, user_ids)]


@hookimpl
def st_recipe_users_with_account_info(
    conn: Connection, tenant: TenantIdentifier, account: AccountInfo
) -> list[str]:
    """Users of the tenant with this email or phone number."""
    if account.email is not None:
        return store.users_with_contact(conn, tenant, Contact(email=account.email))
    if account.phone_number is not None:
        return store.users_with_contact(conn, tenant, Contact(phone_number=account.phone_number))
    return []


@hookimpl
def st_search_recipe_users(
    conn: Connection, tenant: TenantIdentifier, search: UserSearch, limit: int
) -> list[str]:
    """Users whose email and/or phone number match; none has a provider to match."""
    if search.third_party_ids or not (search.emails or search.phone_numbers):
        return []
    return store.search(conn, tenant, search.emails, search.phone_numbers, limit)


@hookimpl
def st_user_tenant_added(
    conn: Connection, tenant: TenantIdentifier, user_id: str, recipe_id: str
) -> str | None:
    """A user joining a tenant keeps the tenant's one-user-per-contact rules."""
    if recipe_id != RECIPE_ID:
        return None
    try:
        with conn.begin_nested():
            store.add_to_tenant(conn, tenant, user_id)
    except IntegrityError:
        user = store.users_by_id(conn, tenant.app_id, [user_id])[0]
        if user.email is not None and any(
            other != user_id
            for other in store.users_with_contact(conn, tenant, Contact(email=user.email))
        ):
            return "EMAIL_ALREADY_EXISTS_ERROR"
        return "PHONE_NUMBER_ALREADY_EXISTS_ERROR"
    return None


@hookimpl
def st_user_deleted(conn: Connection, app_id: str, users: list[DeletedUser]) -> None:
    """Users' rows, and the pending codes of their contacts in each of their tenants."""
    user_ids = [user.user_id for user in users]
    for tenant_id, email, phone_number in store.memberships(conn, app_id, user_ids):
        tenant = _tenant(app_id, tenant_id)
        if email is not None:
            store.delete_devices_of_contact(conn, tenant, Contact(email=email))
        if phone_number is not None:
            store.delete_devices_of_contact(conn, tenant, Contact(phone_number=phone_number))
    store.delete_users(conn, app_id, user_ids)


@hookimpl
def st_housekeeping(conn: Connection, now_ms: int, tenant_settings: Any) -> None:
    """Devices whose every code has expired, with each tenant's code lifetime."""
    for app_id, tenant_id in store.tenants_with_devices(conn):
        settings = tenant_settings(app_id, tenant_id)
        if settings is None:
            continue  # the tenant is being deleted; its devices go by cascade
        store.delete_expired_devices(
            conn, _tenant(app_id, tenant_id), now_ms - settings.passwordless_code_lifetime
        )
