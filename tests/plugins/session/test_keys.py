"""Signing keys: rotation in test mode, publication before use, one key under a race."""

from __future__ import annotations

import threading
import time

import jwt
import sqlalchemy

from core_app.tenant_prefix import TenantIdentifier
from core_app.testing.apps import new_id
from plugins.session import store
from plugins.session.keys import KeyPolicy, SigningKeyRing

ROTATION_HOURS = "0.0004"  # 1.44 s, what the SDK's own JWKS tests use


def _create_session(client, app_id: str, user: str = "u1") -> dict:
    answer = client.post(
        f"/appid-{app_id}/public/recipe/session",
        json={
            "userId": user,
            "enableAntiCsrf": False,
            "userDataInJWT": {},
            "userDataInDatabase": {},
        },
    )
    assert answer.status_code == 200, answer.text
    return answer.json


def _kid(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def test_short_rotation_needs_test_mode(make_app):
    client = make_app().test_client()
    refused = client.put(
        "/recipe/multitenancy/app/v2",
        json={
            "appId": new_id(),
            "coreConfig": {"access_token_dynamic_signing_key_update_interval": ROTATION_HOURS},
        },
    )
    assert refused.status_code == 400
    assert refused.text == (
        "Invalid core config: 'access_token_dynamic_signing_key_update_"
        "interval' must be greater than, equal to 1 hour.\n"
    )


def test_keys_rotate_and_old_tokens_stay_verifiable(make_app):
    client = make_app(test_mode=True).test_client()
    app_id = new_id()
    assert (
        client.put(
            "/recipe/multitenancy/app/v2",
            json={
                "appId": app_id,
                "coreConfig": {"access_token_dynamic_signing_key_update_interval": ROTATION_HOURS},
            },
        ).status_code
        == 200
    )

    first = _create_session(client, app_id)
    first_kid = _kid(first["accessToken"]["token"])
    time.sleep(1.6)
    second = _create_session(client, app_id)
    second_kid = _kid(second["accessToken"]["token"])
    assert first_kid != second_kid

    jwks = client.get(f"/appid-{app_id}/.well-known/jwks.json").json["keys"]
    dynamic = [key["kid"] for key in jwks if key["kid"].startswith("d-")]
    assert dynamic[:2] == sorted(dynamic, reverse=True)[:2]
    assert {first_kid, second_kid} <= set(dynamic)

    verified = client.post(
        f"/appid-{app_id}/recipe/session/verify",
        json={
            "accessToken": first["accessToken"]["token"],
            "doAntiCsrfCheck": False,
            "enableAntiCsrf": False,
            "checkDatabase": False,
        },
    )
    assert verified.json["status"] == "OK", verified.text


def test_new_key_is_published_before_it_signs(make_app):
    """Within the overlap after a rotation, JWKS lists a key that signs nothing yet."""
    app = make_app(test_mode=True)
    core = app.extensions["supertokens_core"]
    app_id = new_id()
    client = app.test_client()
    assert client.put("/recipe/multitenancy/app/v2", json={"appId": app_id}).status_code == 200
    uri = core.directory.connection_uri(TenantIdentifier("", app_id, "public"))
    policy = KeyPolicy(interval_ms=10_000, access_token_validity_ms=3_600_000, test_mode=True)
    ring = SigningKeyRing()
    old = ring.dynamic_signing_key(core.storage, uri, app_id, policy)
    # Age the key to just inside the overlap before its interval ends.
    with core.storage.engine(uri).begin() as conn:
        conn.execute(
            sqlalchemy.update(store.signing_keys)
            .where(store.signing_keys.c.app_id == app_id)
            .values(created_at=old.created_at - 9_000)
        )
    ring.forget()
    signer = ring.dynamic_signing_key(core.storage, uri, app_id, policy)
    with core.storage.engine(uri).connect() as conn:
        stored = store.load_keys(conn, app_id, 0)
    dynamic = [key for key in stored if key.dynamic]
    assert len(dynamic) == 2
    assert signer.key_id == old.key_id  # the new key is published, not yet signing


def test_racing_processes_create_one_key(make_app):
    app = make_app()
    core = app.extensions["supertokens_core"]
    app_id = new_id()
    assert (
        app.test_client().put("/recipe/multitenancy/app/v2", json={"appId": app_id}).status_code
        == 200
    )
    uri = core.storage.base_uri
    policy = KeyPolicy(interval_ms=3_600_000, access_token_validity_ms=3_600_000, test_mode=False)
    chosen: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def one_process() -> None:
        try:
            start.wait()
            # Each ring stands for a process with its own empty cache.
            chosen.append(
                SigningKeyRing().dynamic_signing_key(core.storage, uri, app_id, policy).key_id
            )
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=one_process) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with core.storage.engine(uri).connect() as conn:
        stored = [key for key in store.load_keys(conn, app_id, 0) if key.dynamic]
    assert len(stored) == 1
    assert set(chosen) == {stored[0].key_id}
