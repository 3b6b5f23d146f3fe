"""Sessions through the official supertokens-python SDK, as a Flask app uses them, against
the core under gunicorn (2 workers)."""

from __future__ import annotations

import pytest
from flask import Flask, g, jsonify
from supertokens_python.framework.flask import Middleware
from supertokens_python.recipe import session
from supertokens_python.recipe.session.exceptions import UnauthorisedError
from supertokens_python.recipe.session.framework.flask import verify_session
from supertokens_python.recipe.session.syncio import (
    create_jwt,
    create_new_session,
    create_new_session_without_request_response,
    get_all_session_handles_for_user,
    get_jwks,
    get_session_information,
    get_session_without_request_response,
    merge_into_access_token_payload,
    refresh_session_without_request_response,
    revoke_all_sessions_for_user,
    revoke_session,
    update_session_data_in_database,
)
from supertokens_python.types import RecipeUserId

from core_app.testing.apps import new_id
from core_app.testing.sdk import create_app_on_core, init_sdk, reset_sdk

pytestmark = pytest.mark.integration


@pytest.fixture
def core_app_uri(running_core: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh app on the running core; the SDK is initialised against it."""
    monkeypatch.setenv("SUPERTOKENS_ENV", "testing")
    uri = create_app_on_core(running_core, new_id())
    init_sdk(uri, [session.init(get_token_transfer_method=lambda *_: "header", anti_csrf="NONE")])
    yield uri
    reset_sdk()


@pytest.fixture
def web_app(core_app_uri: str) -> Flask:
    """A Flask app using the SDK the way an application team would."""
    app = Flask(__name__)
    Middleware(app)

    @app.post("/login/<user_id>")
    def login(user_id: str):
        from flask import request

        create_new_session(request, "public", RecipeUserId(user_id), {"role": "reader"}, {})
        return jsonify({})

    @app.get("/protected")
    @verify_session()
    def protected():
        container = g.supertokens
        return jsonify(
            {"user": container.get_user_id(), "payload": container.get_access_token_payload()}
        )

    @app.get("/protected-db")
    @verify_session(check_database=True)
    def protected_db():
        return jsonify({"user": g.supertokens.get_user_id()})

    return app


def _tokens(response) -> tuple[str, str]:
    return response.headers["st-access-token"], response.headers["st-refresh-token"]


def test_login_verify_refresh_and_theft(web_app: Flask) -> None:
    client = web_app.test_client()
    access, refresh = _tokens(client.post("/login/alice"))

    protected = client.get("/protected", headers={"Authorization": f"Bearer {access}"})
    assert protected.status_code == 200
    assert protected.json["user"] == "alice"
    assert protected.json["payload"]["role"] == "reader"
    assert (
        client.get("/protected-db", headers={"Authorization": f"Bearer {access}"}).status_code
        == 200
    )

    refreshed = client.post("/auth/session/refresh", headers={"Authorization": f"Bearer {refresh}"})
    assert refreshed.status_code == 200, refreshed.text
    new_access, new_refresh = _tokens(refreshed)
    assert new_refresh != refresh

    # First use of the new access token: the core promotes the new refresh token and
    # sends a re-minted access token, which the SDK passes on.
    first_use = client.get("/protected", headers={"Authorization": f"Bearer {new_access}"})
    assert first_use.status_code == 200
    assert "st-access-token" in first_use.headers

    # The old refresh token after its child was used: theft. The SDK's default handler
    # revokes the session and answers 401.
    stolen = client.post("/auth/session/refresh", headers={"Authorization": f"Bearer {refresh}"})
    assert stolen.status_code == 401
    assert (
        client.get("/protected-db", headers={"Authorization": f"Bearer {new_access}"}).status_code
        == 401
    )


def test_session_functions(core_app_uri: str) -> None:
    created = create_new_session_without_request_response(
        "public", RecipeUserId("bob"), {"plan": "free"}, {"cart": 1}
    )
    handle = created.get_handle()
    tokens = created.get_all_session_tokens_dangerously()

    verified = get_session_without_request_response(tokens["accessToken"], check_database=True)
    assert verified is not None and verified.get_user_id() == "bob"
    assert verified.get_access_token_payload()["plan"] == "free"

    info = get_session_information(handle)
    assert info is not None
    assert info.session_data_in_database == {"cart": 1}
    # The SDK adds its own issuer to every payload.
    assert info.custom_claims_in_access_token_payload == {
        "plan": "free",
        "iss": "http://api.example.com/auth",
    }
    assert info.user_id == "bob" and info.tenant_id == "public"

    assert update_session_data_in_database(handle, {"cart": 2}) is True
    assert get_session_information(handle).session_data_in_database == {"cart": 2}

    # Claims merged through the session container regenerate the current access token.
    verified.sync_merge_into_access_token_payload({"plan": "pro"})
    assert verified.get_access_token_payload()["plan"] == "pro"
    reverified = get_session_without_request_response(verified.get_access_token())
    assert reverified is not None
    assert reverified.get_access_token_payload()["plan"] == "pro"
    assert merge_into_access_token_payload(handle, {"seats": 3}) is True
    assert get_session_information(handle).custom_claims_in_access_token_payload == {
        "plan": "pro",
        "seats": 3,
        "iss": "http://api.example.com/auth",
    }

    refreshed = refresh_session_without_request_response(tokens["refreshToken"])
    assert refreshed.get_handle() == handle

    second = create_new_session_without_request_response("public", RecipeUserId("bob"))
    assert sorted(get_all_session_handles_for_user("bob")) == sorted([handle, second.get_handle()])
    assert revoke_session(handle) is True
    assert get_session_information(handle) is None
    with pytest.raises(UnauthorisedError):
        get_session_without_request_response(tokens["accessToken"], check_database=True)
    assert revoke_all_sessions_for_user("bob") == [second.get_handle()]
    assert get_all_session_handles_for_user("bob") == []


def test_jwt_and_jwks(core_app_uri: str) -> None:
    import jwt as pyjwt

    made = create_jwt({"purpose": "test"}, 60)
    assert type(made).__name__ == "CreateJwtOkResult"
    keys = get_jwks().keys
    assert any(key.kid.startswith("s-") for key in keys)
    header = pyjwt.get_unverified_header(made.jwt)
    [key] = [k for k in keys if k.kid == header["kid"]]
    public = pyjwt.PyJWK(
        {"kty": key.kty, "n": key.n, "e": key.e, "kid": key.kid, "alg": "RS256"}
    ).key
    claims = pyjwt.decode(made.jwt, public, algorithms=["RS256"])
    assert claims["purpose"] == "test" and claims["exp"] - claims["iat"] == 60
