"""Database work per request: none for a settled verify, a constant amount elsewhere."""

from __future__ import annotations

import contextlib

from sqlalchemy import event

from core_app.testing.apps import new_id


@contextlib.contextmanager
def counted_statements(app):
    """Count SQL statements sent to every engine of the core."""
    core = app.extensions["supertokens_core"]
    engine = core.storage.engine()
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _new_session(client, app_id: str) -> dict:
    return client.post(
        f"/appid-{app_id}/public/recipe/session",
        json={
            "userId": "u",
            "enableAntiCsrf": False,
            "userDataInJWT": {},
            "userDataInDatabase": {},
        },
    ).json


def test_settled_verify_touches_no_database(app):
    client = app.test_client()
    app_id = new_id()
    client.put("/recipe/multitenancy/app/v2", json={"appId": app_id})
    token = _new_session(client, app_id)["accessToken"]["token"]
    body = {
        "accessToken": token,
        "doAntiCsrfCheck": False,
        "enableAntiCsrf": False,
        "checkDatabase": False,
    }
    client.post(f"/appid-{app_id}/recipe/session/verify", json=body)  # warm the caches
    with counted_statements(app) as statements:
        for _ in range(5):
            assert (
                client.post(f"/appid-{app_id}/recipe/session/verify", json=body).json["status"]
                == "OK"
            )
    assert statements == []


def test_create_and_refresh_run_a_constant_number_of_statements(app):
    client = app.test_client()
    app_id = new_id()
    client.put("/recipe/multitenancy/app/v2", json={"appId": app_id})
    first = _new_session(client, app_id)
    counts = []
    for _ in range(3):
        with counted_statements(app) as statements:
            _new_session(client, app_id)
        counts.append(len(statements))
    assert counts[0] == counts[1] == counts[2]
    assert counts[0] <= 6, counts

    refresh_counts = []
    for _ in range(3):
        with counted_statements(app) as statements:
            answer = client.post(
                f"/appid-{app_id}/recipe/session/refresh",
                json={
                    "refreshToken": first["refreshToken"]["token"],
                    "enableAntiCsrf": False,
                    "useDynamicSigningKey": True,
                },
            ).json
        assert answer["status"] == "OK"
        refresh_counts.append(len(statements))
    assert refresh_counts[0] == refresh_counts[1] == refresh_counts[2]
    assert refresh_counts[0] <= 6, refresh_counts
