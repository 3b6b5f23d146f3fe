"""Refresh-token rotation and theft detection at CDI 5.4, step by step (session §5.4)."""

from __future__ import annotations

import hashlib

import jwt

from core_app.testing.apps import new_id


def _h1(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class SessionClient:
    """Calls the session routes of one app."""

    def __init__(self, client, app_id: str):
        self.client = client
        self.prefix = f"/appid-{app_id}"

    def create(self) -> dict:
        return self.client.post(
            f"{self.prefix}/public/recipe/session",
            json={
                "userId": "u1",
                "enableAntiCsrf": False,
                "userDataInJWT": {"k": "v"},
                "userDataInDatabase": {},
            },
        ).json

    def refresh(self, token: str) -> dict:
        return self.client.post(
            f"{self.prefix}/recipe/session/refresh",
            json={"refreshToken": token, "enableAntiCsrf": False, "useDynamicSigningKey": True},
        ).json

    def verify(self, token: str, check_database: bool = False) -> dict:
        return self.client.post(
            f"{self.prefix}/recipe/session/verify",
            json={
                "accessToken": token,
                "doAntiCsrfCheck": False,
                "enableAntiCsrf": False,
                "checkDatabase": check_database,
            },
        ).json

    def get(self, handle: str) -> dict:
        return self.client.get(
            f"{self.prefix}/recipe/session", query_string={"sessionHandle": handle}
        ).json


def test_rotation_table(client):
    app_id = new_id()
    client.put("/recipe/multitenancy/app/v2", json={"appId": app_id})
    sessions = SessionClient(client, app_id)

    step1 = sessions.create()  # R0, AT0
    r0 = step1["refreshToken"]["token"]
    claims0 = jwt.decode(step1["accessToken"]["token"], options={"verify_signature": False})
    assert claims0["refreshTokenHash1"] == _h1(r0)
    assert claims0["parentRefreshTokenHash1"] is None

    step2 = sessions.refresh(r0)  # R1 child of R0
    assert step2["status"] == "OK"
    r1, at1 = step2["refreshToken"]["token"], step2["accessToken"]["token"]
    claims1 = jwt.decode(at1, options={"verify_signature": False})
    assert claims1["parentRefreshTokenHash1"] == _h1(r0)
    assert claims1["refreshTokenHash1"] == _h1(r1)

    step3 = sessions.refresh(r0)  # lost response: sibling R1b
    assert step3["status"] == "OK"
    r1b = step3["refreshToken"]["token"]

    step4 = sessions.verify(at1)  # first use of AT1: promote R1
    assert step4["status"] == "OK"
    reminted = jwt.decode(step4["accessToken"]["token"], options={"verify_signature": False})
    assert reminted["parentRefreshTokenHash1"] is None
    assert reminted["refreshTokenHash1"] == _h1(r1)
    assert step4["session"]["userDataInJWT"] == {"k": "v"}

    step5 = sessions.refresh(r0)  # R0 is dead now
    assert step5["status"] == "TOKEN_THEFT_DETECTED"
    assert step5["session"] == {
        "handle": step1["session"]["handle"],
        "userId": "u1",
        "recipeUserId": "u1",
    }
    step6 = sessions.refresh(r1b)  # its parent is not current
    assert step6["status"] == "TOKEN_THEFT_DETECTED"
    # The core reports theft; it does not revoke at CDI 5.4.
    assert sessions.get(step1["session"]["handle"])["status"] == "OK"

    step7 = sessions.refresh(r1)  # R1 is current: child R2
    assert step7["status"] == "OK"
    r2_claims = jwt.decode(step7["accessToken"]["token"], options={"verify_signature": False})
    assert r2_claims["parentRefreshTokenHash1"] == _h1(r1)


def test_verify_answers(client):
    app_id = new_id()
    client.put("/recipe/multitenancy/app/v2", json={"appId": app_id})
    sessions = SessionClient(client, app_id)
    created = sessions.create()
    token = created["accessToken"]["token"]

    settled = sessions.verify(token)
    assert settled == {
        "status": "OK",
        "session": {
            "handle": created["session"]["handle"],
            "userId": "u1",
            "recipeUserId": "u1",
            "userDataInJWT": {"k": "v"},
            "tenantId": "public",
        },
    }
    tampered = sessions.verify(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
    assert tampered["status"] == "TRY_REFRESH_TOKEN" and tampered["message"]
    garbage = sessions.verify("not-a-token")
    assert garbage["status"] == "TRY_REFRESH_TOKEN" and garbage["message"]

    client.put(
        f"/appid-{app_id}/recipe/jwt/data",
        json={"sessionHandle": created["session"]["handle"], "userDataInJWT": {"k": "new"}},
    )
    changed = sessions.verify(token, check_database=True)
    assert changed["session"]["userDataInJWT"] == {"k": "new"}
    assert (
        jwt.decode(changed["accessToken"]["token"], options={"verify_signature": False})["k"]
        == "new"
    )

    client.post(
        f"/appid-{app_id}/recipe/session/remove",
        json={"sessionHandles": [created["session"]["handle"]]},
    )
    gone = sessions.verify(token, check_database=True)
    assert gone == {
        "status": "UNAUTHORISED",
        "message": "Either the session has ended or has been blacklisted",
    }
    assert sessions.refresh(created["refreshToken"]["token"]) == {
        "status": "UNAUTHORISED",
        "message": "Session missing in db or has expired",
    }


def test_protected_claims_and_remove_rules(client):
    app_id = new_id()
    client.put("/recipe/multitenancy/app/v2", json={"appId": app_id})
    prefix = f"/appid-{app_id}"
    refused = client.post(
        f"{prefix}/public/recipe/session",
        json={
            "userId": "u1",
            "enableAntiCsrf": False,
            "userDataInJWT": {"sub": "x"},
            "userDataInDatabase": {},
        },
    )
    assert (refused.status_code, refused.text) == (
        400,
        "The user payload contains protected field\n",
    )
    both = client.post(
        f"{prefix}/recipe/session/remove", json={"userId": "u1", "sessionHandles": []}
    )
    assert both.text == "Invalid JSON input - use one of userId or sessionHandles array\n"
    stray = client.post(
        f"{prefix}/recipe/session/remove",
        json={"sessionHandles": ["h"], "revokeAcrossAllTenants": True},
    )
    assert stray.text == (
        "Invalid JSON input - revokeAcrossAllTenants can only be set if userId is set\n"
    )
    not_strings = client.post(f"{prefix}/recipe/session/remove", json={"sessionHandles": [1]})
    assert not_strings.text == "Field name 'sessionHandles' is invalid in JSON input\n"
    missing = client.get(f"{prefix}/recipe/session")
    assert missing.text == "Field name 'sessionHandle' is missing in GET request\n"
    unknown = client.get(f"{prefix}/recipe/session", query_string={"sessionHandle": "nope"})
    assert unknown.json == {"status": "UNAUTHORISED", "message": "Session does not exist."}


def test_sessions_of_one_tenant(client):
    app_id = new_id()
    client.put("/recipe/multitenancy/app/v2", json={"appId": app_id})
    client.put(f"/appid-{app_id}/recipe/multitenancy/tenant/v2", json={"tenantId": "t1"})
    body = {"userId": "u1", "enableAntiCsrf": False, "userDataInJWT": {}, "userDataInDatabase": {}}
    public = client.post(f"/appid-{app_id}/public/recipe/session", json=body).json
    tenant = client.post(f"/appid-{app_id}/t1/recipe/session", json=body).json
    assert tenant["session"]["handle"].endswith("_t1")
    assert tenant["session"]["tenantId"] == "t1"

    only_t1 = client.post(
        f"/appid-{app_id}/t1/recipe/session/remove",
        json={"userId": "u1", "revokeAcrossAllTenants": False},
    ).json
    assert only_t1 == {"status": "OK", "sessionHandlesRevoked": [tenant["session"]["handle"]]}
    left = client.get(f"/appid-{app_id}/recipe/session/user", query_string={"userId": "u1"}).json
    assert left == {"status": "OK", "sessionHandles": [public["session"]["handle"]]}

    again = client.post(f"/appid-{app_id}/t1/recipe/session", json=body).json
    client.post(f"/appid-{app_id}/recipe/multitenancy/tenant/remove", json={"tenantId": "t1"})
    client.put(f"/appid-{app_id}/recipe/multitenancy/tenant/v2", json={"tenantId": "t1"})
    assert (
        client.get(
            f"/appid-{app_id}/recipe/session",
            query_string={"sessionHandle": again["session"]["handle"]},
        ).json["status"]
        == "UNAUTHORISED"
    )
