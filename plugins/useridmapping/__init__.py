"""The user-id mapping recipe: apps give users ids of their own ("external ids").

The host asks it through ``st_user_id_mapping`` (which SuperTokens id an input id stands
for) and ``st_external_user_ids`` (which id callers see), so every route that takes or
returns user ids honours mappings while this recipe is enabled, and pays nothing for them
when it is not.
"""

from __future__ import annotations

from sqlalchemy import Connection

from core_app.plugin_api import RecipeDescriptor, hookimpl, migrations_directory
from plugins.useridmapping import store


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """User-id mapping: no login method, no config."""
    from plugins.useridmapping import api

    return RecipeDescriptor(
        id="useridmapping",
        tables=store.TABLES,
        blueprints=(api.blueprint,),
        migrations=migrations_directory(__file__),
    )


@hookimpl
def st_user_id_mapping(conn: Connection, app_id: str, user_id: str) -> tuple[str, str] | None:
    """The mapping ``user_id`` is either side of."""
    mapping = store.find(conn, app_id, user_id)
    return (mapping.supertokens_user_id, mapping.external_user_id) if mapping else None


@hookimpl
def st_external_user_ids(conn: Connection, app_id: str, user_ids: list[str]) -> dict[str, str]:
    """External ids of the mapped users among ``user_ids``."""
    return store.external_ids(conn, app_id, user_ids)
