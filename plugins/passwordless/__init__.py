"""The passwordless recipe: one-time codes and magic links by email or phone number."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from core_app.plugin_api import (
    DEFAULT_CONNECTION_URI_DOMAIN,
    DeletedUser,
    RecipeDescriptor,
    RecipeUsers,
    TenantIdentifier,
    hookimpl,
    migrations_directory,
)
from plugins.passwordless import config, service, store
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
        id=service.RECIPE_ID,
        first_factors=FIRST_FACTORS,
        login_method_name="Passwordless",
        users=RecipeUsers(
            login_methods=service.login_methods,
            with_account_info=service.users_with_account_info,
            search=service.search_users,
            search_tags=frozenset({"email", "phone"}),
            # one user per email and one per phone number in a tenant
            add_to_tenant=store.add_to_tenant,
            tenant_conflict=service.tenant_conflict,
        ),
        config_keys=config.KEYS,
        tables=store.TABLES,
        blueprints=(api.blueprint,),
        migrations=migrations_directory(__file__),
    )


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
