"""A tiny third-party recipe: one table, one route, one config key, one schema."""

from __future__ import annotations

from marshmallow import fields

from core_app.plugin_api import (
    ConfigKey,
    ConfigScope,
    RecipeDescriptor,
    hookimpl,
    migrations_directory,
)
from st_example_recipe import store


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """The example recipe, its first factor and its greeting key (per tenant)."""
    from st_example_recipe import api

    return RecipeDescriptor(
        id="example", first_factors=("example-factor",),
        config_keys=(ConfigKey("example_greeting", fields.String(), "hi", ConfigScope.TENANT),),
        tables=(store.notes,), blueprints=(api.blueprint,),
        migrations=migrations_directory(__file__))
