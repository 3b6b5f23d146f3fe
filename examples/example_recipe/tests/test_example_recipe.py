"""The example recipe, with the core's testing kit, on SQLite, PostgreSQL and MySQL.

The fixtures (``database_url``, ``make_app``, ``client``) come from the pytest plugin the
core installs (``core_app.testing``): every test that uses ``database_url`` runs once per
database kind (``--st-databases=sqlite`` for fewer).
"""

from __future__ import annotations

import pytest
import sqlalchemy
from st_example_recipe.store import notes

from core_app.testing.apps import create_tenant, new_id
from core_app.testing.databases import schema_differences

RECIPE = "example"


@pytest.fixture
def app(make_app):
    """The core with this recipe and email-password, whose path it shares (the kit's
    ``client`` fixture uses this app)."""
    return make_app(recipes=[RECIPE, "emailpassword"])


def note_texts(app, app_id: str) -> list[str]:
    """The texts of the app's notes, oldest first, read from the table itself."""
    engine = app.extensions["supertokens_core"].storage.engine()
    with engine.connect() as conn:
        rows = conn.execute(
            sqlalchemy.select(notes.c.text).where(notes.c.app_id == app_id).order_by(notes.c.id)
        )
        return [row.text for row in rows]


def test_a_note_is_kept_per_tenant_and_answers_the_tenants_greeting(app, client):
    app_id = new_id()
    assert client.put("/recipe/multitenancy/app/v2", json={"appId": app_id}).json["status"] == "OK"
    create_tenant(client, "t1", core_config={"example_greeting": "hello"}, app_id=app_id)

    answer = client.post(f"/appid-{app_id}/recipe/example/note", json={"text": "one"})
    assert answer.json == {"status": "OK", "greeting": "hi"}
    answer = client.post(f"/appid-{app_id}/t1/recipe/example/note", json={"text": "two"})
    assert answer.json == {"status": "OK", "greeting": "hello"}
    assert note_texts(app, app_id) == ["one", "two"]

    bad = client.post(f"/appid-{app_id}/recipe/example/note", json={})
    assert (bad.status_code, bad.text) == (400, "Field name 'text' is invalid in JSON input\n")

    # The notes refer to their tenant: removing the tenant removes them.
    client.post(f"/appid-{app_id}/recipe/multitenancy/tenant/remove", json={"tenantId": "t1"})
    assert note_texts(app, app_id) == ["one"]


def test_an_unknown_tenant_is_refused(client):
    answer = client.post("/unknown/recipe/example/note", json={"text": "x"})
    assert (answer.status_code, answer.text) == (
        400,
        "AppId or tenantId not found => Tenant with the following connectionURIDomain, "
        "appId and tenantId combination not found: (, public, unknown)\n",
    )


def test_the_shared_path_answers_by_rid(client):
    mine = client.get("/recipe/user", query_string={"userId": "x"}, headers={"rid": "example"})
    assert mine.json == {"status": "OK", "answeredBy": "example"}
    theirs = client.get("/recipe/user", query_string={"userId": "x"})
    assert theirs.json == {"status": "UNKNOWN_USER_ID_ERROR"}


def test_the_route_is_in_the_openapi_document(client):
    assert "/recipe/example/note" in client.get("/openapi.json").json["paths"]


def test_the_migration_builds_the_declared_table(app, database_url):
    assert schema_differences(app, database_url, [notes.name]) == []
