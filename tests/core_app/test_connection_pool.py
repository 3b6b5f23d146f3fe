"""Pooled connections that the database server dropped while idle (a restart, a proxy's
idle timeout) are replaced before a request uses them."""

from __future__ import annotations

import time

import pytest
import sqlalchemy
from sqlalchemy.engine import make_url

from core_app.storage import PING_AFTER_IDLE_S


def _drop_connections_to(database_url: str) -> int:
    """Make the server end every connection to the test database; how many it ended."""
    url = make_url(database_url)
    admin = sqlalchemy.create_engine(
        url, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool
    )
    try:
        with admin.connect() as conn:
            if url.get_backend_name() == "postgresql":
                return len(
                    conn.exec_driver_sql(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    ).all()
                )
            ids = [
                row[0]
                for row in conn.exec_driver_sql(
                    "SELECT id FROM information_schema.processlist "
                    "WHERE db = DATABASE() AND id <> CONNECTION_ID()"
                )
            ]
            for connection_id in ids:
                conn.exec_driver_sql(f"KILL {int(connection_id)}")
            return len(ids)
    finally:
        admin.dispose()


def test_requests_after_the_server_dropped_idle_connections(database_url, client):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has no server to drop connections")
    # A session row proves the request read the database, not only a cache.
    created = client.post(
        "/public/recipe/session",
        json={
            "userId": "pool-user",
            "enableAntiCsrf": False,
            "userDataInJWT": {},
            "userDataInDatabase": {},
        },
    ).json
    assert created["status"] == "OK"
    handle = created["session"]["handle"]

    assert _drop_connections_to(database_url) >= 1
    time.sleep(PING_AFTER_IDLE_S + 0.1)

    for _ in range(3):
        answer = client.get("/public/recipe/session", query_string={"sessionHandle": handle})
        assert answer.status_code == 200, answer.text
        assert answer.json["status"] == "OK"
        assert answer.json["userId"] == "pool-user"
