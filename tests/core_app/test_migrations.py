"""Schema migrations (core_app/migrations): fresh databases, the previous release's, the CLI.

A database of the previous release (before the kept user counts, the group index with
``tenant_id`` and the throttle counters) is made here by filling a current database
through the API and then running the host's own downgrades to ``host_0001`` and dropping
``alembic_version``: that leaves the tables, indexes and rows the previous release's
``create_all`` made (its rows had the same shape; only the new tables were missing). The
test checks that shape before upgrading, so a downgrade that left anything behind would
fail it. Checking out the previous release's code instead would tie the test to the git
history and to that release's dependencies.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
import requests
import sqlalchemy
from sqlalchemy.engine import make_url

from core_app import cli, create_app
from core_app.migrations import SchemaBehind
from core_app.testing.apps import new_id
from core_app.testing.databases import (
    MYSQL_ADMIN_URL,
    POSTGRES_ADMIN_URL,
    schema_differences,
    server_database,
)

PREVIOUS_RELEASE_HOST_REVISION = "host_0001"
TABLES_ADDED_SINCE = {"tenant_user_counts", "app_user_counts", "throttle_counters"}
GROUP_INDEX = "all_auth_recipe_users_primary_index"
CHEAP_HASH = {"argon2_memory_kb": 8, "argon2_iterations": 1}
SECRET = "not-to-be-printed"


@pytest.fixture
def build(fresh_database_url: str, isolated_environment: None) -> Iterator:
    """Build cores on ``fresh_database_url``; each is disposed after the test."""
    built = []

    def make(**config):
        app = create_app(
            {
                "connection_uri": fresh_database_url,
                "housekeeping_interval_s": 0,
                **CHEAP_HASH,
                **config,
            }
        )
        built.append(app)
        return app

    make.built = built
    yield make
    for app in built:
        app.extensions["supertokens_core"].storage.dispose()


def _engine(url: str) -> sqlalchemy.Engine:
    return sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)


def test_fresh_database_reaches_every_head_and_matches_the_table_definitions(
    build, fresh_database_url
):
    app = build()
    core = app.extensions["supertokens_core"]
    status = core.storage.schema_status()
    assert not status.behind
    assert set(status.current) == set(core.storage.history.heads())
    assert "host_0003" in status.current and "session_0001" in status.current

    assert schema_differences(app, fresh_database_url) == []


def _previous_release(app, url: str) -> None:
    """Turn the current database of ``app`` into what the previous release made."""
    history = app.extensions["supertokens_core"].storage.history
    engine = _engine(url)
    with engine.connect() as connection:
        connection.execute(sqlalchemy.text("SELECT 1"))  # begins: the downgrade runs inside
        history._run(
            connection,
            lambda heads: history.script._downgrade_revs(
                PREVIOUS_RELEASE_HOST_REVISION, [head for head in heads if head.startswith("host")]
            ),
        )
        connection.execute(sqlalchemy.text("DROP TABLE alembic_version"))
        connection.commit()
        inspector = sqlalchemy.inspect(connection)
        assert not TABLES_ADDED_SINCE & set(inspector.get_table_names())
        group_index = next(
            index
            for index in inspector.get_indexes("all_auth_recipe_users")
            if index["name"] == GROUP_INDEX
        )
        assert group_index["column_names"] == ["app_id", "primary_or_recipe_user_id"]
    engine.dispose()


def _fill(app, core_config: dict | None = None) -> dict:
    """An app with two tenants, three users and a session, through the API."""
    client = app.test_client()
    app_id = new_id()
    assert (
        client.put(
            "/recipe/multitenancy/app/v2", json={"appId": app_id, "coreConfig": core_config or {}}
        ).json["status"]
        == "OK"
    )
    assert (
        client.put(f"/appid-{app_id}/recipe/multitenancy/tenant/v2", json={"tenantId": "t1"}).json[
            "status"
        ]
        == "OK"
    )
    users = {}
    for email, tenant in (
        ("one@example.com", "public"),
        ("two@example.com", "public"),
        ("three@example.com", "t1"),
    ):
        answer = client.post(
            f"/appid-{app_id}/{tenant}/recipe/signup",
            json={"email": email, "password": "secret-123"},
        ).json
        assert answer["status"] == "OK"
        users[email] = answer["user"]["id"]
    session = client.post(
        f"/appid-{app_id}/recipe/session",
        json={
            "userId": users["one@example.com"],
            "userDataInJWT": {},
            "userDataInDatabase": {},
            "enableAntiCsrf": False,
            "useDynamicSigningKey": False,
        },
    ).json
    assert session["status"] == "OK"
    return {"app_id": app_id, "users": users, "session": session}


def _check_kept(app, filled: dict) -> None:
    client = app.test_client()
    app_id = filled["app_id"]

    def count(tenant: str = "public", **query: str) -> int:
        return client.get(f"/appid-{app_id}/{tenant}/users/count", query_string=query).json["count"]

    assert (count(), count("t1"), count(includeAllTenants="true")) == (2, 1, 3)
    signed_in = client.post(
        f"/appid-{app_id}/t1/recipe/signin",
        json={"email": "three@example.com", "password": "secret-123"},
    ).json
    assert signed_in["user"]["id"] == filled["users"]["three@example.com"]
    handle = filled["session"]["session"]["handle"]
    assert (
        client.get(f"/appid-{app_id}/recipe/session", query_string={"sessionHandle": handle}).json[
            "status"
        ]
        == "OK"
    )
    refreshed = client.post(
        f"/appid-{app_id}/recipe/session/refresh",
        json={
            "refreshToken": filled["session"]["refreshToken"]["token"],
            "enableAntiCsrf": False,
            "useDynamicSigningKey": False,
        },
    ).json
    assert refreshed["status"] == "OK"
    # Counts go on from the recount: a new sign-up adds one.
    assert (
        client.post(
            f"/appid-{app_id}/t1/recipe/signup",
            json={"email": "four@example.com", "password": "secret-123"},
        ).json["status"]
        == "OK"
    )
    assert count("t1") == 2


def _use_config(monkeypatch: pytest.MonkeyPatch, tmp_path, url: str) -> None:
    config = tmp_path / "migrate.yaml"
    config.write_text(f"connection_uri: {url}\n")
    monkeypatch.setenv("SUPERTOKENS_CONFIG", str(config))


def test_previous_release_database_is_upgraded_by_the_migrate_command(
    build, fresh_database_url, monkeypatch, tmp_path, capsys
):
    filled = _fill(build())
    _previous_release(build(), fresh_database_url)
    _use_config(monkeypatch, tmp_path, fresh_database_url)

    assert cli.main(["migrate", "--check"]) == 1
    out = capsys.readouterr().out
    assert "behind, pending: host_0002, host_0003" in out

    assert cli.main(["migrate"]) == 0
    assert "upgraded through host_0002, host_0003" in capsys.readouterr().out

    assert cli.main(["migrate", "--check"]) == 0
    assert ": current" in capsys.readouterr().out
    _check_kept(build(migrate_on_start=False), filled)


def test_behind_database_refuses_to_start_unless_migrate_on_start(build, fresh_database_url):
    filled = _fill(build())
    _previous_release(build(), fresh_database_url)

    with pytest.raises(SchemaBehind, match="run 'supertokens-core migrate'"):
        build(migrate_on_start=False)
    _check_kept(build(migrate_on_start=True), filled)


def test_by_default_only_sqlite_is_upgraded_at_start(build, fresh_database_url):
    _fill(build())
    _previous_release(build(), fresh_database_url)

    if fresh_database_url.startswith("sqlite"):
        assert not build().extensions["supertokens_core"].storage.schema_status().behind
    else:
        with pytest.raises(SchemaBehind):
            build()


def test_a_recipe_enabled_later_gets_its_tables_without_migrate(build, fresh_database_url):
    build(recipes=["session"], migrate_on_start=False)
    app = build(recipes=["session", "emailpassword"], migrate_on_start=False)
    status = app.extensions["supertokens_core"].storage.schema_status()
    assert "emailpassword_0001" in status.current
    # Disabling it again leaves its revision behind without upsetting the check.
    narrowed = build(recipes=["session"], migrate_on_start=False)
    assert not narrowed.extensions["supertokens_core"].storage.schema_status().behind


def test_migrate_upgrades_an_apps_own_database_too_and_hides_passwords(
    build, fresh_database_url, tmp_path, monkeypatch, capsys
):
    kind = make_url(fresh_database_url).get_backend_name()
    with contextlib.ExitStack() as stack:
        if kind == "sqlite":
            own = f"sqlite:///{tmp_path / 'own.db'}"
        else:
            admin = POSTGRES_ADMIN_URL if kind == "postgresql" else MYSQL_ADMIN_URL
            own = stack.enter_context(contextlib.contextmanager(server_database)(admin, kind))
        if kind == "postgresql":  # the local server trusts the user: any password connects
            own = make_url(own).set(password=SECRET).render_as_string(hide_password=False)
        filled = _fill(build(), {"connection_uri": own})
        _previous_release(build(), own)
        _use_config(monkeypatch, tmp_path, fresh_database_url)

        assert cli.main(["migrate", "--check"]) == 1
        shown = make_url(own).render_as_string(hide_password=True)
        report = [
            line
            for line in capsys.readouterr().out.splitlines()
            if line.startswith((f"{fresh_database_url}: ", f"{shown}: "))
        ]
        assert sorted(report) == sorted(
            [f"{fresh_database_url}: current", f"{shown}: behind, pending: host_0002, host_0003"]
        )

        assert cli.main(["migrate"]) == 0
        out = capsys.readouterr().out
        assert f"{shown}: upgraded through host_0002, host_0003" in out
        assert f"{fresh_database_url}: current" in out
        assert SECRET not in out
        assert cli.main(["migrate", "--check"]) == 0
        _check_kept(build(migrate_on_start=False), filled)
        for app in build.built:
            app.extensions["supertokens_core"].storage.dispose()


def test_workers_starting_together_on_an_empty_database_upgrade_it_once(
    fresh_database_url, tmp_path
):
    from core_app.testing.core_process import CoreProcess

    with CoreProcess(
        tmp_path, {"SUPERTOKENS_CONNECTION_URI": fresh_database_url}, workers=3
    ) as core:
        assert requests.get(f"{core.url}/hello", timeout=10).text.strip() == "Hello"
    log = (tmp_path / "gunicorn.log").read_text()
    assert log.count("schema upgraded through host_0001") == 1, log
    assert "Traceback" not in log, log
