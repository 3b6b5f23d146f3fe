"""read_connection_uri: the routes that tolerate replication lag read from a replica, every
write and every read that decides a write stay on the primary.

Two ways to tell where a request read:
- a "lagging replica": a second database with the schema but none of the primary's rows, so
  a read that went there misses what the primary has;
- a replica URL whose role the server refuses every write (PostgreSQL's
  ``default_transaction_read_only``, a MySQL user with only SELECT), on the primary's own
  data, through the SDK against gunicorn: a write that strayed there fails the flow.
SQLite has no replicas; the key is refused there.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests
import sqlalchemy
from sqlalchemy.engine import make_url
from supertokens_python.recipe import emailpassword, session, usermetadata, userroles
from supertokens_python.recipe.emailpassword import syncio as ep
from supertokens_python.recipe.emailpassword.interfaces import SignInOkResult, SignUpOkResult
from supertokens_python.recipe.multitenancy.interfaces import TenantConfigCreateOrUpdate
from supertokens_python.recipe.multitenancy.syncio import (
    create_or_update_tenant,
    get_tenant,
    list_all_tenants,
)
from supertokens_python.recipe.session.exceptions import UnauthorisedError
from supertokens_python.recipe.session.syncio import (
    create_new_session_without_request_response,
    get_all_session_handles_for_user,
    get_session_information,
    get_session_without_request_response,
    refresh_session_without_request_response,
    revoke_session,
)
from supertokens_python.recipe.usermetadata import syncio as metadata
from supertokens_python.recipe.userroles import syncio as roles
from supertokens_python.syncio import delete_user, get_user, get_user_count, get_users_newest_first

from core_app import create_app
from core_app.config import ConfigError
from core_app.testing.apps import new_id
from core_app.testing.core_process import CoreProcess
from core_app.testing.databases import MYSQL_ADMIN_URL, POSTGRES_ADMIN_URL, server_database
from core_app.testing.sdk import create_app_on_core, init_sdk, reset_sdk

PASSWORD = "a-password-1"
SESSION = {"userId": "", "enableAntiCsrf": False, "userDataInJWT": {}, "userDataInDatabase": {}}


def _kind(database_url: str) -> str:
    return make_url(database_url).get_backend_name()


def _admin_url(kind: str) -> str:
    return POSTGRES_ADMIN_URL if kind == "postgresql" else MYSQL_ADMIN_URL


@pytest.fixture
def server_only(database_url: str) -> str:
    if _kind(database_url) == "sqlite":
        pytest.skip("SQLite has no read replicas (refusal: test_sqlite_has_no_replicas)")
    return database_url


@pytest.fixture
def lagging_replica_url(server_only: str, isolated_environment: None) -> Iterator[str]:
    """A database on the same server with the core's schema and none of the primary's rows."""
    kind = _kind(server_only)
    for url in server_database(_admin_url(kind), kind):
        create_app({"connection_uri": url, "housekeeping_interval_s": 0}).extensions[
            "supertokens_core"
        ].storage.dispose()
        yield url


@pytest.fixture
def read_only_url(server_only: str) -> Iterator[str]:
    """The primary's own database, through a role the server refuses every write."""
    kind = _kind(server_only)
    role = f"st_reader_{uuid.uuid4().hex[:8]}"
    database = make_url(server_only).database
    admin = sqlalchemy.create_engine(
        _admin_url(kind), isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool
    )
    with admin.connect() as conn:
        if kind == "postgresql":
            conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
            conn.exec_driver_sql(f"ALTER ROLE {role} SET default_transaction_read_only = on")
            conn.exec_driver_sql(f"GRANT pg_read_all_data TO {role}")
        else:
            conn.exec_driver_sql(f"CREATE USER '{role}'@'%%' IDENTIFIED BY 'reader-pw'")
            conn.exec_driver_sql(f"GRANT SELECT ON {database}.* TO '{role}'@'%%'")
    password = None if kind == "postgresql" else "reader-pw"
    try:
        yield (
            make_url(server_only)
            .set(username=role, password=password)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            if kind == "postgresql":
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE usename = '{role}'"
                )
                conn.exec_driver_sql(f"DROP ROLE {role}")
            else:
                conn.exec_driver_sql(f"DROP USER '{role}'@'%%'")
        admin.dispose()


def _connections_of(kind: str, role: str) -> int:
    admin = sqlalchemy.create_engine(_admin_url(kind), poolclass=sqlalchemy.pool.NullPool)
    try:
        with admin.connect() as conn:
            if kind == "postgresql":
                statement = "SELECT count(*) FROM pg_stat_activity WHERE usename = :role"
            else:
                statement = "SELECT count(*) FROM information_schema.processlist WHERE user = :role"
            return conn.execute(sqlalchemy.text(statement), {"role": role}).scalar_one()
    finally:
        admin.dispose()


def test_lag_tolerant_reads_answer_from_the_replica_and_the_rest_from_the_primary(
    make_app, lagging_replica_url: str
) -> None:
    client = make_app(read_connection_uri=lagging_replica_url).test_client()
    email = f"{new_id()}@example.com"
    signed_up = client.post("/public/recipe/signup", json={"email": email, "password": PASSWORD})
    assert signed_up.json["status"] == "OK", signed_up.text
    user_id = signed_up.json["user"]["id"]
    # Sign-in reads the primary: it must see the user it decides about.
    assert (
        client.post("/public/recipe/signin", json={"email": email, "password": PASSWORD}).json[
            "status"
        ]
        == "OK"
    )
    # Reads that decide a write, or an SDK check right after one, stay on the primary.
    by_account = client.get(
        "/public/users/by-accountinfo",
        query_string={"email": email, "doUnionOfAccountInfo": "false"},
    )
    assert [user["id"] for user in by_account.json["users"]] == [user_id]
    assert (
        client.get(
            "/recipe/accountlinking/user/primary/check", query_string={"recipeUserId": user_id}
        ).json["status"]
        == "OK"
    )

    # The replica has not seen the user yet: user reads say so.
    assert client.get("/user/id", query_string={"userId": user_id}).json == {
        "status": "UNKNOWN_USER_ID_ERROR"
    }
    assert client.get("/public/users").json["users"] == []
    assert client.get("/users/count").json == {"status": "OK", "count": 0}
    assert client.get("/recipe/user", query_string={"userId": user_id}).json == {
        "status": "UNKNOWN_USER_ID_ERROR"
    }

    # Roles and metadata: written to the primary, read from the replica.
    assert (
        client.put("/recipe/role", json={"role": "admin", "permissions": ["read"]}).json[
            "createdNewRole"
        ]
        is True
    )
    assert (
        client.put("/public/recipe/user/role", json={"userId": user_id, "role": "admin"}).json[
            "status"
        ]
        == "OK"
    )
    assert client.get("/recipe/roles").json == {"status": "OK", "roles": []}
    assert client.get("/public/recipe/user/roles", query_string={"userId": user_id}).json == {
        "status": "OK",
        "roles": [],
    }
    assert client.put(
        "/recipe/user/metadata", json={"userId": user_id, "metadataUpdate": {"plan": "pro"}}
    ).json["metadata"] == {"plan": "pro"}
    assert client.get("/recipe/user/metadata", query_string={"userId": user_id}).json == {
        "status": "OK",
        "metadata": {},
    }

    # Sessions: verify with the database and refresh read the primary, session reads the replica.
    created = client.post("/public/recipe/session", json={**SESSION, "userId": user_id}).json
    handle = created["session"]["handle"]
    verified = client.post(
        "/public/recipe/session/verify",
        json={
            "accessToken": created["accessToken"]["token"],
            "doAntiCsrfCheck": False,
            "enableAntiCsrf": False,
            "checkDatabase": True,
        },
    )
    assert verified.json["status"] == "OK", verified.text
    assert (
        client.post(
            "/public/recipe/session/refresh",
            json={
                "refreshToken": created["refreshToken"]["token"],
                "enableAntiCsrf": False,
                "useDynamicSigningKey": True,
            },
        ).json["status"]
        == "OK"
    )
    assert (
        client.get("/recipe/session", query_string={"sessionHandle": handle}).json["status"]
        == "UNAUTHORISED"
    )
    assert client.get("/public/recipe/session/user", query_string={"userId": user_id}).json == {
        "status": "OK",
        "sessionHandles": [],
    }

    # Tenant reads: a tenant made on the primary is not listed from the replica yet.
    made = client.put("/recipe/multitenancy/tenant/v2", json={"tenantId": "fresh"})
    assert made.json["createdNew"] is True
    listed = client.get("/recipe/multitenancy/tenant/list/v2").json
    assert [tenant["tenantId"] for tenant in listed["tenants"]] == ["public"]
    # Routes that write read what they decide on from the primary.
    assert client.post("/user/remove", json={"userId": user_id}).json == {"status": "OK"}
    assert (
        client.post("/public/recipe/signin", json={"email": email, "password": PASSWORD}).json[
            "status"
        ]
        == "WRONG_CREDENTIALS_ERROR"
    )
    assert (
        client.post("/recipe/multitenancy/tenant/remove", json={"tenantId": "fresh"}).json[
            "didExist"
        ]
        is True
    )


def test_a_core_with_a_read_only_replica_serves_the_sdk(
    database_url: str, read_only_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every SDK flow works when the replica refuses writes: none strays there."""
    monkeypatch.setenv("SUPERTOKENS_ENV", "testing")
    kind = _kind(database_url)
    role = make_url(read_only_url).username
    env = {
        "SUPERTOKENS_CONNECTION_URI": database_url,
        "SUPERTOKENS_READ_CONNECTION_URI": read_only_url,
    }
    with CoreProcess(tmp_path, env) as core:
        app_id = new_id()
        uri = create_app_on_core(core.url, app_id)
        init_sdk(
            uri,
            [
                emailpassword.init(),
                userroles.init(),
                usermetadata.init(),
                session.init(get_token_transfer_method=lambda *_: "header", anti_csrf="NONE"),
            ],
        )
        try:
            assert (
                create_or_update_tenant(
                    "t1", TenantConfigCreateOrUpdate(first_factors=["emailpassword"])
                ).created_new
                is True
            )
            tenant = get_tenant("t1")
            assert tenant is not None and tenant.first_factors == ["emailpassword"]
            assert sorted(t.tenant_id for t in list_all_tenants().tenants) == ["public", "t1"]

            signed_up = ep.sign_up("t1", "reader@example.com", PASSWORD)
            assert isinstance(signed_up, SignUpOkResult)
            user_id = signed_up.user.id
            assert isinstance(ep.sign_in("t1", "reader@example.com", PASSWORD), SignInOkResult)
            found = get_user(user_id)
            assert found is not None and found.tenant_ids == ["t1"]
            assert get_user_count(None, "t1") == 1
            assert [u.id for u in get_users_newest_first("t1").users] == [user_id]

            created = create_new_session_without_request_response(
                "t1", signed_up.recipe_user_id, {"plan": "free"}, {"cart": 1}
            )
            tokens = created.get_all_session_tokens_dangerously()
            assert (
                get_session_without_request_response(tokens["accessToken"], check_database=True)
                is not None
            )
            refreshed = refresh_session_without_request_response(tokens["refreshToken"])
            info = get_session_information(refreshed.get_handle())
            assert info is not None and info.session_data_in_database == {"cart": 1}
            assert get_all_session_handles_for_user(user_id) == [created.get_handle()]
            assert revoke_session(created.get_handle()) is True
            with pytest.raises(UnauthorisedError):
                get_session_without_request_response(
                    refreshed.get_all_session_tokens_dangerously()["accessToken"],
                    check_database=True,
                )

            metadata.update_user_metadata(user_id, {"plan": "pro"})
            assert metadata.get_user_metadata(user_id).metadata == {"plan": "pro"}
            assert roles.create_new_role_or_add_permissions("admin", ["read"]).created_new_role
            roles.add_role_to_user("t1", user_id, "admin")
            assert roles.get_roles_for_user("t1", user_id).roles == ["admin"]
            assert roles.get_permissions_for_role("admin").permissions == ["read"]
            assert roles.get_users_that_have_role("t1", "admin").users == [user_id]
            jwks = requests.get(f"{uri}/.well-known/jwks.json", timeout=10)
            assert jwks.status_code == 200 and jwks.json()["keys"]

            delete_user(user_id)
            assert get_user(user_id) is None
            # The reads above did go to the replica: its role holds connections.
            assert _connections_of(kind, role) > 0
        finally:
            reset_sdk()
            for path, body in (
                (f"/appid-{app_id}/recipe/multitenancy/tenant/remove", {"tenantId": "t1"}),
                ("/recipe/multitenancy/app/remove", {"appId": app_id}),
            ):
                requests.post(f"{core.url}{path}", json=body, timeout=10)
        assert "Traceback" not in core.output()
        assert "read-only" not in core.output() and "denied" not in core.output()


def test_only_the_operator_sets_a_replica_and_only_where_the_policy_allows(
    make_app, server_only: str, lagging_replica_url: str
) -> None:
    client = make_app(api_keys="operator-key-0123456789abcdef").test_client()
    operator = {"api-key": "operator-key-0123456789abcdef"}
    app_id = new_id()
    made = client.put(
        "/recipe/multitenancy/app/v2",
        headers=operator,
        json={"appId": app_id, "coreConfig": {"api_keys": "app-key-0123456789abcdef"}},
    )
    assert made.json["status"] == "OK", made.text

    as_app = client.put(
        f"/appid-{app_id}/recipe/multitenancy/tenant/v2",
        headers={"api-key": "app-key-0123456789abcdef"},
        json={"tenantId": "t1", "coreConfig": {"read_connection_uri": lagging_replica_url}},
    )
    assert as_app.status_code == 403
    assert "read_connection_uri" in as_app.text

    elsewhere = (
        make_url(lagging_replica_url).set(host="192.0.2.1").render_as_string(hide_password=False)
    )
    refused = client.put(
        "/recipe/multitenancy/app/v2",
        headers=operator,
        json={"appId": app_id, "coreConfig": {"read_connection_uri": elsewhere}},
    )
    assert refused.status_code == 400
    assert refused.text.strip() == (
        "Invalid core config: read_connection_uri must point at a database server the "
        "operator allowed ('database_uri_allow')"
    )

    # An app on the base database shares its replica with the config file (none here).
    clash = client.put(
        "/recipe/multitenancy/app/v2",
        headers=operator,
        json={"appId": app_id, "coreConfig": {"read_connection_uri": lagging_replica_url}},
    )
    assert clash.status_code == 400
    assert clash.text.startswith(
        "Invalid core config: You cannot set different values for "
        "read_connection_uri for the same database: the core's "
        "config has none"
    ), clash.text
    assert "reader-pw" not in clash.text

    other_kind = (
        "mysql+pymysql://root@127.0.0.1:3306/x"
        if _kind(server_only) == "postgresql"
        else "postgresql+psycopg2://postgres@127.0.0.1:5432/x"
    )
    mixed = client.put(
        "/recipe/multitenancy/app/v2",
        headers=operator,
        json={"appId": app_id, "coreConfig": {"read_connection_uri": other_kind}},
    )
    assert mixed.status_code == 400
    assert f"'read_connection_uri' must be a {_kind(server_only)} database" in mixed.text
    assert (
        client.post(
            "/recipe/multitenancy/app/remove", headers=operator, json={"appId": app_id}
        ).json["didExist"]
        is True
    )


def test_a_replica_belongs_to_the_database_it_was_set_with(
    make_app, server_only: str, lagging_replica_url: str
) -> None:
    directory = (
        make_app(read_connection_uri=lagging_replica_url).extensions["supertokens_core"].directory
    )
    assert directory.base_settings.read_connection_uri == lagging_replica_url
    # A tenant on the base database reads from its replica ...
    assert directory.resolve({}, {}).read_connection_uri == lagging_replica_url
    # ... one given a database of its own does not, unless it names that database's replica.
    own = {"connection_uri": lagging_replica_url}
    assert directory.resolve({}, own).read_connection_uri is None
    assert (
        directory.resolve({}, {**own, "read_connection_uri": server_only}).read_connection_uri
        == server_only
    )
    # An empty value unsets an inherited replica.
    assert directory.resolve({"read_connection_uri": ""}).read_connection_uri is None


def test_sqlite_has_no_replicas(database_url: str, isolated_environment: None, tmp_path) -> None:
    if _kind(database_url) != "sqlite":
        pytest.skip("the refusal of an SQLite replica")
    with pytest.raises(ConfigError, match="'read_connection_uri' is for PostgreSQL and MySQL"):
        create_app(
            {
                "connection_uri": database_url,
                "read_connection_uri": f"sqlite:///{tmp_path / 'copy.db'}",
            }
        )
    with pytest.raises(ConfigError, match="'read_connection_uri' is for PostgreSQL and MySQL"):
        create_app({"connection_uri": database_url, "read_connection_uri": POSTGRES_ADMIN_URL})
