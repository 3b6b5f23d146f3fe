"""The user-metadata recipe: one JSON object per user id and app, updated by shallow merge."""

from __future__ import annotations

from sqlalchemy import Connection

from core_app.plugin_api import (
    DeletedUser,
    RecipeDescriptor,
    data_user_ids,
    hookimpl,
    migrations_directory,
)
from plugins.usermetadata import store

# How upstream names this recipe in "UserId is already in use in <name> recipe".
DATA_NAME = "UserMetadata"


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """User metadata: no login method, no config."""
    from plugins.usermetadata import api

    return RecipeDescriptor(
        id="usermetadata",
        tables=store.TABLES,
        blueprints=(api.blueprint,),
        migrations=migrations_directory(__file__),
    )


@hookimpl
def st_user_deleted(conn: Connection, app_id: str, users: list[DeletedUser]) -> None:
    """A deleted user's metadata, unless its group keeps it."""
    if ids := data_user_ids(users):
        store.remove(conn, app_id, ids)


@hookimpl
def st_user_data_kept(conn: Connection, app_id: str, user_id: str) -> str | None:
    """Whether metadata is stored for ``user_id``."""
    return DATA_NAME if store.exists(conn, app_id, user_id) else None
