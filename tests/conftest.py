"""Fixtures shared by every test: a fresh database per kind per run, the app, its client.

Storage-touching tests run on SQLite, PostgreSQL and MySQL. A server that cannot be
reached skips its tests with the reason, except under ``CI=true``, where it fails them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy
from sqlalchemy.engine import make_url

from core_app import create_app

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
MYSQL_ADMIN_URL = os.environ.get("TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/")
DATABASE_KINDS = ("sqlite", "postgresql", "mysql")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _unreachable(kind: str, error: Exception) -> None:
    message = f"{kind} server unreachable: {error}"
    if IN_CI:
        pytest.fail(message + " (CI=true: a database that cannot be reached is a failure)")
    pytest.skip(message)


def _server_database(admin_url: str, kind: str) -> Iterator[str]:
    name = f"st_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT",
                                     poolclass=sqlalchemy.pool.NullPool)
    try:
        with admin.connect() as conn:
            if kind == "mysql":
                conn.exec_driver_sql(
                    f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
            else:
                conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except sqlalchemy.exc.OperationalError as error:
        _unreachable(kind, error)
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            if kind == "mysql":
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            else:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


@pytest.fixture(scope="session", params=DATABASE_KINDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[str]:
    """A database made for this test run, removed after it: one per kind."""
    kind = request.param
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'core.db'}"
    elif kind == "postgresql":
        yield from _server_database(POSTGRES_ADMIN_URL, kind)
    else:
        yield from _server_database(MYSQL_ADMIN_URL, kind)


@pytest.fixture
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """No config file and no configuration variables leak in from the machine."""
    for name in list(os.environ):
        if name.startswith("SUPERTOKENS_") or name in ("API_KEYS", "LOG_LEVEL", "BASE_PATH"):
            monkeypatch.delenv(name, raising=False)
    empty = tmp_path / "config.yaml"
    empty.write_text("")
    monkeypatch.setenv("SUPERTOKENS_CONFIG", str(empty))


@pytest.fixture
def make_app(database_url: str, isolated_environment: None):
    """Build a core on the run's database with extra config; disposed after the test."""
    built = []

    def build(**config):
        app = create_app({"connection_uri": database_url, **config})
        built.append(app)
        return app

    yield build
    for app in built:
        app.extensions["supertokens_core"].storage.dispose()


@pytest.fixture
def app(make_app):
    """The core with default configuration."""
    return make_app()


@pytest.fixture
def client(app):
    """Flask's test client of ``app``."""
    return app.test_client()



@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The clock of the throttle counters (core_app.throttling), as a one-item list the test
    moves forward."""
    from core_app import throttling

    now = [throttling.now_ms()]
    monkeypatch.setattr(throttling, "now_ms", lambda: now[0])
    return now


@pytest.fixture
def running_core(database_url: str, tmp_path) -> Iterator[str]:
    """The core under a real gunicorn (2 workers) on a free port; yields its base URL."""
    from tests.gunicorn_process import CoreProcess

    with CoreProcess(tmp_path, {"SUPERTOKENS_CONNECTION_URI": database_url}) as core:
        yield core.url
