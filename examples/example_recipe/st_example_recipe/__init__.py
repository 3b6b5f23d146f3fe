"""A small third-party recipe: notes kept per tenant, with a per-tenant greeting.

It shows what a recipe distribution holds (docs/recipes.md): the descriptor, a table made
with ``core_app.plugin_api.tables``, a tenant-scope route that writes, a route on a path
the login recipes share (``rid``), a config key, a migration branch and tests written with
the core's testing kit (``tests/``).
"""

from __future__ import annotations

from core_app.plugin_api import RecipeDescriptor, hookimpl, migrations_directory
from st_example_recipe import api, config, store


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """The example recipe, its first factor and its greeting key (per tenant)."""
    return RecipeDescriptor(
        id="example",
        first_factors=("example-factor",),
        config_keys=config.KEYS,
        tables=store.TABLES,
        blueprints=(api.blueprint,),
        migrations=migrations_directory(__file__),
        requires_api="1.0",
    )
