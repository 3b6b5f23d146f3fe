"""The user-metadata recipe: one JSON object per user id and app, updated by shallow merge."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import Connection, MetaData

from core_app.hookspecs import hookimpl
from core_app.recipes import DeletedUser, RecipeDescriptor, declare_tables, request_schemas
from plugins.usermetadata import schemas, store

# How upstream names this recipe in "UserId is already in use in <name> recipe".
DATA_NAME = "UserMetadata"


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """User metadata: no login method, no config."""
    return RecipeDescriptor(id="usermetadata")


@hookimpl
def st_tables(metadata: MetaData) -> None:
    """``user_metadata``."""
    declare_tables(metadata, store.TABLES)


@hookimpl
def st_blueprints() -> list[Blueprint]:
    """The user-metadata routes."""
    from plugins.usermetadata.api import blueprint

    return [blueprint]


@hookimpl
def st_schemas() -> dict[str, Any]:
    """The request schemas of the user-metadata routes."""
    return request_schemas(schemas)


@hookimpl
def st_user_deleted(conn: Connection, app_id: str, users: list[DeletedUser]) -> None:
    """A deleted user's metadata, unless its group keeps it."""
    ids = [user.data_user_id for user in users if user.with_user_data]
    if ids:
        store.remove(conn, app_id, ids)


@hookimpl
def st_user_data_kept(conn: Connection, app_id: str, user_id: str) -> str | None:
    """Whether metadata is stored for ``user_id``."""
    return DATA_NAME if store.exists(conn, app_id, user_id) else None


@hookimpl
def st_migrations() -> str:
    """``migrations/``: this recipe's Alembic branch (``usermetadata``)."""
    from core_app.recipes import migrations_directory

    return migrations_directory(__file__)
