"""The TOTP recipe through the core's HTTP API, with the core's testing kit, on SQLite,
PostgreSQL and MySQL: devices, codes, the limit of wrong codes, replays, user data, races,
and a tenant in a database of its own."""

from __future__ import annotations

import time

import pyotp
import pytest
import sqlalchemy
from st_totp.store import devices, used_codes

from core_app.testing.apps import AppClient, create_tenant, new_app, new_id, sign_up
from core_app.testing.client import core_test_client
from core_app.testing.concurrency import race
from core_app.testing.databases import schema_differences
from core_app.testing.housekeeping import run_housekeeping_now

DEVICE = "/recipe/totp/device"


@pytest.fixture
def app(make_app):
    """The core with TOTP and the recipes the user-data tests sign users up with."""
    return make_app(
        recipes=["totp", "session", "emailpassword", "useridmapping"],
        argon2_memory_kb=8,
        argon2_iterations=1,
    )


@pytest.fixture
def api(client) -> AppClient:
    """A fresh app of the core."""
    return AppClient(client, new_app(client))


def _create(api: AppClient, user_id: str = "user-1", **fields) -> dict:
    answer = api.post(DEVICE, {"userId": user_id, "skew": 1, "period": 30, **fields})
    assert answer.status_code == 200, answer.text
    return answer.json


def _code(secret: str, steps_ahead: int = 0, period: int = 30) -> str:
    # Codes of now and later steps stay inside the skew while the test runs.
    return pyotp.TOTP(secret, interval=period).at(time.time() + steps_ahead * period)


def _verified_device(api: AppClient, user_id: str = "user-1", name: str = "phone") -> str:
    secret = _create(api, user_id, deviceName=name, skew=2)["secret"]
    verified = api.post(
        f"{DEVICE}/verify", {"userId": user_id, "deviceName": name, "totp": _code(secret)}
    )
    assert verified.json == {"status": "OK", "wasAlreadyVerified": False}
    return secret


def _rows(app, table, app_id: str) -> list:
    engine = app.extensions["supertokens_core"].storage.engine()
    with engine.connect() as conn:
        return list(conn.execute(sqlalchemy.select(table).where(table.c.app_id == app_id)))


def test_a_device_is_made_unverified_with_a_base32_secret_and_verified_with_its_code(api):
    created = _create(api)
    assert created["status"] == "OK" and created["deviceName"] == "TOTP Device 0"
    assert len(created["secret"]) == 32 and pyotp.TOTP(created["secret"]).byte_secret()
    listed = api.get(f"{DEVICE}/list", {"userId": "user-1"}).json
    assert listed == {
        "status": "OK",
        "devices": [{"name": "TOTP Device 0", "period": 30, "skew": 1, "verified": False}],
    }
    body = {"userId": "user-1", "deviceName": "TOTP Device 0", "totp": _code(created["secret"])}
    assert api.post(f"{DEVICE}/verify", body).json == {"status": "OK", "wasAlreadyVerified": False}
    assert api.post(f"{DEVICE}/verify", body).json == {"status": "OK", "wasAlreadyVerified": True}
    assert api.get(f"{DEVICE}/list", {"userId": "user-1"}).json["devices"][0]["verified"] is True


def test_names_an_unverified_device_is_replaced_a_verified_one_is_kept(api):
    first = _create(api)
    again = _create(api)  # the unverified "TOTP Device 0" is replaced
    assert again["deviceName"] == "TOTP Device 0" and again["secret"] != first["secret"]
    assert len(api.get(f"{DEVICE}/list", {"userId": "user-1"}).json["devices"]) == 1
    body = {"userId": "user-1", "deviceName": "TOTP Device 0", "totp": _code(again["secret"])}
    assert api.post(f"{DEVICE}/verify", body).json["status"] == "OK"
    assert _create(api)["deviceName"] == "TOTP Device 1"
    assert _create(api, deviceName="TOTP Device 0") == {"status": "DEVICE_ALREADY_EXISTS_ERROR"}


def test_rename_and_remove(api):
    _create(api, deviceName="phone")
    _create(api, deviceName="tablet")
    rename = {"userId": "user-1", "existingDeviceName": "phone", "newDeviceName": "tablet"}
    assert api.put(DEVICE, rename).json == {"status": "DEVICE_ALREADY_EXISTS_ERROR"}
    unknown = {**rename, "existingDeviceName": "watch", "newDeviceName": "ring"}
    assert api.put(DEVICE, unknown).json == {"status": "UNKNOWN_DEVICE_ERROR"}
    assert api.put(DEVICE, {**rename, "newDeviceName": "old phone"}).json == {"status": "OK"}
    names = [d["name"] for d in api.get(f"{DEVICE}/list", {"userId": "user-1"}).json["devices"]]
    assert sorted(names) == ["old phone", "tablet"]
    remove = {"userId": "user-1", "deviceName": "tablet"}
    assert api.post(f"{DEVICE}/remove", remove).json == {"status": "OK", "didDeviceExist": True}
    assert api.post(f"{DEVICE}/remove", remove).json == {"status": "OK", "didDeviceExist": False}
    other = {"userId": "nobody", "deviceName": "tablet"}
    assert api.post(f"{DEVICE}/remove", other).json == {"status": "OK", "didDeviceExist": False}


def test_a_code_is_accepted_once_and_only_from_verified_devices(api):
    verify = "/recipe/totp/verify"
    assert api.post(verify, {"userId": "user-1", "totp": "123456"}).json == {
        "status": "UNKNOWN_USER_ID_ERROR"
    }
    pending = _create(api, deviceName="pending")["secret"]
    refused = api.post(verify, {"userId": "user-1", "totp": _code(pending)}).json
    assert refused["status"] == "INVALID_TOTP_ERROR"  # the device is not verified yet
    secret = _verified_device(api)
    code = _code(secret, 1)
    assert api.post(verify, {"userId": "user-1", "totp": code}).json == {"status": "OK"}
    replay = api.post(verify, {"userId": "user-1", "totp": code}).json
    assert replay["status"] == "INVALID_TOTP_ERROR"
    assert api.post(verify, {"userId": "user-1", "totp": _code(secret, 2)}).json == {"status": "OK"}


def test_wrong_codes_reach_the_limit_per_tenant(client):
    app_id = new_app(client)
    api = AppClient(client, app_id)
    create_tenant(client, "t1", app_id=app_id)
    config = {"totp_max_attempts": 3, "totp_rate_limit_cooldown_sec": 60}
    assert (
        client.put(
            "/recipe/multitenancy/app/v2", json={"appId": app_id, "coreConfig": config}
        ).json["status"]
        == "OK"
    )
    secret = _verified_device(api)
    wrong = {"userId": "user-1", "totp": "000000" if _code(secret) != "000000" else "111111"}
    answers = [api.post("/recipe/totp/verify", wrong).json for _ in range(4)]
    assert [a["status"] for a in answers] == ["INVALID_TOTP_ERROR"] * 3 + ["LIMIT_REACHED_ERROR"]
    assert [a["currentNumberOfFailedAttempts"] for a in answers] == [1, 2, 3, 3]
    assert {a["maxNumberOfFailedAttempts"] for a in answers} == {3}
    assert 55_000 < answers[3]["retryAfterMs"] <= 60_000
    right = {"userId": "user-1", "totp": _code(secret, 1)}
    assert api.post("/recipe/totp/verify", right).json["status"] == "LIMIT_REACHED_ERROR"
    # Another tenant keeps its own count.
    assert api.post("/recipe/totp/verify", right, tenant="t1").json == {"status": "OK"}


def test_inputs_are_checked_with_upstreams_messages(api):
    cases = [
        (DEVICE, {"userId": "", "skew": 1, "period": 30}, "userId cannot be empty"),
        (
            DEVICE,
            {"userId": "u", "deviceName": "", "skew": 1, "period": 30},
            "deviceName cannot be empty",
        ),
        (DEVICE, {"userId": "u", "skew": -1, "period": 30}, "skew must be >= 0"),
        (DEVICE, {"userId": "u", "skew": 1, "period": 0}, "period must be > 0"),
        (DEVICE, {"userId": "u", "skew": 101, "period": 30}, "skew must be <= 100"),
        (DEVICE, {"userId": "u", "skew": 1, "period": 86_401}, "period must be <= 86400"),
        (DEVICE, {"userId": "u", "period": 30}, "Field name 'skew' is invalid in JSON input"),
        (
            f"{DEVICE}/import",
            {"userId": "u", "skew": 1, "period": 30, "secretKey": ""},
            "secretKey cannot be empty",
        ),
        (
            f"{DEVICE}/import",
            {"userId": "u", "skew": 1, "period": 30, "secretKey": "not base32!"},
            "secretKey must be a base32 string",
        ),
        ("/recipe/totp/verify", {"userId": "", "totp": "1"}, "userId cannot be empty"),
        (
            f"{DEVICE}/verify",
            {"userId": "u", "deviceName": "", "totp": "1"},
            "deviceName cannot be empty",
        ),
    ]
    for path, body, message in cases:
        answer = api.post(path, body)
        assert (answer.status_code, answer.text) == (400, message + "\n"), (path, body)
    answer = api.get(f"{DEVICE}/list", {"userId": ""})
    assert (answer.status_code, answer.text) == (400, "userId cannot be empty\n")


def test_an_imported_device_is_verified_and_its_codes_work(api):
    secret = pyotp.random_base32()
    body = {"userId": "user-1", "skew": 1, "period": 30, "secretKey": secret}
    assert api.post(f"{DEVICE}/import", body).json == {
        "status": "OK",
        "deviceName": "TOTP Device 0",
    }
    assert api.post(f"{DEVICE}/import", {**body, "deviceName": "TOTP Device 0"}).json == {
        "status": "DEVICE_ALREADY_EXISTS_ERROR"
    }
    verify = {"userId": "user-1", "totp": _code(secret)}
    assert api.post("/recipe/totp/verify", verify).json == {"status": "OK"}


def test_the_tenants_limit_is_refused_when_not_positive(client):
    app_id = new_id()
    answer = client.put(
        "/recipe/multitenancy/app/v2",
        json={"appId": app_id, "coreConfig": {"totp_max_attempts": 0}},
    )
    assert answer.status_code == 400 and "'totp_max_attempts' must be > 0" in answer.text


def test_devices_go_with_their_user_and_a_mapping_is_refused_while_they_exist(app, api):
    user_id = sign_up(api.client, "ada@example.com", "a-long-password-1", app_id=api.app_id)[
        "user"
    ]["id"]
    _verified_device(api, user_id)
    refused = api.client.post(
        f"/appid-{api.app_id}/recipe/userid/map",
        json={"superTokensUserId": user_id, "externalUserId": "ada"},
    )
    assert (refused.status_code, refused.text) == (
        400,
        "UserId is already in use in TOTP recipe\n",
    )
    removed = api.client.post(f"/appid-{api.app_id}/user/remove", json={"userId": user_id})
    assert removed.json == {"status": "OK"}
    assert api.get(f"{DEVICE}/list", {"userId": user_id}).json["devices"] == []
    assert _rows(app, devices, api.app_id) == []
    assert _rows(app, used_codes, api.app_id) == []


def test_parallel_creates_of_one_name_leave_one_device(app, api):
    clients = [core_test_client(app) for _ in range(8)]
    body = {"userId": "user-1", "deviceName": "phone", "skew": 1, "period": 30}
    path = api.path(DEVICE)
    answers = race(8, lambda: clients.pop().post(path, json=body))
    assert [a.status_code for a in answers] == [200] * 8, [a.text for a in answers]
    assert {a.json["status"] for a in answers} == {"OK"}
    assert len(_rows(app, devices, api.app_id)) == 1


def test_parallel_wrong_codes_never_pass_the_limit(app, api):
    assert (
        api.client.put(
            "/recipe/multitenancy/app/v2",
            json={"appId": api.app_id, "coreConfig": {"totp_max_attempts": 3}},
        ).json["status"]
        == "OK"
    )
    secret = _verified_device(api)
    wrong = "000000" if _code(secret) != "000000" else "111111"
    clients = [core_test_client(app) for _ in range(12)]
    path = api.path("/recipe/totp/verify")
    answers = race(12, lambda: clients.pop().post(path, json={"userId": "user-1", "totp": wrong}))
    assert [a.status_code for a in answers] == [200] * 12, [a.text for a in answers]
    statuses = [a.json["status"] for a in answers]
    assert statuses.count("INVALID_TOTP_ERROR") == 3
    assert statuses.count("LIMIT_REACHED_ERROR") == 9
    wrong_rows = [row for row in _rows(app, used_codes, api.app_id) if not row.is_valid]
    assert len(wrong_rows) == 3


def test_the_migration_builds_the_declared_tables(app, database_url):
    names = ["totp_users", "totp_user_devices", "totp_used_codes"]
    assert schema_differences(app, database_url, names) == []


def test_housekeeping_keeps_used_codes_for_the_cooldown_after_their_window(app, api):
    secret = _verified_device(api)
    api.post("/recipe/totp/verify", {"userId": "user-1", "totp": _code(secret, 1)})
    now = int(time.time() * 1000)
    engine = app.extensions["supertokens_core"].storage.engine()
    with engine.begin() as conn:
        rows = sqlalchemy.select(used_codes.c.id).where(used_codes.c.app_id == api.app_id)
        ids = sorted(row.id for row in conn.execute(rows))
        assert len(ids) == 2
        # The first window ended longer ago than the 900 s cooldown; the second just now.
        for row_id, ended in zip(ids, (now - 901_000, now - 1_000)):
            conn.execute(
                sqlalchemy.update(used_codes)
                .where(used_codes.c.id == row_id)
                .values(expiry_time_ms=ended)
            )
    run_housekeeping_now(app)
    assert [row.id for row in _rows(app, used_codes, api.app_id)] == ids[1:]
