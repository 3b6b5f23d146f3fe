"""Throttled code guessing and code creation per contact and per tenant (Extension), on
every database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core_app import throttling
from plugins.passwordless import store
from tests.plugins.passwordless.test_api import new_api, rows

INCORRECT = "INCORRECT_USER_INPUT_CODE_ERROR"
RESTART = {"status": "RESTART_FLOW_ERROR"}


@pytest.fixture
def api(app):
    return new_api(app.test_client())


def guess_wrong(api, created: dict, times: int) -> list[str]:
    return [api.typed(created, "wrong-code")["status"] for _ in range(times)]


def test_ten_wrong_codes_an_hour_across_devices_lock_the_contact(app, api, clock) -> None:
    # 5 wrong codes end a device (contract): the contact's limit spans its devices.
    first, second = api.create(email="ann@example.com"), api.create(email="ann@example.com")
    assert guess_wrong(api, first, 5) == [INCORRECT] * 4 + ["RESTART_FLOW_ERROR"]
    assert guess_wrong(api, second, 5) == [INCORRECT] * 4 + ["RESTART_FLOW_ERROR"]
    third = api.create(email="ann@example.com")
    assert api.typed(third, third["userInputCode"], route="check") == RESTART
    assert api.typed(third, third["userInputCode"]) == RESTART
    assert len(rows(app, store.devices, api.app_id)) == 1  # the device stays for later
    other = api.create(email="bob@example.com")
    assert api.typed(other, other["userInputCode"])["status"] == "OK"
    clock[0] += throttling.HOUR_MS
    answer = api.typed(third, third["userInputCode"])
    assert answer["status"] == "OK" and answer["createdNewUser"]


def test_a_magic_link_still_signs_the_contact_in_during_a_lock(app, api, clock) -> None:
    for _ in range(2):
        guess_wrong(api, api.create(phoneNumber="+14155550101"), 5)
    created = api.create(phoneNumber="+14155550101")
    assert api.typed(created, created["userInputCode"]) == RESTART
    assert api.link(created)["status"] == "OK"


def test_a_sign_in_with_a_code_starts_the_count_again(app, api, clock) -> None:
    first = api.create(email="cid@example.com")
    guess_wrong(api, first, 4)
    assert api.typed(first, first["userInputCode"])["status"] == "OK"
    table = throttling.throttle_counters
    with app.extensions["supertokens_core"].storage.engine().connect() as conn:
        kinds = conn.execute(select(table.c.kind).where(table.c.app_id == api.app_id)).scalars()
        assert "passwordless-failed-codes" not in list(kinds)
    for _ in range(2):
        created = api.create(email="cid@example.com")
        assert guess_wrong(api, created, 4) == [INCORRECT] * 4
    created = api.create(email="cid@example.com")
    assert api.typed(created, created["userInputCode"])["status"] == "OK"


def test_codes_created_per_contact_and_hour_are_capped(app, api, clock) -> None:
    created = [api.create(email="dee@example.com") for _ in range(9)]
    resent = api.create(deviceId=created[0]["deviceId"])
    assert resent["status"] == "OK"  # a resend counts as a code too: the 10th
    refused = api.post("/recipe/signinup/code", {"email": "dee@example.com"})
    assert refused.status_code == 429
    assert refused.text.startswith("Too many codes were created for this email or phone number")
    assert api.create(deviceId=created[1]["deviceId"]) == RESTART
    assert api.create(email="Other@Example.com")["status"] == "OK"
    assert len(rows(app, store.codes, api.app_id)) == 11
    clock[0] += throttling.HOUR_MS
    assert api.create(email="DEE@example.com")["status"] == "OK"  # the same, normalised


def test_tenant_failures_lock_typed_codes_of_every_contact(make_app, clock) -> None:
    api = new_api(make_app().test_client(), {"tenant_max_failed_sign_ins_per_hour": 3})
    for index in range(3):
        guess_wrong(api, api.create(email=f"victim{index}@example.com"), 1)
    created = api.create(email="eve@example.com")
    assert api.typed(created, created["userInputCode"]) == RESTART
    clock[0] += throttling.HOUR_MS
    assert api.typed(created, created["userInputCode"])["status"] == "OK"


def test_limits_are_per_tenant_config_and_zero_turns_them_off(make_app, clock) -> None:
    api = new_api(
        make_app().test_client(),
        {
            "passwordless_max_failed_codes_per_hour": 0,
            "passwordless_max_codes_created_per_hour": 0,
            "tenant_max_failed_sign_ins_per_hour": 0,
        },
    )
    for _ in range(4):
        guess_wrong(api, api.create(email="fay@example.com"), 5)
    for _ in range(10):
        api.create(email="fay@example.com")
    created = api.create(email="fay@example.com")
    assert api.typed(created, created["userInputCode"])["status"] == "OK"
