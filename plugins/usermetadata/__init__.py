"""The user-metadata recipe: one JSON object per user id and app, updated by shallow merge."""

from __future__ import annotations

from core_app.plugin_api import RecipeDescriptor, UserData, hookimpl, migrations_directory
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
        user_data=UserData(DATA_NAME, delete=store.remove, exists=store.exists),
    )
