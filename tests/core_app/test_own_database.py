"""An app or tenant whose coreConfig names its own database (engine registry by URI)."""

from __future__ import annotations

import sqlalchemy

from core_app.testing.apps import new_id


def _rows(uri: str, table: str) -> list[tuple]:
    engine = sqlalchemy.create_engine(uri)
    try:
        with engine.connect() as conn:
            return [
                tuple(row)
                for row in conn.exec_driver_sql(
                    f"SELECT app_id{', tenant_id' if table == 'tenants' else ''} FROM {table}"
                )
            ]
    finally:
        engine.dispose()


def test_app_in_its_own_database(make_app, tmp_path):
    client = make_app(database_sqlite_dir=str(tmp_path)).test_client()
    app_id = new_id()
    own_uri = f"sqlite:///{tmp_path / 'own.db'}"
    created = client.put(
        "/recipe/multitenancy/app/v2",
        json={"appId": app_id, "coreConfig": {"connection_uri": own_uri}},
    )
    assert created.json == {"status": "OK", "createdNew": True}, created.text

    assert _rows(own_uri, "apps") == [(app_id,)]
    assert (
        client.put(f"/appid-{app_id}/recipe/multitenancy/tenant/v2", json={"tenantId": "t1"}).json[
            "createdNew"
        ]
        is True
    )
    assert sorted(_rows(own_uri, "tenants")) == [(app_id, "public"), (app_id, "t1")]
    assert client.get(f"/appid-{app_id}/t1/hello").text == "Hello\n"

    assert client.post(
        f"/appid-{app_id}/recipe/multitenancy/tenant/remove", json={"tenantId": "t1"}
    ).json == {"status": "OK", "didExist": True}
    assert _rows(own_uri, "tenants") == [(app_id, "public")]
    assert client.post("/recipe/multitenancy/app/remove", json={"appId": app_id}).json == {
        "status": "OK",
        "didExist": True,
    }
    assert _rows(own_uri, "apps") == []


def test_tenant_in_its_own_database(make_app, tmp_path):
    client = make_app(database_sqlite_dir=str(tmp_path)).test_client()
    app_id = new_id()
    own_uri = f"sqlite:///{tmp_path / 'tenant.db'}"
    assert client.put("/recipe/multitenancy/app/v2", json={"appId": app_id}).status_code == 200
    created = client.put(
        f"/appid-{app_id}/recipe/multitenancy/tenant/v2",
        json={"tenantId": "t2", "coreConfig": {"connection_uri": own_uri}},
    )
    assert created.json == {"status": "OK", "createdNew": True}, created.text
    assert _rows(own_uri, "tenants") == [(app_id, "t2")]
    tenant = client.get(f"/appid-{app_id}/t2/recipe/multitenancy/tenant/v2").json
    assert tenant["coreConfig"] == {"connection_uri": own_uri}
    client.post(f"/appid-{app_id}/recipe/multitenancy/tenant/remove", json={"tenantId": "t2"})
    assert _rows(own_uri, "tenants") == []
    client.post("/recipe/multitenancy/app/remove", json={"appId": app_id})
