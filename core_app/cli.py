"""``supertokens-core``: run the core under gunicorn with the configured host and port."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from core_app.config import ConfigError

if TYPE_CHECKING:
    from core_app.recipe_catalog import InstalledRecipe


def _start(_args: argparse.Namespace) -> int:
    from gunicorn.app.wsgiapp import run

    from core_app import create_app
    from core_app.gunicorn_config import prepare_metrics_directory

    # Before the app below imports prometheus_client: the workers forked from this process
    # must count in the shared directory (core_app.gunicorn_config).
    prepare_metrics_directory()
    # Build once here so a bad config stops with its message before any worker starts.
    app = create_app()
    settings = app.extensions["supertokens_core"].settings
    app.extensions["supertokens_core"].storage.dispose()
    sys.argv = [
        "gunicorn",
        "--config",
        "python:core_app.gunicorn_config",
        "--bind",
        f"{settings.host}:{settings.port}",
        "--workers",
        str(settings.workers),
        "--worker-class",
        settings.worker_class,
        "--threads",
        str(settings.max_server_pool_size if settings.worker_class == "gthread" else 1),
        "core_app:create_app()",
    ]
    run()
    return 0


def _cleanup(_args: argparse.Namespace) -> int:
    """Clean every database; exit 1 when a database failed or an app's config is stale."""
    from core_app import create_app
    from core_app.housekeeping import config_problems, database_name, databases, run_housekeeping

    core = create_app({"housekeeping_interval_s": 0}).extensions["supertokens_core"]
    problems = config_problems(core)
    for problem in problems:
        print(f"supertokens-core: {problem}", file=sys.stderr)
    uris = databases(core)
    cleaned = run_housekeeping(core)
    failed = [uri for uri in uris if uri not in cleaned]
    for uri in failed:
        print(
            f"supertokens-core: clean-up failed for database {database_name(uri)} "
            "(see the error log)",
            file=sys.stderr,
        )
    print(f"cleaned {len(cleaned)} database(s)")
    core.storage.dispose()
    return 1 if problems or failed else 0


def _recount_users(_args: argparse.Namespace) -> int:
    """Recount in every database; one that fails is named and the others still recounted."""
    from core_app import create_app
    from core_app.housekeeping import config_problems, database_name, databases
    from core_app.storage import transaction
    from core_app.users.store import recount_users

    core = create_app({"housekeeping_interval_s": 0}).extensions["supertokens_core"]
    for problem in config_problems(core):
        print(f"supertokens-core: {problem}", file=sys.stderr)
    uris = databases(core)
    failed = 0
    for uri in uris:
        try:
            with transaction(core.storage) as unit:
                recount_users(unit.connection(uri))
        except Exception as error:  # noqa: BLE001 - the other databases are still recounted
            failed += 1
            print(
                f"supertokens-core: recount failed for database {database_name(uri)}: "
                f"{type(error).__name__}",
                file=sys.stderr,
            )
    print(f"recounted users in {len(uris) - failed} database(s)")
    core.storage.dispose()
    return 1 if failed else 0


def _migrate(args: argparse.Namespace) -> int:
    """Upgrade (or with --check, inspect) every database; one line per database."""
    from sqlalchemy.engine import make_url

    from core_app import create_app
    from core_app.housekeeping import databases

    core = create_app({"housekeeping_interval_s": 0}, prepare_schema=False).extensions[
        "supertokens_core"
    ]
    behind = failed = 0
    try:
        # The base database first: it lists the apps and tenants, and their own databases.
        uris = [core.storage.base_uri]
        base = core.storage.schema_status()
        if not base.fresh:
            uris = databases(core)
        for uri in uris:
            shown = make_url(uri).render_as_string(hide_password=True)
            try:
                if args.check:
                    status = core.storage.schema_status(uri)
                    behind += status.behind
                    line = (
                        f"behind, pending: {', '.join(status.pending)}"
                        if status.behind
                        else "current"
                    )
                else:
                    applied = core.storage.migrate(uri)
                    line = f"upgraded through {', '.join(applied)}" if applied else "current"
            except (ConfigError, SQLAlchemyError) as error:
                failed += 1
                line = f"error: {error}"
            print(f"{shown}: {line}")
    finally:
        core.storage.dispose()
    return 1 if behind or failed else 0


def _recipes(args: argparse.Namespace) -> int:
    """List the installed recipes; exit 1 when an enabled one cannot be described."""
    import json
    import os

    from core_app.recipe_catalog import configured_recipes, installed_recipes

    enabled = configured_recipes(os.environ)
    recipes = installed_recipes(enabled)
    installed = {recipe.name for recipe in recipes}
    unknown = [name for name in enabled or () if name not in installed]
    if unknown:
        raise ConfigError(
            f"recipe '{unknown[0]}' in 'recipes' is not installed; installed "
            f"recipes: {', '.join(sorted(installed)) or 'none'}"
        )
    if args.json:
        print(
            json.dumps(
                {
                    "recipes": [
                        {
                            "name": recipe.name,
                            "distribution": recipe.distribution,
                            "version": recipe.version,
                            "enabled": recipe.enabled,
                            "error": recipe.failure,
                            "config_keys": [
                                {"name": key.name, "default": key.default, "scope": key.scope.value}
                                for key in recipe.config_keys
                            ],
                        }
                        for recipe in recipes
                    ]
                },
                indent=2,
                default=str,
            )
        )
    else:
        _print_recipes(recipes)
    return 1 if any(recipe.enabled and recipe.failure for recipe in recipes) else 0


def _print_recipes(recipes: list[InstalledRecipe]) -> None:
    """One aligned line per recipe, then one indented line per config key."""
    header = ("RECIPE", "DISTRIBUTION", "VERSION", "ENABLED")
    rows = [
        (
            recipe.name,
            recipe.distribution or "-",
            recipe.version or "-",
            "yes" if recipe.enabled else "no",
        )
        for recipe in recipes
    ]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(3)]
    keys = [key for recipe in recipes for key in recipe.config_keys]
    key_width = max((len(key.name) for key in keys), default=0)
    default_width = max((len(f"default: {_shown(key.default)}") for key in keys), default=0)

    def line(cells: tuple[str, ...], cell_widths: list[int]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, cell_widths)).rstrip()

    print(line(header, [*widths, 0]))
    for recipe, row in zip(recipes, rows):
        print(line(row, [*widths, 0]))
        if recipe.failure is not None:
            print(f"    could not be loaded: {recipe.failure}")
        for key in recipe.config_keys:
            print(
                "    "
                + line(
                    (key.name, f"default: {_shown(key.default)}", f"scope: {key.scope.value}"),
                    [key_width, default_width, 0],
                )
            )


def _shown(value: Any) -> str:
    """A default as it would be written in config.yaml."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _new_recipe(args: argparse.Namespace) -> int:
    """Write a new recipe distribution; exit 2 for a name or directory it refuses."""
    from core_app.recipe_template import RecipeTemplateError, write_recipe

    try:
        root = write_recipe(args.name, args.directory)
    except RecipeTemplateError as error:
        print(f"supertokens-core: new-recipe: {error}", file=sys.stderr)
        return 2
    print(
        f"wrote the recipe distribution {root}; next: pip install -e '{root}[test]', then "
        f"pytest {root}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``supertokens-core`` command."""
    parser = argparse.ArgumentParser(
        prog="supertokens-core", description="SuperTokens-compatible authentication core"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "start", help="serve the core under gunicorn (config: host, port, workers)"
    ).set_defaults(run=_start)
    commands.add_parser(
        "cleanup", help="remove expired sessions, tokens, codes and retired keys now (for cron)"
    ).set_defaults(run=_cleanup)
    commands.add_parser(
        "recount-users",
        help="rebuild the kept user counts from the user "
        "index, after rows were loaded into it "
        "directly",
    ).set_defaults(run=_recount_users)
    migrate = commands.add_parser(
        "migrate",
        help="upgrade the schema of every database the core uses (the base one and "
        "each app's or tenant's own) to this version's",
    )
    migrate.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 when a database is behind"
    )
    migrate.set_defaults(run=_migrate)
    recipes = commands.add_parser(
        "recipes",
        help="list the installed recipes: distribution, version, whether the config "
        "enables them, their config keys (exit 1 when an enabled one cannot "
        "be loaded)",
    )
    recipes.add_argument("--json", action="store_true", help="print JSON instead of text")
    recipes.set_defaults(run=_recipes)
    new_recipe = commands.add_parser(
        "new-recipe", help="write a new recipe distribution to start from (docs/recipes.md)"
    )
    new_recipe.add_argument(
        "name",
        help="the recipe's package, entry point and id: lower-case letters, digits and underscores",
    )
    new_recipe.add_argument(
        "--directory", default=".", help="where to write NAME/ (default: the current directory)"
    )
    new_recipe.set_defaults(run=_new_recipe)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except ConfigError as error:
        print(f"supertokens-core: config error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
