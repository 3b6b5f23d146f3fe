"""The shared user index: a host feature, registered as a plugin."""

from __future__ import annotations

from sqlalchemy import MetaData

from core_app.hookspecs import hookimpl
from core_app.recipes import declare_tables
from core_app.users import store


@hookimpl
def st_tables(metadata: MetaData) -> None:
    """``app_id_to_user_id``, ``all_auth_recipe_users`` and the kept user counts.

    A database that had users before the counts existed gets them counted by the
    migration that creates the count tables (core_app/migrations/versions, host_0002).
    """
    declare_tables(metadata, store.TABLES)


@hookimpl
def st_blueprints() -> list:
    """``/user/id``."""
    from core_app.users.api import blueprint

    return [blueprint]
