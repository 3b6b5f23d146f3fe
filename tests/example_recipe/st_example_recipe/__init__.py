"""A tiny third-party recipe: one table, one route, one config key, one schema."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from marshmallow import fields
from sqlalchemy import MetaData

from core_app.config import ConfigKey, ConfigScope
from core_app.hookspecs import hookimpl
from core_app.recipes import RecipeDescriptor, migrations_directory
from st_example_recipe import schemas, store


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """The example recipe, its first factor and its greeting key (per tenant)."""
    return RecipeDescriptor(
        id="example", first_factors=("example-factor",),
        config_keys=(ConfigKey("example_greeting", fields.String(), "hi", ConfigScope.TENANT),))


@hookimpl
def st_tables(metadata: MetaData) -> None:
    """The notes table."""
    store.notes.to_metadata(metadata)


@hookimpl
def st_blueprints() -> list[Blueprint]:
    """POST /recipe/example/note."""
    from st_example_recipe.api import blueprint

    return [blueprint]


@hookimpl
def st_schemas() -> dict[str, Any]:
    """The note body."""
    return {"ExampleNoteBody": schemas.NoteBody}


@hookimpl
def st_migrations() -> str:
    """``migrations/``, shipped in this package: the recipe's Alembic branch (``example``)."""
    return migrations_directory(__file__)
