"""Session keys that upstream ignores at CDI 5.4: ``access_token_blacklisting`` works here
(Extension); the three others are accepted only at their defaults (contract, config §2)."""

from __future__ import annotations

import re

import pytest

from core_app import create_app
from core_app.config import ConfigError
from core_app.testing.apps import new_id

NON_DEFAULTS = [
    ("access_token_signing_key_dynamic", False, "true", "useDynamicSigningKey"),
    ("refresh_token_rotation_grace_period", 60, "30", "remove the key"),
    ("recent_token_reuse_behaviour", "UNAUTHORISED", "TOKEN_THEFT", "remove the key"),
]


def _message(name: str, shown_default: str) -> str:
    return f"'{name}' has no effect at CDI 5.4, so only its default ({shown_default}) is accepted"


def _new_app(client, core_config: dict) -> str:
    app_id = new_id()
    answer = client.put(
        "/recipe/multitenancy/app/v2", json={"appId": app_id, "coreConfig": core_config}
    )
    assert answer.json["status"] == "OK", answer.text
    return app_id


def _create(client, app_id: str) -> dict:
    return client.post(
        f"/appid-{app_id}/public/recipe/session",
        json={
            "userId": "u1",
            "enableAntiCsrf": False,
            "userDataInJWT": {},
            "userDataInDatabase": {},
        },
    ).json


def _verify(client, app_id: str, token: str) -> dict:
    return client.post(
        f"/appid-{app_id}/recipe/session/verify",
        json={
            "accessToken": token,
            "doAntiCsrfCheck": False,
            "enableAntiCsrf": False,
            "checkDatabase": False,
        },
    ).json


def _revoke(client, app_id: str, handle: str) -> None:
    answer = client.post(
        f"/appid-{app_id}/recipe/session/remove", json={"sessionHandles": [handle]}
    ).json
    assert answer["sessionHandlesRevoked"] == [handle]


# --- access_token_blacklisting ------------------------------------------------------------


@pytest.mark.parametrize(
    "blacklisting, after_revoke",
    [
        (True, "UNAUTHORISED"),
        (False, "OK"),  # upstream's behaviour: a settled token verifies without the database
    ],
)
def test_blacklisting_makes_a_revoked_access_token_unauthorised_at_once(
    client, blacklisting, after_revoke
):
    app_id = _new_app(client, {"access_token_blacklisting": blacklisting})
    created = _create(client, app_id)
    token = created["accessToken"]["token"]
    assert _verify(client, app_id, token)["status"] == "OK"
    _revoke(client, app_id, created["session"]["handle"])
    answer = _verify(client, app_id, token)
    assert answer["status"] == after_revoke
    if blacklisting:
        assert answer["message"] == "Either the session has ended or has been blacklisted"


def test_blacklisting_from_the_config_file_applies_to_every_app(make_app):
    client = make_app(access_token_blacklisting=True).test_client()
    app_id = _new_app(client, {})
    created = _create(client, app_id)
    _revoke(client, app_id, created["session"]["handle"])
    assert _verify(client, app_id, created["accessToken"]["token"])["status"] == "UNAUTHORISED"


# --- keys without effect at CDI 5.4 -------------------------------------------------------


@pytest.mark.parametrize("test_mode", [False, True])
@pytest.mark.parametrize("name, value, shown_default, advice", NON_DEFAULTS)
def test_a_non_default_value_stops_the_start(
    make_app, name, value, shown_default, advice, test_mode
):
    with pytest.raises(ConfigError) as error:
        make_app(**{name: value, "test_mode": test_mode})
    assert str(error.value).startswith(_message(name, shown_default))
    assert advice in str(error.value)


def test_an_upstream_file_repeating_the_defaults_starts(
    database_url, isolated_environment, tmp_path, monkeypatch
):
    config_file = tmp_path / "upstream.yaml"
    config_file.write_text(
        f'connection_uri: "{database_url}"\n'
        "access_token_signing_key_dynamic: true\n"
        "refresh_token_rotation_grace_period: 30\n"
        'recent_token_reuse_behaviour: "token_theft"\n'
        "access_token_blacklisting: false\n"
    )
    monkeypatch.setenv("SUPERTOKENS_CONFIG", str(config_file))
    app = create_app()
    try:
        settings = app.extensions["supertokens_core"].settings
        assert settings.recent_token_reuse_behaviour == "TOKEN_THEFT"
    finally:
        app.extensions["supertokens_core"].storage.dispose()


def test_a_non_default_value_in_the_config_file_or_environment_stops_the_start(
    database_url, isolated_environment, tmp_path, monkeypatch
):
    config_file = tmp_path / "upstream.yaml"
    config_file.write_text(
        f'connection_uri: "{database_url}"\nrefresh_token_rotation_grace_period: 0\n'
    )
    monkeypatch.setenv("SUPERTOKENS_CONFIG", str(config_file))
    grace_message = _message("refresh_token_rotation_grace_period", "30")
    with pytest.raises(ConfigError, match=re.escape(grace_message)):
        create_app()
    config_file.write_text(f'connection_uri: "{database_url}"\n')
    monkeypatch.setenv("ACCESS_TOKEN_SIGNING_KEY_DYNAMIC", "false")  # upstream's variable
    dynamic_message = _message("access_token_signing_key_dynamic", "true")
    with pytest.raises(ConfigError, match=re.escape(dynamic_message)):
        create_app()


@pytest.mark.parametrize(
    "name, value, shown_default",
    [
        ("access_token_signing_key_dynamic", "false", "true"),
        ("refresh_token_rotation_grace_period", "0", "30"),
    ],
)
def test_a_non_default_value_in_a_core_config_is_400(client, name, value, shown_default):
    answer = client.put(
        "/recipe/multitenancy/app/v2", json={"appId": new_id(), "coreConfig": {name: value}}
    )
    assert answer.status_code == 400
    assert answer.text.startswith("Invalid core config: " + _message(name, shown_default))


def test_defaults_in_a_core_config_are_accepted(client):
    _new_app(
        client,
        {"access_token_signing_key_dynamic": "true", "refresh_token_rotation_grace_period": 30},
    )


def test_reuse_behaviour_is_base_config_only(client):
    answer = client.put(
        "/recipe/multitenancy/app/v2",
        json={"appId": new_id(), "coreConfig": {"recent_token_reuse_behaviour": "TOKEN_THEFT"}},
    )
    assert answer.status_code == 400
    assert answer.text.strip() == (
        "Invalid core config: recent_token_reuse_behaviour can only "
        "be set via the core's base config setting"
    )
