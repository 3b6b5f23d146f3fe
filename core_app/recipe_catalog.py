"""Every installed recipe, enabled or not: its distribution, version and descriptor.

The plugin manager (core_app.recipes) holds only the enabled recipes. The config checks and
``supertokens-core recipes`` also need to know the others, so that a key of a recipe that is
installed but not enabled is recognised as such (a warning, not an unknown key). A recipe
that is not enabled is described by calling its ``st_recipe`` function directly: it is
imported, but never registered, so none of its other hooks runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint

from core_app import recipes as recipe_plugins
from core_app.config import (
    HOST_KEYS,
    ConfigKey,
    ConfigSchema,
    config_file_path,
    read_config_file,
    read_environment,
)
from core_app.recipes import RecipeDescriptor


@dataclass(frozen=True)
class InstalledRecipe:
    """One entry point of the recipe group, as the current config sees it."""

    name: str  # the entry-point name, the one ``recipes:`` uses
    distribution: str | None  # the distribution that ships it (None: no metadata found)
    version: str | None
    enabled: bool
    descriptor: RecipeDescriptor | None = None
    failure: str | None = None  # why it could not be described (its import or st_recipe)

    @property
    def config_keys(self) -> tuple[ConfigKey, ...]:
        """The keys the recipe declares; none when it could not be described."""
        return self.descriptor.config_keys if self.descriptor is not None else ()


def installed_recipes(enabled: tuple[str, ...] | None) -> list[InstalledRecipe]:
    """Every installed recipe by name, each described by its own ``st_recipe``.

    ``enabled`` is the ``recipes`` setting (None: every installed recipe). A recipe whose
    module does not import or whose ``st_recipe`` raises is kept with ``failure`` set: for a
    recipe that is not enabled that is worth a warning, not a refusal to start.
    """
    points = recipe_plugins.installed_recipes()
    return [_describe(points[name], enabled is None or name in enabled) for name in sorted(points)]


def disabled_recipes(enabled: tuple[str, ...] | None) -> list[InstalledRecipe]:
    """The installed recipes ``enabled`` leaves out, each described (what the config check
    at start needs; the enabled ones are already loaded by the plugin manager)."""
    if enabled is None:
        return []
    points = recipe_plugins.installed_recipes()
    return [_describe(points[name], False) for name in sorted(points) if name not in enabled]


def _describe(point: EntryPoint, enabled: bool) -> InstalledRecipe:
    distribution = point.dist.name if point.dist is not None else None
    version = point.dist.version if point.dist is not None else None
    try:
        descriptor = point.load().st_recipe()
    except Exception as error:  # noqa: BLE001 - a third-party recipe may fail in any way
        return InstalledRecipe(
            point.name, distribution, version, enabled, failure=f"{type(error).__name__}: {error}"
        )
    return InstalledRecipe(point.name, distribution, version, enabled, descriptor)


def disabled_recipe_keys(recipes: list[InstalledRecipe]) -> dict[str, tuple[ConfigKey, ...]]:
    """The keys of each installed recipe that is not enabled, by recipe name."""
    return {recipe.name: recipe.config_keys for recipe in recipes if not recipe.enabled}


def description_failures(recipes: list[InstalledRecipe]) -> list[str]:
    """A warning for each recipe that is not enabled and could not be described."""
    return [
        f"recipe '{recipe.name}' is installed but not enabled and could not be loaded "
        f"({recipe.failure}); its config keys are not known"
        for recipe in recipes
        if not recipe.enabled and recipe.failure is not None
    ]


def configured_recipes(environ: Mapping[str, str]) -> tuple[str, ...] | None:
    """The ``recipes`` setting from the config file and the environment, as ``start`` reads it.

    None means every installed recipe. A bad config file raises ``ConfigError``.
    """
    schema = ConfigSchema()
    schema.add(key for key in HOST_KEYS if key.name == "recipes")
    layer = {**read_config_file(config_file_path()), **read_environment(schema, environ)}
    return schema.resolve([layer], test_mode=False).recipes
