"""A third-party recipe installed as its own distribution appears only when enabled.

``examples/example_recipe`` is installed with pip into a directory of its own (with its
entry point in its dist-info), which is put on ``sys.path``: the host finds it through the
entry-point group, exactly as it would find a recipe installed from PyPI. The example's own
behaviour is tested by its own suite (``examples/example_recipe/tests``); these tests are
about how the host loads a recipe.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import sqlalchemy

from core_app.config import ConfigError
from core_app.testing.apps import new_id
from tests.core_app.distributions import installed_on_path

EXAMPLE_DISTRIBUTION = Path(__file__).resolve().parents[2] / "examples" / "example_recipe"


@pytest.fixture(scope="module")
def example_recipe_installed(tmp_path_factory: pytest.TempPathFactory):
    """The example distribution, pip-installed into a target directory on sys.path."""
    with installed_on_path(
        EXAMPLE_DISTRIBUTION, tmp_path_factory.mktemp("site"), "st_example_recipe"
    ):
        yield


def _tables(uri: str) -> set[str]:
    engine = sqlalchemy.create_engine(uri)
    try:
        return set(sqlalchemy.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _note_texts(app, app_id: str) -> list[str]:
    engine = app.extensions["supertokens_core"].storage.engine()
    with engine.connect() as conn:
        return [
            row.text
            for row in conn.execute(
                sqlalchemy.text("SELECT text FROM example_notes WHERE app_id = :a ORDER BY id"),
                {"a": app_id},
            )
        ]


def test_enabled_recipe_has_route_table_config_and_schema(example_recipe_installed, make_app):
    app = make_app(recipes=["example"])
    client = app.test_client()
    app_id = new_id()
    client.put("/recipe/multitenancy/app/v2", json={"appId": app_id})
    client.put(
        f"/appid-{app_id}/recipe/multitenancy/tenant/v2",
        json={"tenantId": "t1", "coreConfig": {"example_greeting": "hello"}},
    )

    answer = client.post(f"/appid-{app_id}/recipe/example/note", json={"text": "one"})
    assert answer.json == {"status": "OK", "greeting": "hi"}
    answer = client.post(f"/appid-{app_id}/t1/recipe/example/note", json={"text": "two"})
    assert answer.json == {"status": "OK", "greeting": "hello"}
    assert _note_texts(app, app_id) == ["one", "two"]

    bad = client.post(f"/appid-{app_id}/recipe/example/note", json={})
    assert (bad.status_code, bad.text) == (400, "Field name 'text' is invalid in JSON input\n")
    assert "/recipe/example/note" in client.get("/openapi.json").json["paths"]
    assert [d.id for d in app.extensions["supertokens_core"].recipes] == ["example"]

    # The recipe's rows are keyed by tenant: removing the tenant removes them.
    client.post(f"/appid-{app_id}/recipe/multitenancy/tenant/remove", json={"tenantId": "t1"})
    assert _note_texts(app, app_id) == ["one"]


def test_disabled_recipe_is_absent(example_recipe_installed, make_app, tmp_path):
    uri = f"sqlite:///{tmp_path / 'fresh.db'}"
    app = make_app(connection_uri=uri, recipes=[])
    client = app.test_client()
    missing = client.post("/recipe/example/note", json={"text": "x"})
    assert (missing.status_code, missing.text) == (404, "Not found\n")
    assert "example_notes" not in _tables(uri)
    assert "/recipe/example/note" not in client.get("/openapi.json").json["paths"]
    refused = client.put(
        "/recipe/multitenancy/app/v2",
        json={"appId": new_id(), "coreConfig": {"example_greeting": "hey"}},
    )
    assert (refused.status_code, refused.text) == (
        400,
        "Invalid core config: Invalid config key: example_greeting\n",
    )


def test_enabled_recipe_creates_its_table(example_recipe_installed, make_app, tmp_path):
    uri = f"sqlite:///{tmp_path / 'fresh.db'}"
    make_app(connection_uri=uri, recipes=["example"])
    assert "example_notes" in _tables(uri)


def test_unknown_recipe_stops_start(example_recipe_installed, make_app):
    with pytest.raises(ConfigError, match="'nope'"):
        make_app(recipes=["nope"])


def test_hook_tracing(example_recipe_installed, make_app, monkeypatch, caplog):
    monkeypatch.setenv("SUPERTOKENS_TRACE_HOOKS", "1")
    with caplog.at_level(logging.INFO, logger="core_app.recipes"):
        client = make_app(recipes=["example"]).test_client()
        assert client.post("/user/remove", json={"userId": "nobody"}).json == {"status": "OK"}
    assert "st_user_deleted" in caplog.text


def test_recipes_share_a_path_by_rid(example_recipe_installed, make_app):
    client = make_app(recipes=["example", "emailpassword"]).test_client()
    mine = client.get("/recipe/user", query_string={"userId": "x"}, headers={"rid": "example"})
    assert mine.json == {"status": "OK", "answeredBy": "example"}
    # no rid, or any other value: the email-password view (the default of the path)
    for headers in ({}, {"rid": "emailpassword"}, {"rid": "session"}):
        answer = client.get("/recipe/user", query_string={"userId": "x"}, headers=headers)
        assert answer.json == {"status": "UNKNOWN_USER_ID_ERROR"}
    # the example recipe owns only GET of the path: its rid on PUT is not the default's
    put = client.put(
        "/recipe/user", json={"recipeUserId": "x", "password": "y"}, headers={"rid": "example"}
    )
    assert put.status_code == 405
    assert put.get_data(as_text=True).strip() == "Method not supported"
    assert client.put("/recipe/user", json={"recipeUserId": "x", "password": "y"}).json == {
        "status": "UNKNOWN_USER_ID_ERROR"
    }
