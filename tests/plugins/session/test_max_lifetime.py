"""An absolute session lifetime, ``session_max_lifetime`` (Extension; ASVS 5.0 V7.3.2):
however often a session refreshes, it ends this many seconds after it was created."""

from __future__ import annotations

import time

import jwt
import pytest
from supertokens_python.recipe import session
from supertokens_python.recipe.session.exceptions import UnauthorisedError
from supertokens_python.recipe.session.syncio import (
    create_new_session_without_request_response,
    refresh_session_without_request_response,
)
from supertokens_python.types import RecipeUserId

from core_app.config import ConfigError
from core_app.testing.apps import new_id
from core_app.testing.sdk import create_app_on_core, init_sdk, reset_sdk
from plugins.session import service
from plugins.session.config import DEFAULT_SESSION_MAX_LIFETIME_S

REFRESH_VALIDITY_MS = 144_000 * 60_000  # the default refresh_token_validity


class Clock:
    """The session service's clock, moved by hand."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.now = int(time.time() * 1000)
        monkeypatch.setattr(service, "now_ms", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += int(seconds * 1000)


class Sessions:
    """The session routes of one app."""

    def __init__(self, client, core_config: dict):
        self.client = client
        self.app_id = new_id()
        answer = client.put(
            "/recipe/multitenancy/app/v2", json={"appId": self.app_id, "coreConfig": core_config}
        )
        assert answer.json["status"] == "OK", answer.text
        self.prefix = f"/appid-{self.app_id}"

    def configure(self, core_config: dict) -> None:
        answer = self.client.put(
            "/recipe/multitenancy/app/v2", json={"appId": self.app_id, "coreConfig": core_config}
        )
        assert answer.json["status"] == "OK", answer.text

    def create(self) -> dict:
        return self.client.post(
            f"{self.prefix}/public/recipe/session",
            json={
                "userId": "u1",
                "enableAntiCsrf": False,
                "userDataInJWT": {},
                "userDataInDatabase": {},
            },
        ).json

    def refresh(self, token: str) -> dict:
        return self.client.post(
            f"{self.prefix}/recipe/session/refresh",
            json={"refreshToken": token, "enableAntiCsrf": False, "useDynamicSigningKey": True},
        ).json

    def verify(self, token: str) -> dict:
        return self.client.post(
            f"{self.prefix}/recipe/session/verify",
            json={
                "accessToken": token,
                "doAntiCsrfCheck": False,
                "enableAntiCsrf": False,
                "checkDatabase": False,
            },
        ).json

    def stored_expiry(self, handle: str) -> int:
        answer = self.client.get(
            f"{self.prefix}/recipe/session", query_string={"sessionHandle": handle}
        ).json
        assert answer["status"] == "OK", answer
        return answer["expiry"]


def _access_expiry_ms(answer: dict) -> int:
    claims = jwt.decode(answer["accessToken"]["token"], options={"verify_signature": False})
    assert claims["exp"] * 1000 == answer["accessToken"]["expiry"]
    return answer["accessToken"]["expiry"]


def test_refreshing_keeps_a_session_alive_only_until_its_max_lifetime(client, monkeypatch):
    clock = Clock(monkeypatch)
    sessions = Sessions(client, {"session_max_lifetime": 100})
    created = sessions.create()
    end = clock.now + 100_000
    handle = created["session"]["handle"]
    # Nothing issued promises more than the absolute limit.
    assert created["refreshToken"]["expiry"] == end
    assert _access_expiry_ms(created) <= end
    assert sessions.stored_expiry(handle) == end

    clock.advance(40)
    first = sessions.refresh(created["refreshToken"]["token"])
    assert first["status"] == "OK"
    assert first["refreshToken"]["expiry"] == end
    clock.advance(20)
    assert sessions.verify(first["accessToken"]["token"])["status"] == "OK"  # promotes
    assert sessions.stored_expiry(handle) == end  # not moved past the limit

    clock.advance(39.999)
    second = sessions.refresh(first["refreshToken"]["token"])
    assert second["status"] == "OK"
    assert second["refreshToken"]["expiry"] == end
    assert _access_expiry_ms(second) <= end

    clock.advance(0.001)
    assert sessions.refresh(second["refreshToken"]["token"]) == {
        "status": "UNAUTHORISED",
        "message": service.SESSION_MAX_LIFETIME_REACHED,
    }
    assert sessions.verify(second["accessToken"]["token"])["status"] == "TRY_REFRESH_TOKEN"


def test_zero_means_no_absolute_lifetime_as_upstream(client, monkeypatch):
    clock = Clock(monkeypatch)
    sessions = Sessions(client, {"session_max_lifetime": 0})
    created = sessions.create()
    assert created["refreshToken"]["expiry"] == clock.now + REFRESH_VALIDITY_MS
    clock.advance(DEFAULT_SESSION_MAX_LIFETIME_S * 2)
    refreshed = sessions.refresh(created["refreshToken"]["token"])
    assert refreshed["status"] == "OK"
    assert refreshed["refreshToken"]["expiry"] == clock.now + REFRESH_VALIDITY_MS


def test_default_is_thirty_days(client, monkeypatch):
    clock = Clock(monkeypatch)
    sessions = Sessions(client, {})
    created = sessions.create()
    assert DEFAULT_SESSION_MAX_LIFETIME_S == 30 * 24 * 3600
    assert created["refreshToken"]["expiry"] == clock.now + DEFAULT_SESSION_MAX_LIFETIME_S * 1000


def test_a_lowered_limit_ends_sessions_created_before_it(client, monkeypatch):
    clock = Clock(monkeypatch)
    sessions = Sessions(client, {})
    created = sessions.create()
    sessions.configure({"session_max_lifetime": 60})
    clock.advance(61)
    assert sessions.refresh(created["refreshToken"]["token"])["status"] == "UNAUTHORISED"


def test_negative_limit_is_refused(client, make_app):
    answer = client.put(
        "/recipe/multitenancy/app/v2",
        json={"appId": new_id(), "coreConfig": {"session_max_lifetime": -1}},
    )
    assert answer.status_code == 400
    assert answer.text.strip() == (
        "Invalid core config: 'session_max_lifetime' must be >= 0 (0: no absolute lifetime)."
    )
    with pytest.raises(ConfigError, match="'session_max_lifetime' must be >= 0"):
        make_app(session_max_lifetime=-5)


@pytest.mark.integration
def test_the_sdk_refresh_is_unauthorised_after_the_limit(running_core, monkeypatch):
    monkeypatch.setenv("SUPERTOKENS_ENV", "testing")
    uri = create_app_on_core(running_core, new_id(), {"session_max_lifetime": 3})
    init_sdk(uri, [session.init(get_token_transfer_method=lambda *_: "header", anti_csrf="NONE")])
    try:
        created = create_new_session_without_request_response(
            "public", RecipeUserId("max-lifetime-user"), {}, {}
        )
        tokens = created.get_all_session_tokens_dangerously()
        refreshed = refresh_session_without_request_response(tokens["refreshToken"])
        assert refreshed.get_user_id() == "max-lifetime-user"
        # The session was created before the refresh began: 3 s after its end it has expired.
        time.sleep(3.1)
        latest = refreshed.get_all_session_tokens_dangerously()["refreshToken"]
        with pytest.raises(UnauthorisedError):
            refresh_session_without_request_response(latest)
    finally:
        reset_sdk()
