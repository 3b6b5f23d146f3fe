"""The TOTP recipe: authenticator-app devices and their codes, the second factor of
multi-factor sign-in (the SDK's ``totp`` and ``multifactorauth`` recipes).

A distribution of its own, written only against the core's plugin API
(``core_app.plugin_api``); installed, it is enabled like any recipe (``recipes:``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from core_app.plugin_api import (
    DEFAULT_CONNECTION_URI_DOMAIN,
    RecipeDescriptor,
    TenantIdentifier,
    UserData,
    hookimpl,
    migrations_directory,
)
from st_totp import config, service, store


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """TOTP: no first factor (a second factor, ``totp``); the limit of wrong codes."""
    from st_totp import api

    return RecipeDescriptor(
        id=service.RECIPE_ID,
        config_keys=config.KEYS,
        tables=store.TABLES,
        blueprints=(api.blueprint,),
        migrations=migrations_directory(__file__),
        requires_api="1.0",
        # Keyed by the id callers give. A user leaving a tenant keeps the codes checked
        # there until housekeeping: they still count towards the tenant's limit.
        user_data=UserData(service.DATA_NAME, delete=store.delete_users, exists=store.has_devices),
    )


@hookimpl
def st_housekeeping(conn: Connection, now_ms: int, tenant_settings: Any) -> None:
    """Used codes whose window ended longer than the tenant's cooldown ago: until then a
    wrong one still counts towards the limit."""
    for app_id, tenant_id in store.tenants_with_used_codes(conn):
        settings = tenant_settings(app_id, tenant_id)
        if settings is None:
            continue  # the tenant is being deleted; its codes go by cascade
        cooldown_ms = settings[config.COOLDOWN_SEC] * 1000
        tenant = TenantIdentifier(DEFAULT_CONNECTION_URI_DOMAIN, app_id, tenant_id)
        store.delete_expired_codes(conn, tenant, now_ms - cooldown_ms)
