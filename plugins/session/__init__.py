"""The session recipe: sessions, access and refresh tokens, signing keys, JWT and JWKS.

Other recipes may use its service module (``plugins.session.service``); it is the one
recipe the others are allowed to import.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from core_app.plugin_api import RecipeDescriptor, UserData, hookimpl, migrations_directory
from plugins.session import config, store


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """Session: no login method of its own; its token lifetimes and key rotation keys."""
    from plugins.session import api

    return RecipeDescriptor(
        id="session",
        config_keys=config.KEYS,
        config_checks=(config.check_session_config,),
        tables=store.TABLES,
        blueprints=(api.blueprint,),
        migrations=migrations_directory(__file__),
        # keyed by the id sessions were made for; a user leaving a tenant loses those there
        user_data=UserData(
            "Session",
            delete=store.delete_all_sessions_of_users,
            exists=store.has_sessions,
            delete_in_tenant=store.delete_sessions_in_tenant,
        ),
    )


@hookimpl
def st_recipe_user_regrouped(
    conn: Connection, app_id: str, user_id: str, data_user_id: str
) -> None:
    """A recipe user joined or left a primary user: its sessions carry a stale user id."""
    store.delete_all_sessions_of_users(conn, app_id, {user_id, data_user_id})


@hookimpl
def st_housekeeping(conn: Connection, now_ms: int, app_settings: Any) -> None:
    """Delete ended sessions, and dynamic keys no unexpired token can have been signed with."""
    from plugins.session.keys import policy_from_settings

    store.delete_expired_sessions(conn, now_ms)
    for app_id in store.apps_with_keys(conn):
        settings = app_settings(app_id)
        if settings is None:
            continue
        policy = policy_from_settings(settings, test_mode=False)
        store.delete_retired_keys(conn, app_id, now_ms - policy.lifetime_ms)
