"""connection_pool_size and minimum_idle_connections (upstream's postgresql_* / mysql_* pool
keys) bound each database's pool; the apps and tenants of one database must agree on them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy
from sqlalchemy.engine import make_url

from core_app import create_app
from core_app.config import ConfigError
from core_app.tenant_prefix import DEFAULT_CONNECTION_URI_DOMAIN, TenantIdentifier
from core_app.testing.apps import new_id
from core_app.testing.core_process import CoreProcess
from core_app.testing.databases import MYSQL_ADMIN_URL, POSTGRES_ADMIN_URL, server_database

SESSION = {
    "userId": "pool-user",
    "enableAntiCsrf": False,
    "userDataInJWT": {},
    "userDataInDatabase": {},
}


@pytest.fixture
def own_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second database on the same server (or directory) as the run's database."""
    kind = make_url(database_url).get_backend_name()
    if kind == "sqlite":
        yield f"sqlite:///{Path(make_url(database_url).database).parent / (new_id() + '.db')}"
    else:
        admin = POSTGRES_ADMIN_URL if kind == "postgresql" else MYSQL_ADMIN_URL
        yield from server_database(admin, kind)


def _limits(engine: sqlalchemy.Engine) -> tuple[int, int]:
    """(connections kept idle, connections at most) of an engine's pool."""
    return engine.pool.size(), engine.pool.size() + engine.pool._max_overflow


def test_the_base_pool_follows_the_config(make_app):
    storage = (
        make_app(connection_pool_size=4, minimum_idle_connections=1)
        .extensions["supertokens_core"]
        .storage
    )
    assert _limits(storage.engine()) == (1, 4)


def test_upstream_names_set_the_pool_size(make_app):
    storage = make_app(postgresql_connection_pool_size=3).extensions["supertokens_core"].storage
    assert _limits(storage.engine()) == (3, 3)
    storage = make_app(mysql_connection_pool_size=2).extensions["supertokens_core"].storage
    assert _limits(storage.engine()) == (2, 2)


def test_a_pool_of_one_would_wait_for_itself_and_stops_the_start(
    database_url, isolated_environment
):
    with pytest.raises(ConfigError, match="'connection_pool_size' must be >= 2"):
        create_app({"connection_uri": database_url, "postgresql_connection_pool_size": 1})


def test_the_default_is_upstreams_ten(make_app):
    assert _limits(make_app().extensions["supertokens_core"].storage.engine()) == (10, 10)


def test_more_idle_connections_than_the_pool_stop_the_start(database_url, isolated_environment):
    with pytest.raises(
        ConfigError,
        match="'minimum_idle_connections' must be less than or equal to 'connection_pool_size'",
    ):
        create_app(
            {
                "connection_uri": database_url,
                "connection_pool_size": 2,
                "minimum_idle_connections": 3,
            }
        )


def test_a_tenants_own_database_gets_the_tenants_pool(make_app, own_database_url):
    app = make_app()  # the policy allows the base database's server / directory
    client = app.test_client()
    app_id = new_id()
    assert client.put("/recipe/multitenancy/app/v2", json={"appId": app_id}).status_code == 200
    created = client.put(
        f"/appid-{app_id}/recipe/multitenancy/tenant/v2",
        json={
            "tenantId": "t1",
            "coreConfig": {
                "connection_uri": own_database_url,
                "postgresql_connection_pool_size": 3,
            },
        },
    )
    assert created.json["status"] == "OK", created.text
    answer = client.post(f"/appid-{app_id}/t1/recipe/session", json=SESSION)
    assert answer.status_code == 200, answer.text
    storage = app.extensions["supertokens_core"].storage
    own_uri = app.extensions["supertokens_core"].directory.connection_uri(
        TenantIdentifier(DEFAULT_CONNECTION_URI_DOMAIN, app_id, "t1")
    )
    assert _limits(storage.engine(own_uri)) == (3, 3)
    assert _limits(storage.engine()) == (10, 10)

    # A second tenant on that database must use the same pool size.
    clash = client.put(
        f"/appid-{app_id}/recipe/multitenancy/tenant/v2",
        json={
            "tenantId": "t2",
            "coreConfig": {"connection_uri": own_database_url, "connection_pool_size": 5},
        },
    )
    assert clash.status_code == 400
    assert clash.text.startswith(
        "Invalid core config: You cannot set different values for "
        "connection_pool_size for the same database:"
    ), clash.text
    agree = client.put(
        f"/appid-{app_id}/recipe/multitenancy/tenant/v2",
        json={
            "tenantId": "t2",
            "coreConfig": {"connection_uri": own_database_url, "connection_pool_size": 3},
        },
    )
    assert agree.json["status"] == "OK", agree.text
    # No tenant of the shared database may keep a database that is dropped after this test.
    for tenant_id in ("t1", "t2"):
        client.post(
            f"/appid-{app_id}/recipe/multitenancy/tenant/remove", json={"tenantId": tenant_id}
        )
    assert (
        client.post("/recipe/multitenancy/app/remove", json={"appId": app_id}).json["didExist"]
        is True
    )


def test_a_tenant_on_the_base_database_cannot_change_its_pool(make_app):
    client = make_app().test_client()
    app_id = new_id()
    answer = client.put(
        "/recipe/multitenancy/app/v2",
        json={"appId": app_id, "coreConfig": {"connection_pool_size": 20}},
    )
    assert answer.status_code == 400
    assert (
        "You cannot set different values for connection_pool_size for the same database: "
        "the core's config has 10" in answer.text
    )
    same = client.put(
        "/recipe/multitenancy/app/v2",
        json={"appId": app_id, "coreConfig": {"connection_pool_size": 10}},
    )
    assert same.json["status"] == "OK", same.text


def _server_connections(admin_url: str, databases: list[str]) -> int:
    """Connections the server has open to these databases right now."""
    url = make_url(admin_url)
    admin = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    try:
        with admin.connect() as conn:
            if url.get_backend_name() == "postgresql":
                return conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = ANY(%(names)s)",
                    {"names": databases},
                ).scalar_one()
            return conn.execute(
                sqlalchemy.text(
                    "SELECT count(*) FROM information_schema.processlist WHERE db IN :names"
                ).bindparams(sqlalchemy.bindparam("names", expanding=True)),
                {"names": databases},
            ).scalar_one()
    finally:
        admin.dispose()


WORKERS = 2
# A request may hold two connections to one database at once (its transaction and a read
# of tenant configs), so 2 is the smallest pool that never waits on itself.
POOL_SIZE = 2


def test_a_gunicorn_core_opens_at_most_workers_x_databases_x_pool(
    database_url, own_database_url, tmp_path
):
    """2 sync workers, pool size 2, one tenant in its own database, 16 clients at once on
    both databases: never more than 2 x 2 x 2 = 8 connections, and every request served."""
    kind = make_url(database_url).get_backend_name()
    if kind == "sqlite":
        pytest.skip("SQLite has no server to count connections on")
    admin_url = POSTGRES_ADMIN_URL if kind == "postgresql" else MYSQL_ADMIN_URL
    databases = [make_url(database_url).database, make_url(own_database_url).database]
    env = {
        "SUPERTOKENS_CONNECTION_URI": database_url,
        "SUPERTOKENS_CONNECTION_POOL_SIZE": str(POOL_SIZE),
        "SUPERTOKENS_HOUSEKEEPING_INTERVAL_S": "0",
    }
    with CoreProcess(tmp_path, env, workers=WORKERS) as core:
        app_id = new_id()
        assert (
            requests.put(
                core.url + "/recipe/multitenancy/app/v2", json={"appId": app_id}, timeout=10
            ).status_code
            == 200
        )
        created = requests.put(
            core.url + f"/appid-{app_id}/recipe/multitenancy/tenant/v2",
            json={"tenantId": "own", "coreConfig": {"connection_uri": own_database_url}},
            timeout=10,
        )
        assert created.json()["status"] == "OK", created.text
        peak = 0
        stop = threading.Event()

        def load(path: str) -> None:
            with requests.Session() as http:
                while not stop.is_set():
                    answer = http.post(core.url + path, json=SESSION, timeout=30)
                    assert answer.status_code == 200, answer.text

        clients = [
            threading.Thread(target=load, args=(path,), daemon=True)
            for path in ["/public/recipe/session", f"/appid-{app_id}/own/recipe/session"]
            for _ in range(8)
        ]
        for client in clients:
            client.start()
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            peak = max(peak, _server_connections(admin_url, databases))
            time.sleep(0.05)
        stop.set()
        for client in clients:
            client.join(timeout=30)
        requests.post(
            core.url + f"/appid-{app_id}/recipe/multitenancy/tenant/remove",
            json={"tenantId": "own"},
            timeout=10,
        )
        requests.post(
            core.url + "/recipe/multitenancy/app/remove", json={"appId": app_id}, timeout=10
        )
    print(f"peak connections on {kind}: {peak}")
    assert 0 < peak <= WORKERS * len(databases) * POOL_SIZE
