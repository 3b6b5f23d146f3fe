"""The database kinds tests run on, and a database made for a test run and dropped after.

A server that cannot be reached skips the tests that need it, with the reason, except under
``CI=true``, where it fails them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy.engine import make_url

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
MYSQL_ADMIN_URL = os.environ.get("TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/")
DATABASE_KINDS = ("sqlite", "postgresql", "mysql")
IN_CI = os.environ.get("CI", "").lower() == "true"
# Names the kinds a run uses, as ``--st-databases`` does: ``sqlite,postgresql``.
DATABASES_ENV = "ST_TEST_DATABASES"


def admin_url(kind: str) -> str:
    """The URL of the server of ``kind`` ("postgresql" or "mysql") the tests create in."""
    if kind == "postgresql":
        return POSTGRES_ADMIN_URL
    if kind == "mysql":
        return MYSQL_ADMIN_URL
    raise ValueError(f"{kind!r} has no server: one of postgresql, mysql")


def parse_kinds(names: str | Iterable[str]) -> tuple[str, ...]:
    """The kinds named (``"sqlite,mysql"`` or a list), in ``DATABASE_KINDS`` order.

    Raises ``ValueError`` for an unknown name or for none at all.
    """
    if isinstance(names, str):
        names = names.split(",")
    wanted = {name.strip().lower() for name in names if name.strip()}
    unknown = sorted(wanted - set(DATABASE_KINDS))
    if unknown:
        raise ValueError(
            f"unknown database kind(s) {', '.join(unknown)}: "
            f"choose from {', '.join(DATABASE_KINDS)}"
        )
    if not wanted:
        raise ValueError(f"no database kind named: choose from {', '.join(DATABASE_KINDS)}")
    return tuple(kind for kind in DATABASE_KINDS if kind in wanted)


def unreachable(kind: str, error: Exception) -> None:
    """Skip the test for a server that does not answer; fail it under ``CI=true``."""
    message = f"{kind} server unreachable: {error}"
    if IN_CI:
        pytest.fail(message + " (CI=true: a database that cannot be reached is a failure)")
    pytest.skip(message)


def server_database(admin: str, kind: str) -> Iterator[str]:
    """Create an empty database on the server at ``admin``, yield its URL, then drop it.

    A generator, to ``yield from`` in a fixture (or to wrap in ``contextlib.contextmanager``).
    MySQL databases compare text as bytes (``utf8mb4_bin``), as the core expects.
    """
    name = f"st_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = sqlalchemy.create_engine(
        admin, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool
    )
    try:
        with engine.connect() as conn:
            if kind == "mysql":
                conn.exec_driver_sql(
                    f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
                )
            else:
                conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except sqlalchemy.exc.OperationalError as error:
        unreachable(kind, error)
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            if kind == "mysql":
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            else:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        engine.dispose()


def schema_differences(app: Any, database_url: str, tables: Iterable[str] = ()) -> list[Any]:
    """What the database at ``database_url`` lacks or has otherwise than the tables the
    core ``app`` declares (Alembic's autogenerate comparison); ``[]`` when they agree.

    ``tables`` narrows the answer to the differences naming one of these tables, so that a
    recipe's test checks that its own migrations build its own declared tables.
    """
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = sqlalchemy.create_engine(database_url, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as connection:
            metadata = app.extensions["supertokens_core"].storage.metadata
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        engine.dispose()
    names = list(tables)
    return [d for d in differences if not names or any(name in repr(d) for name in names)]
