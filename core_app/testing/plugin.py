"""The pytest plugin ``supertokens_core``: fixtures for tests of the core and of recipes.

Registered through the ``pytest11`` entry point, so every pytest run in an environment
where the core is installed has these fixtures and the ``--st-databases`` option:

- ``database_url`` (session): a database made for the run, one per kind (SQLite,
  PostgreSQL, MySQL); tests that use it run once per kind;
- ``isolated_environment``: no config file or configuration variable leaks in;
- ``make_app(**config)``, ``app``: the core (``create_app``) on ``database_url``;
- ``client``: a test client of ``app`` that sends ``cdi-version`` (and the api key);
- ``start_core(...)``, ``running_core``: the core under gunicorn, for SDK tests.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from core_app import create_app
from core_app.testing.client import CoreTestClient, core_test_client
from core_app.testing.databases import (
    DATABASE_KINDS,
    DATABASES_ENV,
    admin_url,
    parse_kinds,
    server_database,
)

DATABASE_FIXTURE = "database_url"
FRESH_DATABASE_FIXTURE = "fresh_database_url"
_SELECTED_KINDS = pytest.StashKey[tuple[str, ...]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--st-databases=sqlite,postgresql``: the kinds ``database_url`` runs on."""
    parser.getgroup("supertokens_core").addoption(
        "--st-databases",
        dest="st_databases",
        default=None,
        metavar="KINDS",
        help=f"comma-separated database kinds the tests of database_url run on, of "
        f"{','.join(DATABASE_KINDS)} (default: ${DATABASES_ENV}, else all)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Read the database kinds of the run: the option, else the environment, else all."""
    names = config.getoption("st_databases") or os.environ.get(DATABASES_ENV) or ""
    try:
        config.stash[_SELECTED_KINDS] = parse_kinds(names) if names else DATABASE_KINDS
    except ValueError as error:
        raise pytest.UsageError(f"--st-databases / {DATABASES_ENV}: {error}") from None


def pytest_report_header(config: pytest.Config) -> str:
    """Say which database kinds the run uses."""
    return f"supertokens_core databases: {', '.join(selected_database_kinds(config))}"


def selected_database_kinds(config: pytest.Config) -> tuple[str, ...]:
    """The database kinds this run's ``database_url`` takes, in ``DATABASE_KINDS`` order."""
    return config.stash.get(_SELECTED_KINDS, DATABASE_KINDS)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that needs ``database_url`` or ``fresh_database_url`` once per
    selected database kind (both of one kind when a test takes both)."""
    wanted = [
        name for name in (DATABASE_FIXTURE, FRESH_DATABASE_FIXTURE) if name in metafunc.fixturenames
    ]
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0] if marker.args else marker.kwargs.get("argnames", ())
        if isinstance(names, str):
            names = [name.strip() for name in names.split(",")]
        wanted = [name for name in wanted if name not in names]  # the test names its own
    if not wanted:
        return
    kinds = selected_database_kinds(metafunc.config)
    if len(wanted) == 1:
        scope = "session" if wanted[0] == DATABASE_FIXTURE else "function"
        metafunc.parametrize(wanted[0], kinds, indirect=True, scope=scope)
    else:
        metafunc.parametrize(wanted, [(kind, kind) for kind in kinds], indirect=True, ids=kinds)


@pytest.fixture(scope="session")
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database made for this test run, removed after it: one per kind.

    SQLite is a file in a temporary directory; PostgreSQL and MySQL get a database created
    on the server of ``TEST_POSTGRES_URL`` / ``TEST_MYSQL_URL`` (local defaults) and dropped
    at the end of the run. An unreachable server skips the test, or fails it when
    ``CI=true``. ``--st-databases`` or ``ST_TEST_DATABASES`` pick the kinds.
    """
    kind = getattr(request, "param", None)
    if kind is None:
        raise pytest.UsageError(
            "database_url has no kind: request it as a fixture argument, so the "
            "supertokens_core plugin can run the test once per database kind"
        )
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'core.db'}"
    else:
        yield from server_database(admin_url(kind), kind)


@pytest.fixture
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database for this test alone, removed after it: one per kind, like
    ``database_url``. For tests that look at every database a core knows (migrations, the
    CLI), where what other tests left in a shared one would count."""
    kind = request.param
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        yield from server_database(admin_url(kind), kind)


@pytest.fixture
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No config file and no configuration variables leak in from the machine.

    Removes ``SUPERTOKENS_*``, ``API_KEYS``, ``LOG_LEVEL`` and ``BASE_PATH`` from the
    environment and points ``SUPERTOKENS_CONFIG`` at an empty file.
    """
    for name in list(os.environ):
        if name.startswith("SUPERTOKENS_") or name in ("API_KEYS", "LOG_LEVEL", "BASE_PATH"):
            monkeypatch.delenv(name, raising=False)
    empty = tmp_path / "config.yaml"
    empty.write_text("")
    monkeypatch.setenv("SUPERTOKENS_CONFIG", str(empty))


@pytest.fixture
def make_app(database_url: str, isolated_environment: None) -> Iterator[Callable[..., Flask]]:
    """Build a core on the run's database with extra config; disposed after the test.

    ``make_app(**config)`` takes any configuration key, e.g. ``api_keys="..."``, or
    ``recipes=["session", "my_recipe"]`` to enable only those recipes (entry-point names of
    the ``supertokens_core.recipes`` group; the routes of the others answer 404).
    """
    built = []

    def build(**config: Any) -> Flask:
        app = create_app({"connection_uri": database_url, **config})
        built.append(app)
        return app

    yield build
    for app in built:
        app.extensions["supertokens_core"].storage.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The core with default configuration (every installed recipe enabled)."""
    return make_app()


@pytest.fixture
def client(app: Flask) -> CoreTestClient:
    """A Flask test client of ``app`` that sends the newest ``cdi-version`` header and the
    core's api key when it has one; ``.get``, ``.post``, ``.put`` return the response.

    For another app or other defaults: ``core_app.testing.client.core_test_client``.
    """
    return core_test_client(app)


@pytest.fixture
def start_core(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Start cores under gunicorn on free ports; each is stopped after the test.

    ``start_core(env=None, config=None, recipes=None, workers=2)`` returns the started
    ``core_app.testing.core_process.CoreProcess`` (``.url``, ``.output()``). The core uses
    ``database_url`` unless ``env`` sets ``SUPERTOKENS_CONNECTION_URI``; ``config`` is its
    config file's keys; ``recipes`` the recipes to enable.
    """
    from core_app.testing.core_process import GUNICORN_WORKERS, CoreProcess

    started: list[CoreProcess] = []
    numbers = itertools.count(1)

    def start(
        env: Mapping[str, str] | None = None,
        config: Mapping[str, Any] | None = None,
        recipes: list[str] | None = None,
        workers: int = GUNICORN_WORKERS,
    ) -> CoreProcess:
        if recipes is not None:
            config = {**(config or {}), "recipes": list(recipes)}
        core = CoreProcess(
            tmp_path / f"core-{next(numbers)}",
            {"SUPERTOKENS_CONNECTION_URI": database_url, **(env or {})},
            workers=workers,
            config=config,
        )
        started.append(core.__enter__())
        return core

    try:
        yield start
    finally:
        for core in reversed(started):
            core.__exit__(None, None, None)


@pytest.fixture
def running_core(start_core: Callable[..., Any]) -> str:
    """The core under a real gunicorn (2 workers) on a free port; its base URL."""
    return start_core().url
