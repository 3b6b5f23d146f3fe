"""Housekeeping removes expired data once per interval, whichever process asks."""

from __future__ import annotations

import sqlalchemy

from core_app.housekeeping import run_housekeeping
from plugins.session import store as session_store
from tests.support import new_id


def _session(client, app_id: str) -> str:
    answer = client.post(f"/appid-{app_id}/public/recipe/session", json={
        "userId": "u", "enableAntiCsrf": False, "userDataInJWT": {}, "userDataInDatabase": {}})
    return answer.json["session"]["handle"]


def test_expired_sessions_are_removed_once_per_interval(make_app):
    app = make_app(housekeeping_interval_s=0)
    core = app.extensions["supertokens_core"]
    client = app.test_client()
    app_id = new_id()
    client.put("/recipe/multitenancy/app/v2", json={"appId": app_id})
    ended, alive = _session(client, app_id), _session(client, app_id)
    with core.storage.engine().begin() as conn:
        conn.execute(sqlalchemy.update(session_store.sessions)
                     .where(session_store.sessions.c.session_handle == ended)
                     .values(expires_at=1))

    assert core.storage.base_uri in run_housekeeping(core, min_gap_ms=60_000)
    with core.storage.engine().connect() as conn:
        left = {row.session_handle for row in conn.execute(
            sqlalchemy.select(session_store.sessions.c.session_handle)
            .where(session_store.sessions.c.app_id == app_id))}
    assert left == {alive}
    # A second process asking within the interval finds the work done.
    assert core.storage.base_uri not in run_housekeeping(core, min_gap_ms=60_000)
