"""The email-verification recipe: tokens that prove an email, and the verified pairs.

Other recipes read and write verification only through hooks (``st_verified_emails``,
``st_mark_email_verified``), so they work with this recipe disabled too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from core_app.plugin_api import RecipeDescriptor, UserData, hookimpl, migrations_directory
from plugins.emailverification import config, store


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """Email verification: no login method; the token lifetime key."""
    from plugins.emailverification import api

    return RecipeDescriptor(
        id="emailverification",
        config_keys=config.KEYS,
        tables=store.TABLES,
        blueprints=(api.blueprint,),
        migrations=migrations_directory(__file__),
        user_data=UserData(
            "EmailVerification", delete=store.delete_user_data, exists=store.has_user_data
        ),
    )


@hookimpl
def st_verified_emails(
    conn: Connection, app_id: str, pairs: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The verified ones among the pairs."""
    return store.verified_among(conn, app_id, pairs)


@hookimpl
def st_mark_email_verified(conn: Connection, app_id: str, user_id: str, email: str) -> None:
    """Mark a pair verified for a login recipe."""
    store.mark_verified(conn, app_id, user_id, email)


@hookimpl
def st_user_data_moved(conn: Connection, app_id: str, from_user_id: str, to_user_id: str) -> None:
    """Verified emails and tokens follow a user id that gets mapped to an external one."""
    store.move_user_data(conn, app_id, from_user_id, to_user_id)


@hookimpl
def st_housekeeping(conn: Connection, now_ms: int, app_settings: Any) -> None:
    """Tokens past their expiry."""
    store.delete_expired_tokens(conn, now_ms)
