"""Database settings are the operator's: who may set ``connection_uri``, and to what.

An app's own api key (set in its coreConfig) belongs to a team the operator does not
trust with the host; only a key from the config file or the environment may point an app
or tenant at a database, and only at a database the operator's policy allows.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from core_app import create_app
from core_app.config import ConfigError, Settings
from core_app.database_policy import DatabaseNotAllowed, DatabasePolicy
from core_app.tenant_prefix import TenantIdentifier
from core_app.testing.apps import new_id

OPERATOR_KEY = "operator-key-0123456789abcdef"
APP_KEY = "app-team-key-0123456789abcdef"
APP_V2 = "/recipe/multitenancy/app/v2"
TENANT_V2 = "/recipe/multitenancy/tenant/v2"
OPERATOR_ONLY = (
    "Only the operator's api key (from the core's config file or environment) can "
    "set database settings: {}"
)


def _app_with_own_key(client, operator_headers) -> str:
    app_id = new_id()
    response = client.put(
        APP_V2,
        headers=operator_headers,
        json={"appId": app_id, "coreConfig": {"api_keys": APP_KEY}},
    )
    assert response.json == {"status": "OK", "createdNew": True}, response.text
    return app_id


def _remove_app(client, app_id: str, headers, tenant_ids=("t1", "t2")) -> None:
    """Remove a test's app, so no tenant of the shared database keeps a database outside the
    policy of later tests (the CLI and housekeeping visit every tenant's database)."""
    for tenant_id in tenant_ids:
        client.post(
            f"/appid-{app_id}/recipe/multitenancy/tenant/remove",
            headers=headers,
            json={"tenantId": tenant_id},
        )
    removed = client.post(
        "/recipe/multitenancy/app/remove", headers=headers, json={"appId": app_id}
    )
    assert removed.json == {"status": "OK", "didExist": True}, removed.text


def _tenant_ids(client, app_id: str, headers) -> list[str]:
    listed = client.get(f"/appid-{app_id}/recipe/multitenancy/tenant/list/v2", headers=headers)
    return sorted(tenant["tenantId"] for tenant in listed.json["tenants"])


@pytest.mark.parametrize("operator_keys", [OPERATOR_KEY, None], ids=["keyed", "open"])
def test_an_apps_own_key_cannot_set_database_settings(make_app, tmp_path, operator_keys):
    client = make_app(api_keys=operator_keys, database_sqlite_dir=str(tmp_path)).test_client()
    operator = {"api-key": OPERATOR_KEY} if operator_keys else {}
    app_key = {"api-key": APP_KEY}
    app_id = _app_with_own_key(client, operator)
    target = tmp_path / "chosen-by-the-app.db"

    for name in ("connection_uri", "postgresql_connection_uri", "mysql_connection_uri"):
        refused = client.put(
            f"/appid-{app_id}{TENANT_V2}",
            headers=app_key,
            json={"tenantId": "t1", "coreConfig": {name: f"sqlite:///{target}"}},
        )
        assert (refused.status_code, refused.text.strip()) == (403, OPERATOR_ONLY.format(name))
        refused = client.put(
            f"/appid-{app_id}{APP_V2}",
            headers=app_key,
            json={"appId": app_id, "coreConfig": {name: f"sqlite:///{target}"}},
        )
        assert (refused.status_code, refused.text.strip()) == (403, OPERATOR_ONLY.format(name))
    # Removing the setting is changing it too.
    refused = client.put(
        f"/appid-{app_id}{APP_V2}",
        headers=app_key,
        json={"appId": app_id, "coreConfig": {"connection_uri": None}},
    )
    assert refused.status_code == 403
    assert not target.exists()
    assert _tenant_ids(client, app_id, app_key) == ["public"]

    # The same app key still manages everything else of its app.
    created = client.put(
        f"/appid-{app_id}{TENANT_V2}",
        headers=app_key,
        json={"tenantId": "t1", "firstFactors": ["emailpassword"]},
    )
    assert created.json == {"status": "OK", "createdNew": True}


def test_the_operator_key_sets_database_settings_on_an_app_with_its_own_key(make_app, tmp_path):
    client = make_app(api_keys=OPERATOR_KEY, database_sqlite_dir=str(tmp_path)).test_client()
    operator = {"api-key": OPERATOR_KEY}
    app_id = _app_with_own_key(client, operator)
    own = tmp_path / "tenant-t2.db"

    created = client.put(
        f"/appid-{app_id}{TENANT_V2}",
        headers=operator,
        json={"tenantId": "t2", "coreConfig": {"connection_uri": f"sqlite:///{own}"}},
    )
    assert created.json == {"status": "OK", "createdNew": True}, created.text
    assert own.exists()
    assert _tenant_ids(client, app_id, {"api-key": APP_KEY}) == ["public", "t2"]
    # A wrong key is still refused on that app.
    wrong = client.get(f"/appid-{app_id}{TENANT_V2}", headers={"api-key": "x" * 30})
    assert wrong.status_code == 401
    _remove_app(client, app_id, operator)


def _listening_socket() -> socket.socket:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    return server


def _was_contacted(server: socket.socket) -> bool:
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return False
    connection.close()
    return True


def test_the_operator_cannot_point_a_tenant_outside_the_policy(make_app, tmp_path):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (allowed / "link").symlink_to(elsewhere)
    client = make_app(api_keys=OPERATOR_KEY, database_sqlite_dir=str(allowed)).test_client()
    operator = {"api-key": OPERATOR_KEY}
    app_id = new_id()
    assert client.put(APP_V2, headers=operator, json={"appId": app_id}).status_code == 200
    rogue = _listening_socket()
    port = rogue.getsockname()[1]
    try:
        cases = {
            f"sqlite:///{elsewhere}/x.db": "must be a file in the directory",
            f"sqlite:///{allowed}/../escape.db": "must be a file in the directory",
            f"sqlite:///{allowed}/link/x.db": "must be a file in the directory",
            "sqlite://": "must name a file",
            f"sqlite:///{allowed}/x.db?mode=rwc": "takes no options",
            f"postgresql://postgres@127.0.0.1:{port}/x": "database server the operator allowed",
            f"mysql+pymysql://x@127.0.0.1:{port}/x?local_infile=1": (
                "database server the operator allowed"
            ),
            f"postgresql+pg8000://x@127.0.0.1:{port}/x": "must use one of",
            "not a url": "not a database URL",
        }
        for uri, reason in cases.items():
            refused = client.put(
                f"/appid-{app_id}{TENANT_V2}",
                headers=operator,
                json={"tenantId": "t1", "coreConfig": {"connection_uri": uri}},
            )
            assert refused.status_code == 400, (uri, refused.text)
            assert refused.text.startswith("Invalid core config: "), refused.text
            assert reason in refused.text, (uri, refused.text)
        assert not _was_contacted(rogue)
    finally:
        rogue.close()
    assert sorted(os.listdir(elsewhere)) == []
    assert not (tmp_path / "escape.db").exists()
    assert _tenant_ids(client, app_id, operator) == ["public"]


def test_a_stored_database_outside_a_narrower_policy_is_not_opened(make_app, tmp_path):
    """A URL accepted under an earlier policy is not used once the operator narrows it."""
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    first_dir.mkdir()
    second_dir.mkdir()
    client = make_app(database_sqlite_dir=str(first_dir)).test_client()
    app_id = new_id()
    own = f"sqlite:///{first_dir / 'own.db'}"
    assert client.put(APP_V2, json={"appId": app_id}).status_code == 200
    assert (
        client.put(
            f"/appid-{app_id}{TENANT_V2}",
            json={"tenantId": "t1", "coreConfig": {"connection_uri": own}},
        ).json["status"]
        == "OK"
    )

    narrowed = make_app(database_sqlite_dir=str(second_dir))
    core = narrowed.extensions["supertokens_core"]
    uri = core.directory.connection_uri(TenantIdentifier("", app_id, "t1"))
    assert uri == own
    with pytest.raises(DatabaseNotAllowed):
        core.storage.engine(uri)
    assert uri not in core.storage._engines
    _remove_app(client, app_id, {})


# --- the policy itself (no database needed) ---------------------------------------------


def _policy(base: str, **settings) -> DatabasePolicy:
    values = {
        "connection_uri": base,
        "database_uri_allow": None,
        "database_sqlite_dir": None,
        "database_uri_query_allow": None,
        **settings,
    }
    return DatabasePolicy.from_settings(Settings(values))


def test_by_default_the_base_server_is_the_only_one_allowed():
    policy = _policy("postgresql+psycopg2://core@db.internal:5432/supertokens")
    policy.check("postgresql+psycopg2://tenant@DB.internal/tenant_a?sslmode=require")
    for uri in (
        "postgresql+psycopg2://core@db.internal:5433/x",
        "postgresql+psycopg2://core@other.internal/x",
        "mysql+pymysql://core@db.internal:5432/x",
        "postgresql+psycopg2://core@db.internal/x?service=evil",
        "postgresql+psycopg2://core@db.internal/x?host=evil.example",
        "sqlite:////tmp/x.db",
    ):
        with pytest.raises(DatabaseNotAllowed):
            policy.check(uri)


def test_the_operator_lists_servers_and_options():
    policy = _policy(
        "sqlite:////srv/core/supertokens.db",
        database_uri_allow=("mysql://mysql.internal", "postgresql://pg:6432"),
        database_uri_query_allow=("ssl_ca",),
    )
    policy.check("mysql+pymysql://u:p@mysql.internal/tenant?ssl_ca=/etc/ca.pem")
    policy.check("postgresql+psycopg2://u@pg:6432/tenant")
    policy.check("sqlite:////srv/core/tenant-a.db")
    for uri in (
        "mysql+pymysql://u@mysql.internal/t?local_infile=1",
        "mysql+pymysql://u@mysql.internal/t?charset=utf8mb4",  # not listed this time
        "postgresql+psycopg2://u@pg/tenant",  # default port, not 6432
        "sqlite:////srv/other/tenant.db",
    ):
        with pytest.raises(DatabaseNotAllowed):
            policy.check(uri)


@pytest.mark.parametrize("options", [("local_infile",), ("host", "sslmode")])
def test_options_that_move_or_read_files_can_never_be_allowed(options):
    with pytest.raises(ConfigError, match="cannot allow"):
        _policy("sqlite:////srv/core/supertokens.db", database_uri_query_allow=options)


def test_a_bad_allow_list_entry_stops_the_core(isolated_environment, tmp_path):
    uri = f"sqlite:///{tmp_path / 'core.db'}"
    with pytest.raises(ConfigError, match="database_uri_allow"):
        create_app({"connection_uri": uri, "database_uri_allow": ["oracle://db"]})
    with pytest.raises(ConfigError, match="local_infile"):
        create_app({"connection_uri": uri, "database_uri_query_allow": "local_infile"})


def test_mysql_engines_never_enable_local_infile():
    from core_app.storage import engine_options

    options = engine_options("mysql+pymysql://u@h/db?local_infile=1")
    assert options["connect_args"]["local_infile"] is False


def test_sqlite_default_directory_is_the_base_databases(tmp_path: Path):
    policy = _policy(f"sqlite:///{tmp_path / 'core.db'}")
    policy.check(f"sqlite:///{tmp_path / 'tenant.db'}")
    with pytest.raises(DatabaseNotAllowed):
        policy.check(f"sqlite:///{tmp_path.parent / 'tenant.db'}")
    with pytest.raises(DatabaseNotAllowed, match="database_sqlite_dir"):
        _policy("postgresql+psycopg2://core@db/st").check(f"sqlite:///{tmp_path / 't.db'}")
