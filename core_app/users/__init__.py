"""The shared user index: a host feature, registered as a plugin."""

from __future__ import annotations

from sqlalchemy import MetaData

from core_app.hookspecs import hookimpl
from core_app.recipes import declare_tables
from core_app.users import store


@hookimpl
def st_tables(metadata: MetaData) -> None:
    """``app_id_to_user_id`` and ``all_auth_recipe_users``."""
    declare_tables(metadata, store.TABLES)


@hookimpl
def st_blueprints() -> list:
    """``/user/id``."""
    from core_app.users.api import blueprint

    return [blueprint]
