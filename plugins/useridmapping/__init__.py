"""The user-id mapping recipe: apps give users ids of their own ("external ids").

The host asks it through ``st_user_id_mapping`` (which SuperTokens id an input id stands
for) and ``st_external_user_ids`` (which id callers see), so every route that takes or
returns user ids honours mappings while this recipe is enabled, and pays nothing for them
when it is not.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import Connection, MetaData

from core_app.hookspecs import hookimpl
from core_app.recipes import RecipeDescriptor, declare_tables, request_schemas
from plugins.useridmapping import schemas, store


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """User-id mapping: no login method, no config."""
    return RecipeDescriptor(id="useridmapping")


@hookimpl
def st_tables(metadata: MetaData) -> None:
    """``userid_mapping``."""
    declare_tables(metadata, store.TABLES)


@hookimpl
def st_blueprints() -> list[Blueprint]:
    """The user-id mapping routes."""
    from plugins.useridmapping.api import blueprint

    return [blueprint]


@hookimpl
def st_schemas() -> dict[str, Any]:
    """The request schemas of the user-id mapping routes."""
    return request_schemas(schemas)


@hookimpl
def st_user_id_mapping(conn: Connection, app_id: str, user_id: str) -> tuple[str, str] | None:
    """The mapping ``user_id`` is either side of."""
    mapping = store.find(conn, app_id, user_id)
    return (mapping.supertokens_user_id, mapping.external_user_id) if mapping else None


@hookimpl
def st_external_user_ids(conn: Connection, app_id: str, user_ids: list[str]) -> dict[str, str]:
    """External ids of the mapped users among ``user_ids``."""
    return store.external_ids(conn, app_id, user_ids)


@hookimpl
def st_migrations() -> str:
    """``migrations/``: this recipe's Alembic branch (``useridmapping``)."""
    from core_app.recipes import migrations_directory

    return migrations_directory(__file__)
