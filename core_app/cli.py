"""``supertokens-core``: run the core under gunicorn, and the operator's other commands.

The commands are argparse sub-commands: the standard library's parser is enough for a
handful of options, so the CLI adds no dependency (no click or typer).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import time
from typing import TYPE_CHECKING, Any, Callable

from sqlalchemy.exc import SQLAlchemyError

from core_app import logs
from core_app.config import ConfigError

if TYPE_CHECKING:
    from core_app.recipe_catalog import InstalledRecipe


log = logging.getLogger("core_app.cli")

# ``start`` options and the config keys they override (through the environment, so the
# gunicorn workers, which build the app again, see the same values).
START_OPTIONS = {"host": "host", "port": "port", "workers": "workers"}
CONFIG_FILE_VARIABLE = "SUPERTOKENS_CONFIG"


def _apply_start_options(args: argparse.Namespace) -> None:
    """``--config`` and the key options of ``start`` win over the config file and environment."""
    from core_app.config import ENV_PREFIX

    if args.config is not None:
        os.environ[CONFIG_FILE_VARIABLE] = args.config
    for option, key in START_OPTIONS.items():
        value = getattr(args, option)
        if value is not None:
            os.environ[ENV_PREFIX + key.upper()] = str(value)


def _start(args: argparse.Namespace) -> int:
    from gunicorn.app.wsgiapp import WSGIApplication

    from core_app import create_app
    from core_app.gunicorn_config import prepare_metrics_directory

    _apply_start_options(args)
    # Before the app below imports prometheus_client: the workers forked from this process
    # must count in the shared directory (core_app.gunicorn_config).
    prepare_metrics_directory()
    # Build once here so a bad config stops with its message before any worker starts.
    app = create_app()
    core = app.extensions["supertokens_core"]
    settings = core.settings
    core.storage.dispose()
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
    server = WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]", prog="supertokens-core start")
    _log_when_ready(server, core)
    server.run()
    return 0


def _log_when_ready(server: Any, core: Any) -> None:
    """Log the ready line (and the warning of a core without api keys) once gunicorn's
    master listens, after any ``when_ready`` hook a gunicorn config file set."""
    configured = server.cfg.when_ready

    def when_ready(arbiter: Any) -> None:
        configured(arbiter)
        # gunicorn's logconfig_dict has replaced the root logger's handlers in this (the
        # master) process: the core's lines need theirs back to be seen at all.
        logs.configure_logging(core.settings)
        log_ready(core, [str(listener) for listener in arbiter.LISTENERS])

    server.cfg.set("when_ready", when_ready)


def log_ready(core: Any, addresses: list[str]) -> None:
    """One INFO line saying where the core listens, on which database, with which recipes;
    a WARNING when no api key protects it."""
    from core_app.housekeeping import database_name

    settings = core.settings
    urls = ", ".join(f"{address}{settings.base_path}" for address in addresses)
    log.info(
        "supertokens-core ready: listening on %s, database %s, recipes: %s",
        urls,
        database_name(settings.connection_uri),
        ", ".join(recipe.id for recipe in core.recipes) or "none",
    )
    if not settings.api_keys:
        log.warning(
            "no api_keys are configured: anyone who can reach %s is the operator of every "
            "app and its database settings; set api_keys before exposing the core",
            urls,
        )


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
    if isinstance(value, (list, tuple)):
        return ",".join(_shown(item) for item in value)
    return str(value)


# Values ``config show`` never prints: keys named like a secret (``api_keys``, a hashing
# signer key); a connection URI is printed with its password hidden.
SECRET_KEY_NAME = re.compile(r"(^|_)(keys?|secrets?)$")
MASK = "****"


def _config_check(_args: argparse.Namespace) -> int:
    """Load the configuration as ``start`` would, connecting to no database; exit 1 with the
    error when the core would refuse it."""
    from core_app.config import config_file_path

    core = _load_core_or_report()
    if core is None:
        return 1
    path = config_file_path()
    source = f"{path} and the environment" if path.exists() else "the environment (no file)"
    print(f"config OK: defaults, then {source}")
    return 0


def _config_show(args: argparse.Namespace) -> int:
    """Print every key's effective value and where it came from, secrets masked."""
    import json

    core = _load_core_or_report()
    if core is None:
        return 1
    rows = config_sources(core.config_schema, core.settings, os.environ)
    if args.json:
        print(
            json.dumps(
                {"keys": [{"name": n, "value": v, "source": src} for n, v, src in rows]}, indent=2
            )
        )
        return 0
    name_width = max(len(name) for name, _, _ in rows)
    value_width = min(60, max(len(_shown(value)) for _, value, _ in rows))
    for name, value, source in rows:
        print(f"{name.ljust(name_width)}  {_shown(value).ljust(value_width)}  {source}")
    return 0


def _load_core_or_report() -> Any:
    """The core built as ``start`` builds it, with no database opened (schema untouched);
    None, with the reason on stderr, when ``start`` would refuse the configuration."""
    try:
        return _load_core()
    except ConfigError as error:
        reason = str(error)
    except (ValueError, SQLAlchemyError) as error:
        # A connection URI SQLAlchemy cannot read (no such driver, a port that is no number)
        reason = f"{type(error).__name__}: {error}"
    print(f"supertokens-core: config error: {reason}", file=sys.stderr)
    return None


def _load_core() -> Any:
    """The core built as ``start`` builds it, with no database opened (schema untouched)."""
    import contextlib

    from core_app import create_app

    # The core logs to stdout; what it logs while loading (warnings of the config) goes to
    # stderr here, so that stdout stays the command's answer (`config show --json | jq`).
    with contextlib.redirect_stdout(sys.stderr):
        core = create_app(prepare_schema=False).extensions["supertokens_core"]
    core.storage.dispose()
    return core


def config_sources(schema: Any, settings: Any, environ: Any) -> list[tuple[str, Any, str]]:
    """Each key of ``schema`` with its shown value and its source: ``default``,
    ``file <path>`` (under its name or an alias) or ``environment <VARIABLE>``."""
    from core_app.config import config_file_path, environment_variables, read_config_file

    path = config_file_path()
    in_file = {schema.canonical_name(name) for name in read_config_file(path)}
    rows = []
    for name, key in schema.keys.items():
        variable = next((v for v in environment_variables(key) if environ.get(v)), None)
        if variable is not None:
            source = f"environment {variable}"
        elif name in in_file:
            source = f"file {path}"
        else:
            source = "default"
        rows.append((name, _masked(name, settings[name]), source))
    return rows


def _masked(name: str, value: Any) -> Any:
    """A value as ``config show`` prints it: JSON-friendly, secrets masked."""
    from core_app.housekeeping import database_name

    if value is None:
        return None
    if SECRET_KEY_NAME.search(name):
        return MASK
    if isinstance(value, (tuple, list)):
        return [_masked(name, item) for item in value]
    if isinstance(value, (bool, int, float)):
        return value
    pattern = getattr(value, "pattern", None)  # an ip_*_regex (an RE2 program)
    text = pattern if isinstance(pattern, str) else str(value)
    if "://" in text:
        try:
            return database_name(text)
        except Exception:  # noqa: BLE001 - not a URL after all: shown masked, never raw
            return MASK
    return text


# hash-calibrate: measurements are bounded (at most 5 settings timed, each about a second or
# two hashes), so the command ends within half a minute even at the largest target.
CALIBRATION_MAX_TARGET_MS = 2000
# Each setting is timed this often and the fastest counts: on a shared machine other work
# only ever adds time. The iteration count is then corrected at most this often.
CALIBRATION_ROUNDS = 5
CALIBRATION_CORRECTIONS = 3
CALIBRATION_TOLERANCE = 0.15
ARGON2_OWASP_MEMORY_KB = 19456  # OWASP's argon2id minimum (and this core's default)
# Past 10 iterations (this core's cap on imported hashes) memory grows instead, up to the
# 128 MiB cap: more memory costs an attacker's hardware more than more passes do.
ARGON2_MAX_ITERATIONS = 10
ARGON2_MAX_MEMORY_KB = 131072
CALIBRATION_PASSWORD = "calibration password, never stored"


def _target_ms(text: str) -> int:
    value = int(text)
    if not 1 <= value <= CALIBRATION_MAX_TARGET_MS:
        raise argparse.ArgumentTypeError(f"must be 1..{CALIBRATION_MAX_TARGET_MS}")
    return value


def _fastest_ms(hash_once: Callable[[], Any]) -> float:
    """The fastest of a few hashes: ``CALIBRATION_ROUNDS``, or 2 for hashes over 0.5 s."""
    times: list[float] = []
    while len(times) < CALIBRATION_ROUNDS and (len(times) < 2 or sum(times) < 1000):
        started = time.perf_counter()
        hash_once()
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def _hash_calibrate(args: argparse.Namespace) -> int:
    """Time real hashes here and print the config lines closest to ``--target-ms``."""
    if args.algorithm == "bcrypt":
        lines, measured = _calibrate_bcrypt(args.target_ms)
    else:
        lines, measured = _calibrate_argon2(args.target_ms, args.parallelism)
    print(
        f"# {args.algorithm}: {measured:.0f} ms per hash measured on this machine "
        f"(target {args.target_ms} ms, one CPU core per sign-in or sign-up)"
    )
    for line in lines:
        print(line)
    return 0


def _calibrate_bcrypt(target_ms: int) -> tuple[list[str], float]:
    """bcrypt's cost doubles the time per step: time one cost, scale, check the choice."""
    import math

    import bcrypt

    probe = 8

    def timed(cost: int) -> float:
        salt = bcrypt.gensalt(cost)
        return _fastest_ms(lambda: bcrypt.hashpw(CALIBRATION_PASSWORD.encode(), salt))

    at_probe = timed(probe)
    rounds = probe + round(math.log2(max(target_ms, 0.01) / max(at_probe, 0.01)))
    rounds = min(max(rounds, 4), 31)
    measured = timed(rounds) if rounds != probe else at_probe
    return ["password_hashing_alg: BCRYPT", f"bcrypt_log_rounds: {rounds}"], measured


def _calibrate_argon2(target_ms: int, parallelism: int) -> tuple[list[str], float]:
    """argon2id at OWASP's 19 MiB: time grows linearly with iterations, so time 1 and 2,
    solve and correct; past 10 iterations, more memory; when even one iteration is too slow,
    less memory (with a warning)."""
    import argon2

    def timed(iterations: int, memory_kb: int) -> float:
        hasher = argon2.PasswordHasher(
            time_cost=iterations,
            memory_cost=memory_kb,
            parallelism=parallelism,
            type=argon2.Type.ID,
        )
        return _fastest_ms(lambda: hasher.hash(CALIBRATION_PASSWORD))

    memory_kb = max(ARGON2_OWASP_MEMORY_KB, 8 * parallelism)
    one = timed(1, memory_kb)
    lines = []
    if one > target_ms:
        # Memory sets the time of one pass: scale it down to the target.
        memory_kb = max(8 * parallelism, int(memory_kb * target_ms / one) // 1024 * 1024)
        lines.append(
            f"# warning: one pass over {ARGON2_OWASP_MEMORY_KB} KiB takes {one:.0f} ms here, "
            f"over the target: {memory_kb} KiB instead, below OWASP's minimum"
        )
        return lines + _argon2_lines(memory_kb, 1, parallelism), timed(1, memory_kb)
    iterations, measured = 2, timed(2, memory_kb)
    for _ in range(CALIBRATION_CORRECTIONS):
        if abs(measured - target_ms) <= CALIBRATION_TOLERANCE * target_ms:
            break
        # Time is about one + (iterations - 1) x the cost of an iteration.
        per_iteration = max((measured - one) / (iterations - 1), 0.01)
        chosen = 1 + round((target_ms - one) / per_iteration)
        chosen = min(max(chosen, 1), ARGON2_MAX_ITERATIONS)
        if chosen == iterations:
            break
        iterations, measured = chosen, timed(chosen, memory_kb) if chosen > 1 else one
        if iterations == 1:
            break
    if iterations == ARGON2_MAX_ITERATIONS and measured < (1 - CALIBRATION_TOLERANCE) * target_ms:
        # Time grows about linearly with memory too.
        memory_kb = min(ARGON2_MAX_MEMORY_KB, int(memory_kb * target_ms / measured) // 1024 * 1024)
        measured = timed(iterations, memory_kb)
    return lines + _argon2_lines(memory_kb, iterations, parallelism), measured


def _argon2_lines(memory_kb: int, iterations: int, parallelism: int) -> list[str]:
    return [
        "password_hashing_alg: ARGON2",
        f"argon2_memory_kb: {memory_kb}",
        f"argon2_iterations: {iterations}",
        f"argon2_parallelism: {parallelism}",
    ]


def _version() -> str:
    """The installed distribution's version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("supertokens-core-py")
    except PackageNotFoundError:
        return "unknown (not installed)"


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
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser(
        "start", help="serve the core under gunicorn (config: host, port, workers)"
    )
    start.add_argument(
        "--config",
        metavar="PATH",
        help="the config file (default: ./config.yaml or $SUPERTOKENS_CONFIG)",
    )
    start.add_argument("--host", help="override the config's host")
    start.add_argument("--port", type=int, help="override the config's port")
    start.add_argument("--workers", type=int, help="override the config's workers")
    start.set_defaults(run=_start)
    config = commands.add_parser(
        "config", help="show or check the configuration (file, environment, defaults)"
    )
    config_commands = config.add_subparsers(dest="config_command", required=True)
    show = config_commands.add_parser(
        "show", help="every key's value and its source (default, file, environment); secrets masked"
    )
    show.add_argument("--json", action="store_true", help="print JSON instead of text")
    show.set_defaults(run=_config_show)
    config_commands.add_parser(
        "check",
        help="load the configuration as start does, without opening a database; exit 1 with "
        "the error when it would be refused",
    ).set_defaults(run=_config_check)
    calibrate = commands.add_parser(
        "hash-calibrate",
        help="time password hashes on this machine and print the config lines that take "
        "about --target-ms per hash",
    )
    calibrate.add_argument("--algorithm", choices=("argon2", "bcrypt"), default="argon2")
    calibrate.add_argument(
        "--target-ms",
        type=_target_ms,
        required=True,
        help=f"time one hash should take, 1..{CALIBRATION_MAX_TARGET_MS} ms",
    )
    calibrate.add_argument(
        "--parallelism",
        type=int,
        default=1,
        choices=range(1, 17),
        metavar="1..16",
        help="argon2 lanes (default 1, this core's default argon2_parallelism)",
    )
    calibrate.set_defaults(run=_hash_calibrate)
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
