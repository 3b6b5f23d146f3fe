"""The passwordless routes through the HTTP API, on every database (contract, passwordless)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
import time

import pytest
from sqlalchemy import select, update

from core_app.housekeeping import run_housekeeping
from core_app.testing.apps import new_id
from core_app.testing.concurrency import race
from plugins.passwordless import store

RID = {"rid": "passwordless"}


class Api:
    """Calls the passwordless routes of one app."""

    def __init__(self, client, app_id: str):
        self.client = client
        self.app_id = app_id

    def path(self, route: str, tenant: str = "public") -> str:
        return f"/appid-{self.app_id}/{tenant}{route}"

    def post(self, route: str, body: dict, tenant: str = "public", **kwargs):
        return self.client.post(self.path(route, tenant), json=body, **kwargs)

    def create(self, tenant: str = "public", **body) -> dict:
        answer = self.post("/recipe/signinup/code", body, tenant)
        assert answer.status_code == 200, answer.data
        return answer.json

    def typed(
        self, created: dict, code: str, route: str = "consume", tenant: str = "public"
    ) -> dict:
        return self.post(
            f"/recipe/signinup/code/{route}",
            {
                "preAuthSessionId": created["preAuthSessionId"],
                "deviceId": created["deviceId"],
                "userInputCode": code,
            },
            tenant,
        ).json

    def link(self, created: dict, route: str = "consume", tenant: str = "public") -> dict:
        return self.post(
            f"/recipe/signinup/code/{route}",
            {"preAuthSessionId": created["preAuthSessionId"], "linkCode": created["linkCode"]},
            tenant,
        ).json

    def codes(self, tenant: str = "public", **query):
        return self.client.get(self.path("/recipe/signinup/codes", tenant), query_string=query)

    def sign_in(self, tenant: str = "public", **contact) -> dict:
        created = self.create(tenant, **contact)
        answer = self.link(created, tenant=tenant)
        assert answer["status"] == "OK", answer
        return answer

    def update(self, body: dict) -> dict:
        answer = self.client.put(f"/appid-{self.app_id}/recipe/user", json=body, headers=RID)
        return (
            answer.json
            if answer.status_code == 200
            else {"http": answer.status_code, "text": answer.data.decode()}
        )

    def add_tenant(self, tenant_id: str) -> None:
        answer = self.client.put(
            f"/appid-{self.app_id}/recipe/multitenancy/tenant/v2", json={"tenantId": tenant_id}
        )
        assert answer.json["status"] == "OK"


def new_api(client, core_config: dict | None = None) -> Api:
    app_id = new_id()
    created = client.put(
        "/recipe/multitenancy/app/v2", json={"appId": app_id, "coreConfig": core_config or {}}
    )
    assert created.json["status"] == "OK", created.data
    return Api(client, app_id)


@pytest.fixture
def api(app) -> Api:
    return new_api(app.test_client())


def rows(app, table, app_id: str) -> list:
    engine = app.extensions["supertokens_core"].storage.engine()
    with engine.connect() as conn:
        return conn.execute(select(table).where(table.c.app_id == app_id)).all()


def age_codes(app, app_id: str, by_ms: int) -> None:
    """Make every code of the app ``by_ms`` older (instead of sleeping past a lifetime)."""
    engine = app.extensions["supertokens_core"].storage.engine()
    with engine.begin() as conn:
        conn.execute(
            update(store.codes)
            .where(store.codes.c.app_id == app_id)
            .values(created_at=store.codes.c.created_at - by_ms)
        )


def b64url_sha256(raw: bytes, padded: bool) -> str:
    encoded = base64.urlsafe_b64encode(hashlib.sha256(raw).digest()).decode()
    return encoded if padded else encoded.rstrip("=")


# --- creating codes (§2, §3) ----------------------------------------------------------------


def test_a_new_code_has_the_contract_formats_and_only_hashes_are_stored(app, api):
    created = api.create(email="  Ann@Example.COM ")
    assert created["status"] == "OK"
    assert re.fullmatch(r"[A-Za-z0-9+/]{43}=", created["deviceId"])
    assert re.fullmatch(r"[0-9]{6}", created["userInputCode"])
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", created["linkCode"])
    assert created["codeLifetime"] == 600_000  # our default: 10 minutes
    assert abs(created["timeCreated"] - time.time() * 1000) < 60_000
    device_bytes = base64.b64decode(created["deviceId"])
    assert created["preAuthSessionId"] == b64url_sha256(device_bytes, padded=False)

    [device] = rows(app, store.devices, api.app_id)
    [code] = rows(app, store.codes, api.app_id)
    assert device.device_id_hash == created["preAuthSessionId"]
    assert device.email == "ann@example.com" and device.phone_number is None
    assert device.failed_attempts == 0
    # the link code is HMAC-SHA256(deviceId bytes + salt bytes, typed code)
    key = device_bytes + base64.b64decode(device.link_code_salt)
    expected = hmac.new(key, created["userInputCode"].encode(), hashlib.sha256).digest()
    assert created["linkCode"] == base64.urlsafe_b64encode(expected).decode().rstrip("=")
    assert code.link_code_hash == b64url_sha256(expected, padded=True)
    assert code.code_id == created["codeId"] and code.created_at == created["timeCreated"]
    stored = " ".join(str(value) for row in (device, code) for value in row)
    for secret in (created["deviceId"], created["linkCode"], created["userInputCode"]):
        assert secret not in stored


def test_phone_numbers_are_stored_in_e164_and_unparseable_ones_trimmed(app, api):
    api.create(phoneNumber=" +1 (650) 555-1234 ")
    api.create(phoneNumber=" 0650 555 ")
    stored = sorted(row.phone_number for row in rows(app, store.devices, api.app_id))
    assert stored == ["+16505551234", "0650 555"]


@pytest.mark.parametrize(
    "body, message",
    [
        ({}, "Please provide exactly one of email, phoneNumber or deviceId"),
        (
            {"email": "a@b.c", "phoneNumber": "+14155550100"},
            "Please provide exactly one of email, phoneNumber or deviceId",
        ),
        ({"email": None}, "Field name 'email' is invalid in JSON input"),
        ({"phoneNumber": 5}, "Field name 'phoneNumber' is invalid in JSON input"),
        ({"email": "a@b.c", "userInputCode": ""}, "userInputCode cannot be an empty string."),
        ({"deviceId": "not base64!"}, "Input encoding error in deviceId"),
        ({"email": "x" * 300}, "Field name 'email' must be at most 256 characters"),
    ],
)
def test_create_code_refuses_bad_input(api, body, message):
    answer = api.post("/recipe/signinup/code", body)
    assert (answer.status_code, answer.data.decode().strip()) == (400, message)


def test_resend_adds_a_code_to_the_device_and_refuses_a_repeated_chosen_code(app, api):
    first = api.create(email="bo@example.com", userInputCode="111111")
    again = api.create(deviceId=first["deviceId"])
    assert again["status"] == "OK"
    assert (again["deviceId"], again["preAuthSessionId"]) == (
        first["deviceId"],
        first["preAuthSessionId"],
    )
    assert again["codeId"] != first["codeId"] and again["linkCode"] != first["linkCode"]
    assert api.create(deviceId=first["deviceId"], userInputCode="111111") == {
        "status": "USER_INPUT_CODE_ALREADY_USED_ERROR"
    }
    chosen = api.create(deviceId=first["deviceId"], userInputCode="abc")
    assert chosen["userInputCode"] == "abc"
    assert len(rows(app, store.codes, api.app_id)) == 3
    unknown = base64.b64encode(b"\x01" * 32).decode()
    assert api.create(deviceId=unknown) == {"status": "RESTART_FLOW_ERROR"}
    # every code of the device works, typed or as a link
    assert api.typed(first, "111111", route="check")["status"] == "OK"
    assert api.typed(first, "abc", route="check")["status"] == "OK"
    assert api.link(again, route="check")["status"] == "OK"


def test_a_device_belongs_to_its_tenant(api):
    api.add_tenant("t1")
    created = api.create(tenant="t1", email="cy@example.com")
    assert api.create(deviceId=created["deviceId"]) == {"status": "RESTART_FLOW_ERROR"}
    assert api.link(created) == {"status": "RESTART_FLOW_ERROR"}
    assert api.typed(created, created["userInputCode"]) == {"status": "RESTART_FLOW_ERROR"}
    assert api.codes(email="cy@example.com").json == {"status": "OK", "devices": []}
    assert api.link(created, tenant="t1")["user"]["tenantIds"] == ["t1"]


# --- consuming and checking (§4–§6) ----------------------------------------------------------


def test_first_consume_creates_the_user_with_a_verified_email_then_signs_it_in(api):
    created = api.create(email="Dee@Example.com")
    answer = api.typed(created, created["userInputCode"])
    assert answer["status"] == "OK" and answer["createdNewUser"] is True
    user = answer["user"]
    assert answer["recipeUserId"] == user["id"]
    assert user["emails"] == ["dee@example.com"] and user["phoneNumbers"] == []
    [method] = user["loginMethods"]
    assert (method["recipeId"], method["email"], method["verified"]) == (
        "passwordless",
        "dee@example.com",
        True,
    )
    assert answer["consumedDevice"] == {
        "preAuthSessionId": created["preAuthSessionId"],
        "failedCodeInputAttemptCount": 0,
        "email": "dee@example.com",
    }
    again = api.sign_in(email="dee@example.com")
    assert again["createdNewUser"] is False and again["user"]["id"] == user["id"]
    listed = api.client.get(f"/appid-{api.app_id}/public/users").json["users"]
    assert [u["id"] for u in listed] == [user["id"]]
    assert (
        api.client.get(f"/appid-{api.app_id}/user/id", query_string={"userId": user["id"]}).json[
            "user"
        ]
        == again["user"]
    )


def test_a_phone_only_user_is_verified_and_has_no_email(api):
    answer = api.sign_in(phoneNumber="+44 20 7946 0958")
    [method] = answer["user"]["loginMethods"]
    assert method["phoneNumber"] == "+442079460958" and "email" not in method
    assert method["verified"] is True
    assert answer["consumedDevice"]["phoneNumber"] == "+442079460958"
    assert "email" not in answer["consumedDevice"]
    found = api.client.get(
        f"/appid-{api.app_id}/public/users/by-accountinfo",
        query_string={"phoneNumber": "+442079460958", "doUnionOfAccountInfo": "true"},
    ).json
    assert [u["id"] for u in found["users"]] == [answer["user"]["id"]]


def test_wrong_typed_codes_are_counted_and_the_last_allowed_one_restarts(app, api):
    created = api.create(email="eve@example.com")
    for count in range(1, 5):
        assert api.typed(created, "wrong") == {
            "status": "INCORRECT_USER_INPUT_CODE_ERROR",
            "failedCodeInputAttemptCount": count,
            "maximumCodeInputAttempts": 5,
        }
    assert api.typed(created, "wrong") == {"status": "RESTART_FLOW_ERROR"}
    assert rows(app, store.devices, api.app_id) == []
    assert rows(app, store.codes, api.app_id) == []
    assert api.link(created) == {"status": "RESTART_FLOW_ERROR"}


def test_a_right_code_after_failures_reports_the_count_and_check_counts_too(api):
    created = api.create(email="fay@example.com")
    assert api.typed(created, "nope", route="check")["failedCodeInputAttemptCount"] == 1
    assert api.typed(created, "nope")["failedCodeInputAttemptCount"] == 2
    checked = api.typed(created, created["userInputCode"], route="check")
    assert checked == {
        "status": "OK",
        "consumedDevice": {
            "preAuthSessionId": created["preAuthSessionId"],
            "failedCodeInputAttemptCount": 2,
            "email": "fay@example.com",
        },
    }
    # check used nothing up
    consumed = api.typed(created, created["userInputCode"])
    assert consumed["status"] == "OK"
    assert consumed["consumedDevice"]["failedCodeInputAttemptCount"] == 2
    assert api.typed(created, created["userInputCode"]) == {"status": "RESTART_FLOW_ERROR"}


def test_a_wrong_link_code_is_never_counted(app, api):
    created = api.create(email="gil@example.com")
    fake = base64.urlsafe_b64encode(b"\x02" * 32).decode().rstrip("=")
    for _ in range(6):
        answer = api.post(
            "/recipe/signinup/code/consume",
            {"preAuthSessionId": created["preAuthSessionId"], "linkCode": fake},
        ).json
        assert answer == {"status": "RESTART_FLOW_ERROR"}
    [device] = rows(app, store.devices, api.app_id)
    assert device.failed_attempts == 0


def test_expired_codes(make_app):
    app = make_app()
    api = new_api(app.test_client(), {"passwordless_code_lifetime": 60_000})
    created = api.create(email="hal@example.com")
    assert created["codeLifetime"] == 60_000
    age_codes(app, api.app_id, 60_001)
    assert api.link(created) == {"status": "RESTART_FLOW_ERROR"}
    assert api.typed(created, created["userInputCode"]) == {
        "status": "EXPIRED_USER_INPUT_CODE_ERROR",
        "failedCodeInputAttemptCount": 1,
        "maximumCodeInputAttempts": 5,
    }
    # a fresh code of the same device still works; expired codes are still listed
    fresh = api.create(deviceId=created["deviceId"])
    assert len(api.codes(deviceId=created["deviceId"]).json["devices"][0]["codes"]) == 2
    assert api.typed(fresh, fresh["userInputCode"])["status"] == "OK"


def test_a_lowered_attempt_limit_restarts_a_device_that_reached_it(app, api):
    created = api.create(email="ida@example.com")
    for _ in range(3):
        api.typed(created, "wrong")
    answer = api.client.put(
        f"/appid-{api.app_id}/recipe/multitenancy/app/v2",
        json={"appId": api.app_id, "coreConfig": {"passwordless_max_code_input_attempts": 2}},
    )
    assert answer.json["status"] == "OK"
    assert api.typed(created, created["userInputCode"]) == {"status": "RESTART_FLOW_ERROR"}
    assert rows(app, store.devices, api.app_id) == []


def test_consume_removes_every_device_of_the_contact_in_the_tenant_only(app, api):
    api.add_tenant("t2")
    one = api.create(email="jo@example.com")
    api.create(email="jo@example.com")
    api.create(email="other@example.com")
    elsewhere = api.create(tenant="t2", email="jo@example.com")
    assert api.link(one)["status"] == "OK"
    left = sorted((row.tenant_id, row.email) for row in rows(app, store.devices, api.app_id))
    assert left == [("public", "other@example.com"), ("t2", "jo@example.com")]
    assert api.link(elsewhere, tenant="t2")["createdNewUser"] is True


def test_signing_in_with_one_contact_drops_pending_codes_of_the_other(app, api):
    user = api.sign_in(email="kim@example.com")["user"]
    assert api.update({"recipeUserId": user["id"], "phoneNumber": "+14155550101"}) == {
        "status": "OK"
    }
    api.create(phoneNumber="+14155550101")
    api.sign_in(email="kim@example.com")
    assert rows(app, store.devices, api.app_id) == []


@pytest.mark.parametrize(
    "body, message",
    [
        ({"linkCode": "abc"}, "Field name 'preAuthSessionId' is invalid in JSON input"),
        (
            {"preAuthSessionId": "x"},
            "Please provide exactly one of linkCode or deviceId+userInputCode",
        ),
        (
            {"preAuthSessionId": "x", "deviceId": "AAAA"},
            "Please provide exactly one of linkCode or deviceId+userInputCode",
        ),
        (
            {"preAuthSessionId": "x", "linkCode": "abc", "userInputCode": "1"},
            "Please provide exactly one of linkCode or deviceId+userInputCode",
        ),
        ({"preAuthSessionId": "x", "linkCode": "a+b"}, "Input encoding error in linkCode"),
        (
            {"preAuthSessionId": "x", "deviceId": "a_b", "userInputCode": "1"},
            "Input encoding error in deviceId",
        ),
    ],
)
def test_consume_refuses_bad_input(api, body, message):
    answer = api.post("/recipe/signinup/code/consume", body)
    assert (answer.status_code, answer.data.decode().strip()) == (400, message)


def test_pre_auth_session_id_must_name_the_codes_device(api):
    created = api.create(email="lu@example.com")
    other = api.create(email="lu@example.com")
    answer = api.post(
        "/recipe/signinup/code/consume",
        {"preAuthSessionId": other["preAuthSessionId"], "linkCode": created["linkCode"]},
    )
    assert (answer.status_code, answer.data.decode().strip()) == (
        400,
        "preAuthSessionId and deviceId doesn't match",
    )
    # the spec's padded form is accepted
    padded = api.post(
        "/recipe/signinup/code/check",
        {"preAuthSessionId": created["preAuthSessionId"] + "=", "linkCode": created["linkCode"]},
    )
    assert padded.json["status"] == "OK"


# --- removing and listing (§7–§9) -------------------------------------------------------------


def test_listing_codes_by_each_key(api):
    created = api.create(email="mo@example.com")
    resent = api.create(deviceId=created["deviceId"])
    expected = [
        {
            "preAuthSessionId": created["preAuthSessionId"],
            "failedCodeInputAttemptCount": 0,
            "email": "mo@example.com",
            "codes": [
                {"codeId": c["codeId"], "timeCreated": c["timeCreated"], "codeLifetime": 600_000}
                for c in (created, resent)
            ],
        }
    ]
    for query in (
        {"email": " MO@example.com"},
        {"deviceId": created["deviceId"]},
        {"preAuthSessionId": created["preAuthSessionId"]},
    ):
        devices = api.codes(**query).json["devices"]
        devices[0]["codes"].sort(key=lambda c: (c["timeCreated"], c["codeId"] != created["codeId"]))
        assert devices == expected, query
    phone = api.create(phoneNumber="+14155550102")
    [device] = api.codes(phoneNumber="+1 415 555 0102").json["devices"]
    assert device["phoneNumber"] == "+14155550102" and "email" not in device
    assert device["preAuthSessionId"] == phone["preAuthSessionId"]
    assert api.codes(email="nobody@example.com").json == {"status": "OK", "devices": []}
    for query in ({}, {"email": "a@b.c", "deviceId": created["deviceId"]}):
        answer = api.codes(**query)
        assert (answer.status_code, answer.data.decode().strip()) == (
            400,
            "Please provide exactly one of email, phoneNumber, deviceId or preAuthSessionId",
        )


def test_removing_one_code_keeps_the_device_until_its_last_code(app, api):
    created = api.create(email="ned@example.com")
    resent = api.create(deviceId=created["deviceId"])
    remove = "/recipe/signinup/code/remove"
    assert api.post(remove, {"codeId": created["codeId"]}).json == {"status": "OK"}
    assert api.link(created) == {"status": "RESTART_FLOW_ERROR"}
    assert len(rows(app, store.devices, api.app_id)) == 1
    assert api.post(remove, {"codeId": resent["codeId"]}).json == {"status": "OK"}
    assert rows(app, store.devices, api.app_id) == []
    assert api.post(remove, {"codeId": "unknown"}).json == {"status": "OK"}
    third = api.create(email="ned@example.com")
    assert api.post(remove, {"preAuthSessionId": third["preAuthSessionId"]}).json == {
        "status": "OK"
    }
    assert rows(app, store.devices, api.app_id) == []
    for body, message in (
        ({}, "Please provide either 'codeId' or 'preAuthSessionId'"),
        (
            {"codeId": "a", "preAuthSessionId": "b"},
            "Please provide only one of 'codeId' or 'preAuthSessionId'",
        ),
    ):
        answer = api.post(remove, body)
        assert (answer.status_code, answer.data.decode().strip()) == (400, message)


def test_removing_all_codes_of_a_contact(app, api):
    api.add_tenant("t3")
    api.create(email="oz@example.com")
    api.create(email="oz@example.com")
    api.create(tenant="t3", email="oz@example.com")
    api.create(phoneNumber="+14155550103")
    removes = "/recipe/signinup/codes/remove"
    assert api.post(removes, {"email": "OZ@example.com"}).json == {"status": "OK"}
    # the SDK sends a phone number under "email": it is lower-cased and matches nothing
    assert api.post(removes, {"email": "+14155550103"}).json == {"status": "OK"}
    left = sorted(
        (r.tenant_id, r.email, r.phone_number) for r in rows(app, store.devices, api.app_id)
    )
    assert left == [("public", None, "+14155550103"), ("t3", "oz@example.com", None)]
    assert api.post(removes, {"phoneNumber": "+1 415 555 0103"}).json == {"status": "OK"}
    assert len(rows(app, store.devices, api.app_id)) == 1
    answer = api.post(removes, {})
    assert (answer.status_code, answer.data.decode().strip()) == (
        400,
        "Please provide exactly one of email or phoneNumber",
    )


# --- users (§10, §11) ---------------------------------------------------------------------------


def test_updating_contacts(app, api):
    user = api.sign_in(email="pat@example.com")["user"]
    other = api.sign_in(email="quin@example.com")["user"]
    api.sign_in(phoneNumber="+14155550104")
    uid = user["id"]
    assert api.update({"recipeUserId": uid, "email": "QUIN@example.com"}) == {
        "status": "EMAIL_ALREADY_EXISTS_ERROR"
    }
    assert api.update({"recipeUserId": uid, "phoneNumber": "+14155550104"}) == {
        "status": "PHONE_NUMBER_ALREADY_EXISTS_ERROR"
    }
    # nothing half-written: the email change before the refused phone number is undone
    assert api.update(
        {"recipeUserId": uid, "email": "new@example.com", "phoneNumber": "+14155550104"}
    ) == {"status": "PHONE_NUMBER_ALREADY_EXISTS_ERROR"}
    assert api.update({"recipeUserId": "unknown"}) == {"status": "UNKNOWN_USER_ID_ERROR"}
    assert api.update({"recipeUserId": uid, "email": None}) == {
        "http": 400,
        "text": "You cannot clear both email and phone number of a user\n",
    }
    api.create(email="pat@example.com")
    api.create(email="pat2@example.com")
    assert api.update(
        {"recipeUserId": uid, "email": " Pat2@Example.com", "phoneNumber": "+1 415 555 0105"}
    ) == {"status": "OK"}
    assert rows(app, store.devices, api.app_id) == []  # old and new email's codes are gone
    assert api.update({"recipeUserId": uid, "email": None}) == {"status": "OK"}
    got = api.client.get(
        f"/appid-{api.app_id}/recipe/user", query_string={"userId": uid}, headers=RID
    ).json
    assert got["user"]["emails"] == [] and got["user"]["phoneNumbers"] == ["+14155550105"]
    assert api.update({"recipeUserId": uid}) == {"status": "OK"}
    assert other["id"] != uid
    # app scope: the public tenant's path works, another tenant's is refused
    public = api.client.put(
        f"/appid-{api.app_id}/public/recipe/user", json={"recipeUserId": uid}, headers=RID
    )
    assert public.json == {"status": "OK"}
    api.add_tenant("t9")
    other = api.client.put(
        f"/appid-{api.app_id}/t9/recipe/user", json={"recipeUserId": uid}, headers=RID
    )
    assert (other.status_code, other.data.decode().strip()) == (
        403,
        "Only public tenantId can call this app specific API",
    )


def test_get_user_by_id_email_or_phone(api):
    by_email = api.sign_in(email="rex@example.com")["user"]
    by_phone = api.sign_in(phoneNumber="+14155550106")["user"]

    def get(**query):
        return api.client.get(
            f"/appid-{api.app_id}/public/recipe/user", query_string=query, headers=RID
        ).json

    assert get(userId=by_email["id"])["user"]["loginMethods"] == by_email["loginMethods"]
    assert get(email="REX@example.com")["user"]["id"] == by_email["id"]
    assert get(phoneNumber="+1 415 555 0106")["user"]["id"] == by_phone["id"]
    assert get(userId="nobody") == {"status": "UNKNOWN_USER_ID_ERROR"}
    assert get(email="none@example.com") == {"status": "UNKNOWN_EMAIL_ERROR"}
    assert get(phoneNumber="+10000000000") == {"status": "UNKNOWN_PHONE_NUMBER_ERROR"}
    answer = api.client.get(f"/appid-{api.app_id}/public/recipe/user", headers=RID)
    assert (answer.status_code, answer.data.decode().strip()) == (
        400,
        "Please provide exactly one of userId, email or phoneNumber",
    )


def test_deleting_a_user_removes_its_rows_and_pending_codes(app, api):
    user = api.sign_in(email="sam@example.com")["user"]
    api.create(email="sam@example.com")
    api.create(email="stays@example.com")
    removed = api.client.post(f"/appid-{api.app_id}/user/remove", json={"userId": user["id"]})
    assert removed.json == {"status": "OK"}
    assert rows(app, store.users, api.app_id) == []
    assert [r.email for r in rows(app, store.devices, api.app_id)] == ["stays@example.com"]
    assert api.sign_in(email="sam@example.com")["createdNewUser"] is True


def test_joining_a_tenant_with_a_taken_contact_is_refused(api):
    api.add_tenant("t4")
    phone_user = api.sign_in(phoneNumber="+14155550107")["user"]
    api.sign_in(tenant="t4", phoneNumber="+14155550107")
    email_user = api.sign_in(email="tia@example.com")["user"]
    api.sign_in(tenant="t4", email="tia@example.com")
    join = f"/appid-{api.app_id}/t4/recipe/multitenancy/tenant/user"
    assert (
        api.client.post(join, json={"recipeUserId": phone_user["id"]}).json["status"]
        == "PHONE_NUMBER_ALREADY_EXISTS_ERROR"
    )
    assert (
        api.client.post(join, json={"recipeUserId": email_user["id"]}).json["status"]
        == "EMAIL_ALREADY_EXISTS_ERROR"
    )
    fresh = api.sign_in(email="uma@example.com")["user"]
    assert api.client.post(join, json={"recipeUserId": fresh["id"]}).json["status"] == "OK"
    assert api.sign_in(tenant="t4", email="uma@example.com")["user"]["id"] == fresh["id"]


def test_search_by_email_and_phone_tags(api):
    a = api.sign_in(email="vic@alpha.com")["user"]
    b = api.sign_in(phoneNumber="+14155550108")["user"]

    def search(**query):
        answer = api.client.get(f"/appid-{api.app_id}/public/users", query_string=query).json
        return [u["id"] for u in answer["users"]]

    assert search(email="alpha") == [a["id"]]
    assert search(phone="+1415") == [b["id"]]
    assert search(email="vic", phone="+1415") == []


# --- housekeeping (§12) ---------------------------------------------------------------------


def test_housekeeping_removes_devices_whose_codes_all_expired(make_app):
    app = make_app()
    client = app.test_client()
    short = new_api(client, {"passwordless_code_lifetime": 60_000})
    long = new_api(client)  # the default: 10 minutes
    gone = short.create(email="old@example.com")
    kept = short.create(email="mixed@example.com")
    lasting = long.create(email="long@example.com")
    age_codes(app, short.app_id, 120_000)
    age_codes(app, long.app_id, 120_000)
    # a live code keeps the device, and its expired code with it
    assert short.create(deviceId=kept["deviceId"])["status"] == "OK"
    run_housekeeping(app.extensions["supertokens_core"], min_gap_ms=0)
    assert [r.device_id_hash for r in rows(app, store.devices, short.app_id)] == [
        kept["preAuthSessionId"]
    ]
    assert len(rows(app, store.codes, short.app_id)) == 2
    assert [r.device_id_hash for r in rows(app, store.devices, long.app_id)] == [
        lasting["preAuthSessionId"]
    ]
    assert short.create(deviceId=gone["deviceId"]) == {"status": "RESTART_FLOW_ERROR"}
    assert short.typed(kept, kept["userInputCode"])["status"] == "EXPIRED_USER_INPUT_CODE_ERROR"


# --- races (§4) ------------------------------------------------------------------------------


def test_one_code_consumed_concurrently_succeeds_once(app, api):
    created = api.create(email="wes@example.com")
    answers = race(
        8,
        lambda: (
            app.test_client()
            .post(
                api.path("/recipe/signinup/code/consume"),
                json={
                    "preAuthSessionId": created["preAuthSessionId"],
                    "linkCode": created["linkCode"],
                },
            )
            .json
        ),
    )
    assert sorted(answer["status"] for answer in answers) == ["OK"] + ["RESTART_FLOW_ERROR"] * 7
    assert len(rows(app, store.users, api.app_id)) == 1


def test_devices_of_one_email_consumed_concurrently_make_one_user(app, api):
    devices = [api.create(email="xia@example.com") for _ in range(6)]
    answers = []
    lock = threading.Lock()
    barrier = threading.Barrier(6)

    def consume(created: dict) -> None:
        client = app.test_client()
        barrier.wait()
        answer = client.post(
            api.path("/recipe/signinup/code/consume"),
            json={"preAuthSessionId": created["preAuthSessionId"], "linkCode": created["linkCode"]},
        ).json
        with lock:
            answers.append(answer["status"])

    threads = [threading.Thread(target=consume, args=(d,)) for d in devices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == ["OK"] + ["RESTART_FLOW_ERROR"] * 5
    assert len(rows(app, store.users, api.app_id)) == 1
    assert rows(app, store.devices, api.app_id) == []


def test_parallel_wrong_guesses_are_each_counted(make_app):
    app = make_app()
    api = new_api(app.test_client(), {"passwordless_max_code_input_attempts": 20})
    created = api.create(email="yan@example.com")
    answers = race(
        10,
        lambda: (
            app.test_client()
            .post(
                api.path("/recipe/signinup/code/consume"),
                json={
                    "preAuthSessionId": created["preAuthSessionId"],
                    "deviceId": created["deviceId"],
                    "userInputCode": "wrong",
                },
            )
            .json
        ),
    )
    assert sorted(a["failedCodeInputAttemptCount"] for a in answers) == list(range(1, 11))
    [device] = rows(app, store.devices, api.app_id)
    assert device.failed_attempts == 10


def test_parallel_guesses_past_the_limit_all_fail_and_end_the_device(app, api):
    created = api.create(email="zed@example.com")
    answers = race(
        12,
        lambda: (
            app.test_client()
            .post(
                api.path("/recipe/signinup/code/consume"),
                json={
                    "preAuthSessionId": created["preAuthSessionId"],
                    "deviceId": created["deviceId"],
                    "userInputCode": "wrong",
                },
            )
            .json
        ),
    )
    statuses = sorted(a["status"] for a in answers)
    assert statuses == ["INCORRECT_USER_INPUT_CODE_ERROR"] * 4 + ["RESTART_FLOW_ERROR"] * 8
    assert rows(app, store.devices, api.app_id) == []
    assert api.typed(created, created["userInputCode"]) == {"status": "RESTART_FLOW_ERROR"}
