"""/health/live and /health/ready: the probes of a load balancer (README "Operating it")."""

from __future__ import annotations

import contextlib
import time

import pytest
import sqlalchemy
from sqlalchemy.engine import make_url

from core_app import health
from core_app.testing.apps import new_id
from core_app.testing.databases import admin_url, server_database

API_KEY = "health-probe-test-key-0123456789"
# Accepted by the local PostgreSQL (trust) and never to be shown by readiness.
PASSWORD = "do-not-show-this-password"


@pytest.fixture
def make_core(fresh_database_url, isolated_environment):
    """Cores on a database of this test alone: readiness lists every database the core
    knows, and apps other tests leave in the shared one would count."""
    from core_app import create_app

    built = []

    def build(**config):
        app = create_app(
            {"connection_uri": fresh_database_url, "housekeeping_interval_s": 0, **config}
        )
        built.append(app)
        return app

    yield build
    for app in built:
        app.extensions["supertokens_core"].storage.dispose()


def _ready(client):
    # Readiness reuses an answer for READY_ANSWER_TTL_S: wait it out to see a change.
    time.sleep(health.READY_ANSWER_TTL_S + 0.05)
    return client.get("/health/ready")


def test_live_answers_without_key_or_database(make_core):
    client = make_core(api_keys=API_KEY).test_client()
    answer = client.get("/health/live")
    assert answer.status_code == 200
    assert answer.json == {"status": "OK"}
    assert client.head("/health/live").status_code == 200  # some load balancers probe so
    # Not an API of an app or tenant.
    assert client.get("/appid-someapp/health/live").status_code == 404
    assert client.get("/t1/health/ready").status_code == 404
    # An api-key route still wants its key.
    assert client.get("/apiversion").status_code == 401


def test_ready_lists_the_base_database_without_a_key(make_core, fresh_database_url):
    client = make_core(api_keys=API_KEY).test_client()
    answer = client.get("/health/ready")
    assert answer.status_code == 200, answer.text
    assert answer.json == {
        "status": "OK",
        "databases": [
            {
                "name": make_url(fresh_database_url).render_as_string(hide_password=True),
                "status": "OK",
            }
        ],
    }


def test_ready_ignores_the_ip_filter_of_the_base_app(make_core):
    client = make_core(ip_allow_regex=r"10\.0\.0\.1").test_client()
    assert client.get("/hello", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 403
    assert client.get("/health/ready", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200


@contextlib.contextmanager
def _own_database(kind: str, tmp_path):
    """A database for a tenant of its own, on the kind's server (or an SQLite file)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'tenant.db'}"
        return
    with contextlib.contextmanager(server_database)(admin_url(kind), kind) as url:
        yield url


def _kind(database_url: str) -> str:
    return make_url(database_url).get_backend_name()


def _run_admin(database_url: str, statement: str) -> None:
    engine = sqlalchemy.create_engine(
        database_url, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool
    )
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def test_ready_fails_while_a_tenant_database_is_down_and_recovers(
    make_core, fresh_database_url, tmp_path
):
    database_url = fresh_database_url
    kind = _kind(database_url)
    app = make_core(database_sqlite_dir=str(tmp_path))
    client = app.test_client()
    with _own_database(kind, tmp_path) as own_uri:
        if kind == "postgresql":
            own_uri = make_url(own_uri).set(password=PASSWORD).render_as_string(False)
        app_id = new_id()
        assert client.put("/recipe/multitenancy/app/v2", json={"appId": app_id}).status_code == 200
        created = client.put(
            f"/appid-{app_id}/recipe/multitenancy/tenant/v2",
            json={"tenantId": "t1", "coreConfig": {"connection_uri": own_uri}},
        )
        assert created.status_code == 200, created.text
        shown = make_url(own_uri).render_as_string(hide_password=True)

        answer = _ready(client)
        assert answer.status_code == 200, answer.text
        assert {"name": shown, "status": "OK"} in answer.json["databases"]
        assert PASSWORD not in answer.text

        # Its schema falls behind (a newer core's migration not run yet).
        _run_admin(
            own_uri,
            "UPDATE alembic_version SET version_num = 'host_0002' WHERE version_num = 'host_0003'",
        )

        answer = _ready(client)
        assert answer.status_code == 503, answer.text
        assert answer.json["status"] == "NOT_READY"
        by_name = {entry["name"]: entry for entry in answer.json["databases"]}
        assert by_name[shown]["status"] == "ERROR"
        assert by_name[shown]["error"] == (
            "schema behind, pending: host_0003 (run supertokens-core migrate)"
        )
        base = make_url(database_url).render_as_string(hide_password=True)
        assert by_name[base] == {"name": base, "status": "OK"}
        assert PASSWORD not in answer.text

        # Migrated, it is ready again without a restart.
        _run_admin(
            own_uri,
            "UPDATE alembic_version SET version_num = 'host_0003' WHERE version_num = 'host_0002'",
        )
        answer = _ready(client)
        assert answer.status_code == 200, answer.text

        if kind == "postgresql":
            # Dropped under the core: that database fails, the base one still answers.
            name = make_url(own_uri).database
            _run_admin(admin_url(kind), f"DROP DATABASE {name} WITH (FORCE)")
            answer = _ready(client)
            assert answer.status_code == 503, answer.text
            by_name = {entry["name"]: entry for entry in answer.json["databases"]}
            assert by_name[shown]["error"] == "does not answer (OperationalError; see the log)"
            assert by_name[base]["status"] == "OK"
            _run_admin(admin_url(kind), f"CREATE DATABASE {name}")
            app.extensions["supertokens_core"].storage.migrate(own_uri)
            assert _ready(client).status_code == 200


def test_ready_fails_when_the_base_database_is_dropped(make_core, fresh_database_url):
    if _kind(fresh_database_url) != "postgresql":
        pytest.skip("a database dropped under a running core: shown on PostgreSQL")
    url = fresh_database_url
    app = make_core()
    client = app.test_client()
    assert client.get("/health/ready").status_code == 200
    name = make_url(url).database
    _run_admin(admin_url("postgresql"), f"DROP DATABASE {name} WITH (FORCE)")
    answer = _ready(client)
    assert answer.status_code == 503, answer.text
    assert answer.json == {
        "status": "NOT_READY",
        "databases": [
            {
                "name": make_url(url).render_as_string(hide_password=True),
                "status": "ERROR",
                "error": "does not answer (OperationalError; see the log)",
            }
        ],
    }
    # Liveness does not touch the database.
    assert client.get("/health/live").status_code == 200

    # Restored (here: made anew and migrated), it is ready again without a restart.
    _run_admin(admin_url("postgresql"), f"CREATE DATABASE {name}")
    app.extensions["supertokens_core"].storage.migrate(url)
    answer = _ready(client)
    assert answer.status_code == 200, answer.text
