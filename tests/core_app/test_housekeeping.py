"""Housekeeping removes expired data once per interval, whichever process asks."""

from __future__ import annotations

import sqlalchemy

from core_app.housekeeping import housekeeping_runs, run_housekeeping
from core_app.testing.apps import new_id
from plugins.session import store as session_store


def _session(client, app_id: str) -> str:
    answer = client.post(
        f"/appid-{app_id}/public/recipe/session",
        json={
            "userId": "u",
            "enableAntiCsrf": False,
            "userDataInJWT": {},
            "userDataInDatabase": {},
        },
    )
    return answer.json["session"]["handle"]


def test_expired_sessions_are_removed_once_per_interval(make_app):
    app = make_app(housekeeping_interval_s=0)
    core = app.extensions["supertokens_core"]
    client = app.test_client()
    app_id = new_id()
    client.put("/recipe/multitenancy/app/v2", json={"appId": app_id})
    ended, alive = _session(client, app_id), _session(client, app_id)
    with core.storage.engine().begin() as conn:
        conn.execute(
            sqlalchemy.update(session_store.sessions)
            .where(session_store.sessions.c.session_handle == ended)
            .values(expires_at=1)
        )
        # Other tests of this run's database may have run housekeeping a moment ago.
        conn.execute(sqlalchemy.delete(housekeeping_runs))

    assert core.storage.base_uri in run_housekeeping(core, min_gap_ms=60_000)
    with core.storage.engine().connect() as conn:
        left = {
            row.session_handle
            for row in conn.execute(
                sqlalchemy.select(session_store.sessions.c.session_handle).where(
                    session_store.sessions.c.app_id == app_id
                )
            )
        }
    assert left == {alive}
    # A second process asking within the interval finds the work done.
    assert core.storage.base_uri not in run_housekeeping(core, min_gap_ms=60_000)


def test_expired_reset_and_verification_tokens_are_removed(make_app):
    from plugins.emailpassword import store as password_store
    from plugins.emailverification import store as verification_store

    app = make_app(housekeeping_interval_s=0, argon2_memory_kb=8, argon2_iterations=1)
    core = app.extensions["supertokens_core"]
    client = app.test_client()
    app_id = new_id()
    client.put("/recipe/multitenancy/app/v2", json={"appId": app_id})
    prefix = f"/appid-{app_id}/public"
    user_id = client.post(
        f"{prefix}/recipe/signup", json={"email": "h@example.com", "password": "pw-1234"}
    ).json["user"]["id"]
    for _ in range(2):
        client.post(
            f"{prefix}/recipe/user/password/reset/token",
            json={"userId": user_id, "email": "h@example.com"},
        )
        client.post(
            f"{prefix}/recipe/user/email/verify/token",
            json={"userId": user_id, "email": "h@example.com"},
        )
    tables = (password_store.reset_tokens, verification_store.tokens)
    with core.storage.engine().begin() as conn:
        for table in tables:  # one token of each kind has expired
            first = (
                conn.execute(
                    sqlalchemy.select(table.c.token)
                    .where(table.c.app_id == app_id)
                    .order_by(table.c.token)
                )
                .scalars()
                .first()
            )
            conn.execute(
                sqlalchemy.update(table).where(table.c.token == first).values(token_expiry=1)
            )

    run_housekeeping(core, min_gap_ms=0)
    with core.storage.engine().connect() as conn:
        for table in tables:
            left = (
                conn.execute(
                    sqlalchemy.select(table.c.token_expiry).where(table.c.app_id == app_id)
                )
                .scalars()
                .all()
            )
            assert len(left) == 1 and left[0] > 1
