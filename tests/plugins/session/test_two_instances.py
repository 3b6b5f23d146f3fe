"""Two core instances (two gunicorn processes, two ports) behind one database."""

from __future__ import annotations

import pytest
import requests
from supertokens_python.recipe import session
from supertokens_python.recipe.session.syncio import (
    create_new_session_without_request_response,
    get_session_without_request_response,
    refresh_session_without_request_response,
)
from supertokens_python.types import RecipeUserId

from core_app.testing.apps import new_id
from core_app.testing.core_process import CoreProcess
from core_app.testing.sdk import create_app_on_core, init_sdk, reset_sdk

pytestmark = pytest.mark.integration


@pytest.fixture
def two_cores(database_url: str, tmp_path) -> tuple[str, str]:
    """Two gunicorn processes on two ports sharing the run's database."""
    env = {"SUPERTOKENS_CONNECTION_URI": database_url}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with CoreProcess(tmp_path / "a", env) as first, CoreProcess(tmp_path / "b", env) as second:
        yield first.url, second.url


def _post(url: str, body: dict) -> dict:
    answer = requests.post(url, json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_session_moves_between_instances(two_cores: tuple[str, str]) -> None:
    first, second = two_cores
    app_id = new_id()
    create_app_on_core(first, app_id)

    created = _post(
        f"{second}/appid-{app_id}/public/recipe/session",
        {
            "userId": "carol",
            "enableAntiCsrf": False,
            "userDataInJWT": {"k": 1},
            "userDataInDatabase": {},
        },
    )
    refreshed = _post(
        f"{first}/appid-{app_id}/recipe/session/refresh",
        {
            "refreshToken": created["refreshToken"]["token"],
            "enableAntiCsrf": False,
            "useDynamicSigningKey": True,
        },
    )
    assert refreshed["status"] == "OK"
    verified = _post(
        f"{second}/appid-{app_id}/recipe/session/verify",
        {
            "accessToken": refreshed["accessToken"]["token"],
            "doAntiCsrfCheck": False,
            "enableAntiCsrf": False,
            "checkDatabase": True,
        },
    )
    assert verified["status"] == "OK" and "accessToken" in verified  # promoted, re-minted
    stolen = _post(
        f"{first}/appid-{app_id}/recipe/session/refresh",
        {
            "refreshToken": created["refreshToken"]["token"],
            "enableAntiCsrf": False,
            "useDynamicSigningKey": True,
        },
    )
    assert stolen["status"] == "TOKEN_THEFT_DETECTED"

    jwks = [
        requests.get(f"{url}/appid-{app_id}/.well-known/jwks.json", timeout=10).json()
        for url in (first, second)
    ]
    assert jwks[0] == jwks[1]
    assert len(jwks[0]["keys"]) == 2  # one dynamic, one static


def test_sdk_round_robin_over_two_instances(
    two_cores: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = two_cores
    app_id = new_id()
    create_app_on_core(first, app_id)
    monkeypatch.setenv("SUPERTOKENS_ENV", "testing")
    init_sdk(f"{first}/appid-{app_id};{second}/appid-{app_id}", [session.init()])
    try:
        for user in ("dave", "erin", "frank"):
            created = create_new_session_without_request_response("public", RecipeUserId(user))
            tokens = created.get_all_session_tokens_dangerously()
            refreshed = refresh_session_without_request_response(tokens["refreshToken"])
            again = get_session_without_request_response(
                refreshed.get_access_token(), check_database=True
            )
            assert again is not None and again.get_user_id() == user
    finally:
        reset_sdk()
