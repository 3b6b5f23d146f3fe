"""The plugin API is the recipes' only door into the host: recipes import nothing else of
``core_app`` nor each other, a recipe written for another API version is refused at start, and
a hook implementation whose name no hook has stops the start instead of never being called."""

from __future__ import annotations

import ast
import types
from pathlib import Path

import pytest

from core_app import recipes
from core_app.config import ConfigError
from core_app.plugin_api import API_VERSION, RecipeDescriptor, RecipeUsers, hookimpl

ROOT = Path(__file__).resolve().parents[2]
# Directories holding recipe packages: the built-in ones, each recipe shipped as a
# distribution of its own (plugins/totp), and each example distribution.
RECIPE_ROOTS = [
    ROOT / "plugins",
    *sorted(path.parent for path in (ROOT / "plugins").glob("*/pyproject.toml")),
    *sorted(path for path in (ROOT / "examples").glob("*") if path.is_dir()),
]
PUBLIC = "core_app.plugin_api"


def _imports(path: Path) -> list[str]:
    modules = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.append(node.module)
        elif isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
    return modules


def _recipe_modules() -> list[tuple[str, Path]]:
    """(recipe package name, module path) of every recipe in the repository."""
    found = []
    for root in RECIPE_ROOTS:
        if not root.exists():
            continue
        for init in sorted(root.glob("*/__init__.py")):
            package = init.parent
            found.extend(
                (package.name, path)
                for path in sorted(package.rglob("*.py"))
                if "migrations" not in path.relative_to(package).parts
            )
    return found


def test_recipes_import_only_the_plugin_api_of_the_host() -> None:
    modules = _recipe_modules()
    names = {name for name, _ in modules}
    assert len(names) >= 10 and "st_totp" in names  # the built-in recipes and TOTP at least
    offending = [
        f"{path.relative_to(ROOT)}: {module}"
        for _, path in modules
        for module in _imports(path)
        if module.startswith("core_app")
        and not (module == PUBLIC or module.startswith(PUBLIC + "."))
    ]
    assert offending == []


def test_recipes_do_not_import_each_other() -> None:
    offending = []
    for name, path in _recipe_modules():
        for module in _imports(path):
            parts = module.split(".")
            other = parts[1] if parts[0] == "plugins" and len(parts) > 1 else None
            if other is not None and other != name:
                offending.append(f"{path.relative_to(ROOT)}: {module}")
    assert offending == []


def _install(monkeypatch: pytest.MonkeyPatch, name: str, plugin: object) -> None:
    """Make ``plugin`` look like an installed recipe entry point called ``name``."""
    installed = recipes.installed_recipes()
    installed[name] = types.SimpleNamespace(name=name, load=lambda: plugin)
    monkeypatch.setattr(recipes, "installed_recipes", lambda: installed)


def _recipe(requires_api: str, **hooks: object) -> types.SimpleNamespace:
    @hookimpl
    def st_recipe() -> RecipeDescriptor:
        return RecipeDescriptor(id="future", requires_api=requires_api)

    return types.SimpleNamespace(st_recipe=st_recipe, **hooks)


@pytest.mark.parametrize("requires_api", ["2.0", "1.99", "0.9", "one"])
def test_a_recipe_for_another_plugin_api_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, make_app, requires_api: str
) -> None:
    _install(monkeypatch, "future", _recipe(requires_api))
    with pytest.raises(ConfigError) as refused:
        make_app(recipes=["future"])
    assert str(refused.value) == (
        f"recipe 'future' needs plugin API {requires_api}; this core offers {API_VERSION} "
        "(same major version, minor at least the recipe's)"
    )


def test_a_recipe_for_this_plugin_api_starts(monkeypatch: pytest.MonkeyPatch, make_app) -> None:
    _install(monkeypatch, "future", _recipe(API_VERSION))
    app = make_app(recipes=["future"])
    assert [recipe.id for recipe in app.extensions["supertokens_core"].recipes] == ["future"]


def test_a_misspelt_hook_stops_the_start_naming_it(
    monkeypatch: pytest.MonkeyPatch, make_app
) -> None:
    @hookimpl
    def st_user_delted(conn: object, app_id: str, users: list) -> None:
        """A typo of st_user_deleted: it would never be called."""

    _install(monkeypatch, "future", _recipe(API_VERSION, st_user_delted=st_user_delted))
    with pytest.raises(ConfigError, match="recipe 'future': .*st_user_delted"):
        make_app(recipes=["future"])


def test_recipe_users_name_only_known_search_tags() -> None:
    def nothing(*_args):
        return []

    with pytest.raises(ValueError, match=r"unknown search tags \['mail'\]"):
        RecipeUsers(
            login_methods=nothing,
            with_account_info=nothing,
            search=nothing,
            search_tags=frozenset({"email", "mail"}),
            add_to_tenant=nothing,
            tenant_conflict="EMAIL_ALREADY_EXISTS_ERROR",
        )
