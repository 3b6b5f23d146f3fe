"""Multitenancy v2 routes as an API user sees them (contract: multitenancy §1-§5).

Each test makes its own apps with ``new_id`` because the database of a kind is shared by
the whole run; lists are therefore searched for our rows, never compared whole.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest

from core_app.tenant_prefix import TenantIdentifier
from core_app.testing.apps import new_id
from core_app.users.store import add_recipe_user

APP_V2 = "/recipe/multitenancy/app/v2"
APP_LIST = "/recipe/multitenancy/app/list/v2"
APP_REMOVE = "/recipe/multitenancy/app/remove"
TENANT_V2 = "/recipe/multitenancy/tenant/v2"
TENANT_LIST = "/recipe/multitenancy/tenant/list/v2"
TENANT_REMOVE = "/recipe/multitenancy/tenant/remove"
THIRD_PARTY = "/recipe/multitenancy/config/thirdparty"
THIRD_PARTY_REMOVE = "/recipe/multitenancy/config/thirdparty/remove"
TENANT_USER = "/recipe/multitenancy/tenant/user"
TENANT_USER_REMOVE = "/recipe/multitenancy/tenant/user/remove"

NOT_FOUND = (
    "AppId or tenantId not found => Tenant with the following connectionURIDomain, "
    "appId and tenantId combination not found: (, {}, {})"
)
TENANT_NOT_FOUND = {"status": "TENANT_NOT_FOUND_ERROR"}
EMPTY_USER_INFO_MAP = {"fromIdTokenPayload": {}, "fromUserInfoAPI": {}}
API_KEY = "tenancy-key-0123456789abcdef"
OTHER_API_KEY = "tenancy-key-other-0123456789"


# --- helpers ----------------------------------------------------------------------------


def error(response) -> tuple[int, str]:
    """HTTP code and text of a non-200 answer."""
    return response.status_code, response.text.strip()


def ok(response) -> dict:
    """The JSON of a 200 answer (fails with the body otherwise)."""
    assert response.status_code == 200, response.text
    return response.json


def new_app(client, **fields) -> str:
    app_id = new_id()
    assert ok(client.put(APP_V2, json={"appId": app_id, **fields})) == {
        "status": "OK",
        "createdNew": True,
    }
    return app_id


def put_tenant(client, app_id: str, tenant_id: str, prefix: str = "", **fields):
    return client.put(f"/appid-{app_id}{prefix}{TENANT_V2}", json={"tenantId": tenant_id, **fields})


def new_tenant(client, app_id: str, tenant_id: str = "t1", **fields) -> str:
    assert ok(put_tenant(client, app_id, tenant_id, **fields)) == {
        "status": "OK",
        "createdNew": True,
    }
    return tenant_id


def get_tenant(client, app_id: str, tenant_id: str = "public", headers=None) -> dict:
    return ok(client.get(f"/appid-{app_id}/{tenant_id}{TENANT_V2}", headers=headers))


def app_core_config(client, app_id: str) -> dict:
    return get_tenant(client, app_id)["coreConfig"]


def listed_app(client, app_id: str) -> dict | None:
    apps = ok(client.get(APP_LIST))["apps"]
    found = [entry for entry in apps if entry["appId"] == app_id]
    assert len(found) <= 1
    return found[0] if found else None


def tenant_ids_of(tenants: list[dict]) -> list[str]:
    return sorted(tenant["tenantId"] for tenant in tenants)


def put_provider(client, app_id: str, config: dict, tenant_id: str = "public", **fields):
    return client.put(
        f"/appid-{app_id}/{tenant_id}{THIRD_PARTY}", json={"config": config, **fields}
    )


def providers_of(client, app_id: str, tenant_id: str = "public") -> dict[str, dict]:
    """The tenant's providers by thirdPartyId (the contract fixes no order)."""
    providers = get_tenant(client, app_id, tenant_id)["thirdParty"]["providers"]
    by_id = {provider["thirdPartyId"]: provider for provider in providers}
    assert len(by_id) == len(providers)
    return by_id


def index_user(app, app_id: str) -> str:
    """A recipe user of the app, linked to its public tenant, written straight to the index."""
    user_id = str(uuid.uuid4())
    with app.extensions["supertokens_core"].storage.engine().begin() as conn:
        add_recipe_user(
            conn,
            TenantIdentifier("", app_id, "public"),
            user_id,
            "emailpassword",
            int(time.time() * 1000),
        )
    return user_id


def associate(client, app_id: str, tenant_id: str, user_id: str, remove: bool = False):
    path = TENANT_USER_REMOVE if remove else TENANT_USER
    return client.post(f"/appid-{app_id}/{tenant_id}{path}", json={"recipeUserId": user_id})


# --- PUT /recipe/multitenancy/app/v2 ------------------------------------------------------


def test_create_app_then_update_it(client):
    app_id = new_id()
    assert ok(client.put(APP_V2, json={"appId": app_id, "coreConfig": {}})) == {
        "status": "OK",
        "createdNew": True,
    }
    assert ok(client.put(APP_V2, json={"appId": app_id, "coreConfig": {}})) == {
        "status": "OK",
        "createdNew": False,
    }
    assert client.get(f"/appid-{app_id}/hello").text == "Hello\n"


def test_new_app_public_tenant_has_no_first_factors(client):
    """A new app's public tenant gets firstFactors null, which is omitted (§1.2, §3.2)."""
    app_id = new_app(client)
    assert get_tenant(client, app_id) == {
        "status": "OK",
        "tenantId": "public",
        "thirdParty": {"providers": []},
        "coreConfig": {},
    }


def test_app_id_is_trimmed_and_lower_cased(client):
    app_id = new_id()
    assert ok(client.put(APP_V2, json={"appId": f"  {app_id.upper()}\t"}))["createdNew"] is True
    assert ok(client.put(APP_V2, json={"appId": app_id}))["createdNew"] is False
    assert get_tenant(client, app_id)["tenantId"] == "public"


@pytest.mark.parametrize(
    "app_id, message",
    [
        ("", "appId should not be an empty String"),
        ("   ", "appId should not be an empty String"),
        ("appid-x1", "appId must not start with 'appid-'"),
        ("AppId-x1", "appId must not start with 'appid-'"),
        ("a_b", "appId can only contain letters, numbers and hyphens"),
        ("a b", "appId can only contain letters, numbers and hyphens"),
        ("a.b", "appId can only contain letters, numbers and hyphens"),
        ("é1", "appId can only contain letters, numbers and hyphens"),
    ],
)
def test_app_id_errors(client, app_id, message):
    assert error(client.put(APP_V2, json={"appId": app_id})) == (400, message)


@pytest.mark.parametrize("body", [{"appId": 5}, {"appId": None}, {"appId": ["a"] * 2}])
def test_app_id_of_wrong_type(client, body):
    assert error(client.put(APP_V2, json=body)) == (
        400,
        "Field name 'appId' is invalid in JSON input",
    )


@pytest.mark.parametrize("path", [APP_V2, TENANT_V2])
@pytest.mark.parametrize(
    "field, message",
    [
        ("emailPasswordEnabled", "emailPasswordEnabled is not a valid input for this API"),
        ("thirdPartyEnabled", "thirdParty is not a valid input for this API"),
        ("passwordlessEnabled", "passwordless is not a valid input for this API"),
    ],
)
def test_removed_enabled_inputs(client, path, field, message):
    app_id = new_app(client)
    body = {"appId": app_id, "tenantId": "t1", field: True}
    assert error(client.put(f"/appid-{app_id}{path}", json=body)) == (400, message)
    # Nothing was written: the tenant was not created.
    assert get_tenant(client, app_id, "t1") == TENANT_NOT_FOUND


REMOVED_INPUTS = {"emailPasswordEnabled": False, "thirdPartyEnabled": False}


@pytest.mark.parametrize(
    "body, message",
    [
        ({"appId": "appid-x"}, "appId must not start with 'appid-'"),
        ({"appId": " "}, "appId should not be an empty String"),
        ({"coreConfig": None}, "Field name 'coreConfig' is invalid in JSON input"),
    ],
)
def test_app_fields_are_checked_before_removed_inputs(client, body, message):
    """The id and coreConfig are checked before the removed inputs (§2.1 table order)."""
    app_id = new_app(client)
    assert error(client.put(APP_V2, json={"appId": app_id, **body, **REMOVED_INPUTS})) == (
        400,
        message,
    )


@pytest.mark.parametrize(
    "body, message",
    [
        ({"tenantId": "recipe"}, "Cannot use 'recipe' as a tenantId"),
        ({"tenantId": ""}, "tenantId should not be an empty String"),
        ({"coreConfig": []}, "Field name 'coreConfig' is invalid in JSON input"),
    ],
)
def test_tenant_fields_are_checked_before_removed_inputs(client, body, message):
    app_id = new_app(client)
    assert error(
        client.put(f"/appid-{app_id}{TENANT_V2}", json={"tenantId": "t1", **body, **REMOVED_INPUTS})
    ) == (400, message)


@pytest.mark.parametrize("field", ["firstFactors", "requiredSecondaryFactors"])
@pytest.mark.parametrize(
    "value, message",
    [
        (
            ["emailpassword", "thirdparty", "emailpassword"],
            "{field} input should not contain duplicate values",
        ),
        (["a b", "a b"], "{field} input should not contain duplicate values"),
        (["email password"], "{field} should contain only 0-9,a-z,A-Z,_,.,- characters"),
        (["otp/email"], "{field} should contain only 0-9,a-z,A-Z,_,.,- characters"),
        ([""], "{field} should contain only 0-9,a-z,A-Z,_,.,- characters"),
        ("emailpassword", "Field name '{field}' is invalid in JSON input"),
        ([1], "Field name '{field}' is invalid in JSON input"),
        ([None], "Field name '{field}' is invalid in JSON input"),
        ({"a": "b"}, "Field name '{field}' is invalid in JSON input"),
        (True, "Field name '{field}' is invalid in JSON input"),
    ],
)
def test_factor_list_errors(client, field, value, message):
    app_id = new_app(client)
    expected = (400, message.format(field=field))
    assert error(client.put(APP_V2, json={"appId": app_id, field: value})) == expected
    assert error(put_tenant(client, app_id, "t1", **{field: value})) == expected


def test_first_factors_null_empty_and_values(client):
    """null is stored as absent, [] is kept, unknown ids are kept as given (§1.2)."""
    app_id = new_app(client)
    factors = ["emailpassword", "custom_Factor(1).v-2"]
    ok(client.put(APP_V2, json={"appId": app_id, "firstFactors": factors}))
    assert get_tenant(client, app_id)["firstFactors"] == factors
    ok(client.put(APP_V2, json={"appId": app_id, "firstFactors": []}))
    assert get_tenant(client, app_id)["firstFactors"] == []
    ok(client.put(APP_V2, json={"appId": app_id, "firstFactors": None}))
    assert "firstFactors" not in get_tenant(client, app_id)


def test_required_secondary_factors_empty_is_stored_as_absent(client):
    app_id = new_app(client)
    ok(client.put(APP_V2, json={"appId": app_id, "requiredSecondaryFactors": ["totp"]}))
    assert get_tenant(client, app_id)["requiredSecondaryFactors"] == ["totp"]
    ok(client.put(APP_V2, json={"appId": app_id, "requiredSecondaryFactors": []}))
    assert "requiredSecondaryFactors" not in get_tenant(client, app_id)
    ok(client.put(APP_V2, json={"appId": app_id, "requiredSecondaryFactors": ["totp"]}))
    ok(client.put(APP_V2, json={"appId": app_id, "requiredSecondaryFactors": None}))
    assert "requiredSecondaryFactors" not in get_tenant(client, app_id)


def test_omitted_fields_leave_values_unchanged(client):
    app_id = new_app(
        client,
        firstFactors=["thirdparty"],
        requiredSecondaryFactors=["totp"],
        coreConfig={"disable_telemetry": True},
    )
    ok(client.put(APP_V2, json={"appId": app_id}))
    ok(client.put(APP_V2, json={"appId": app_id, "coreConfig": {}}))
    assert get_tenant(client, app_id) == {
        "status": "OK",
        "tenantId": "public",
        "thirdParty": {"providers": []},
        "firstFactors": ["thirdparty"],
        "requiredSecondaryFactors": ["totp"],
        "coreConfig": {"disable_telemetry": True},
    }


def test_core_config_update_merges_and_null_removes_a_key(client):
    app_id = new_app(
        client, coreConfig={"disable_telemetry": "true", "supertokens_max_cdi_version": "5.4"}
    )
    assert app_core_config(client, app_id) == {
        "disable_telemetry": "true",
        "supertokens_max_cdi_version": "5.4",
    }
    ok(
        client.put(
            APP_V2,
            json={
                "appId": app_id,
                "coreConfig": {"disable_telemetry": None, "ip_deny_regex": "10\\.9\\..*"},
            },
        )
    )
    assert app_core_config(client, app_id) == {
        "supertokens_max_cdi_version": "5.4",
        "ip_deny_regex": "10\\.9\\..*",
    }
    # Removing a key that is not stored is not an error.
    ok(client.put(APP_V2, json={"appId": app_id, "coreConfig": {"disable_telemetry": None}}))
    assert app_core_config(client, app_id) == {
        "supertokens_max_cdi_version": "5.4",
        "ip_deny_regex": "10\\.9\\..*",
    }


def test_core_config_values_given_as_strings_are_accepted_and_stored_verbatim(client):
    app_id = new_app(client, coreConfig={"disable_telemetry": "true"})
    assert app_core_config(client, app_id) == {"disable_telemetry": "true"}
    ok(client.put(APP_V2, json={"appId": app_id, "coreConfig": {"disable_telemetry": "false"}}))
    assert app_core_config(client, app_id) == {"disable_telemetry": "false"}


def test_core_config_value_that_does_not_coerce_is_refused(client):
    app_id = new_app(client)
    status, text = error(
        client.put(APP_V2, json={"appId": app_id, "coreConfig": {"disable_telemetry": "maybe"}})
    )
    assert status == 400
    assert text.startswith("Invalid core config: ") and "disable_telemetry" in text
    assert app_core_config(client, app_id) == {}


@pytest.mark.parametrize(
    "core_config, message",
    [
        ({"no_such_key": 1}, "Invalid core config: Invalid config key: no_such_key"),
        ({"disable_telemetry": True, "nope": "x"}, "Invalid core config: Invalid config key: nope"),
        (
            {"port": 3568},
            "Invalid core config: port can only be set via the core's base config setting",
        ),
        (
            {"log_level": "DEBUG"},
            "Invalid core config: log_level can only be set via the core's base config setting",
        ),
    ],
)
def test_core_config_key_errors(client, core_config, message):
    app_id = new_app(client)
    assert error(client.put(APP_V2, json={"appId": app_id, "coreConfig": core_config})) == (
        400,
        message,
    )
    assert app_core_config(client, app_id) == {}
    # A new app with a refused config is not created either.
    other = new_id()
    assert error(client.put(APP_V2, json={"appId": other, "coreConfig": core_config})) == (
        400,
        message,
    )
    assert get_tenant(client, other) == TENANT_NOT_FOUND


@pytest.mark.parametrize("value", [None, [], "disable_telemetry=true", 1])
def test_core_config_of_wrong_type(client, value):
    app_id = new_app(client)
    expected = (400, "Field name 'coreConfig' is invalid in JSON input")
    assert error(client.put(APP_V2, json={"appId": app_id, "coreConfig": value})) == expected
    assert error(put_tenant(client, app_id, "t1", coreConfig=value)) == expected


@pytest.mark.parametrize("app_id", ["public", " PUBLIC "])
@pytest.mark.parametrize("core_config", [{"disable_telemetry": True}, {"disable_telemetry": None}])
def test_public_app_core_config_cannot_be_changed(client, app_id, core_config):
    assert error(client.put(APP_V2, json={"appId": app_id, "coreConfig": core_config})) == (
        400,
        "Cannot modify base config",
    )


def test_public_app_accepts_an_empty_core_config(client):
    assert ok(client.put(APP_V2, json={"appId": "public", "coreConfig": {}})) == {
        "status": "OK",
        "createdNew": False,
    }
    assert get_tenant(client, "public")["coreConfig"] == {}


def test_app_may_be_updated_from_itself_but_not_from_another_app(client):
    app_x, app_y = new_app(client), new_app(client)
    assert error(
        client.put(
            f"/appid-{app_x}{APP_V2}",
            json={"appId": app_y, "coreConfig": {"disable_telemetry": True}},
        )
    ) == (403, "You must use the public or same app to add/update an app")
    assert app_core_config(client, app_y) == {}
    # Creating a new app from a non-public app is refused the same way.
    unknown = new_id()
    assert error(client.put(f"/appid-{app_x}{APP_V2}", json={"appId": unknown})) == (
        403,
        "You must use the public or same app to add/update an app",
    )
    assert get_tenant(client, unknown) == TENANT_NOT_FOUND

    assert ok(
        client.put(
            f"/appid-{app_y}{APP_V2}",
            json={"appId": app_y, "coreConfig": {"disable_telemetry": True}},
        )
    ) == {"status": "OK", "createdNew": False}
    assert app_core_config(client, app_y) == {"disable_telemetry": True}


def test_app_put_from_a_non_public_tenant_is_refused(client):
    app_id = new_app(client)
    new_tenant(client, app_id, "t1")
    assert error(
        client.put(
            f"/appid-{app_id}/t1{APP_V2}", json={"appId": app_id, "firstFactors": ["emailpassword"]}
        )
    ) == (403, "You must use the public or same app to add/update an app")
    assert "firstFactors" not in get_tenant(client, app_id)


def test_app_put_from_an_unknown_app_or_tenant(client):
    """Root scope (or the app itself): an unknown caller is a 400 (conventions §3)."""
    unknown = new_id()
    assert error(client.put(f"/appid-{unknown}{APP_V2}", json={"appId": unknown})) == (
        400,
        NOT_FOUND.format(unknown, "public"),
    )
    assert error(client.put(f"/appid-{unknown}{APP_V2}", json={"appId": new_id()})) == (
        400,
        NOT_FOUND.format(unknown, "public"),
    )
    app_id = new_app(client)
    assert error(client.put(f"/appid-{app_id}/t9{APP_V2}", json={"appId": app_id})) == (
        400,
        NOT_FOUND.format(app_id, "t9"),
    )
    assert get_tenant(client, unknown) == TENANT_NOT_FOUND


# --- per-app keys ------------------------------------------------------------------------


def test_tenant_cannot_set_an_api_key_different_from_its_app(client):
    """api_keys has scope app: every tenant of an app resolves to one value (config §1)."""
    app_id = new_app(client)
    assert error(put_tenant(client, app_id, "t1", coreConfig={"api_keys": API_KEY})) == (
        400,
        "Invalid core config: You cannot set different values for api_keys for the same appId",
    )
    assert get_tenant(client, app_id, "t1") == TENANT_NOT_FOUND


@pytest.mark.parametrize(
    "core_config", [{"disable_telemetry": True}, {"supertokens_max_cdi_version": "5.3"}]
)
def test_tenant_cannot_contradict_other_per_app_keys(app, core_config):
    client = app.test_client()  # no cdi-version header: a cap of 5.3 must not refuse it
    app_id = new_app(client)
    key = next(iter(core_config))
    assert error(put_tenant(client, app_id, "t1", coreConfig=core_config)) == (
        400,
        f"Invalid core config: You cannot set different values for {key} for the same appId",
    )
    # Once the app has the value, a tenant may repeat it (a string form resolves the same).
    ok(client.put(APP_V2, json={"appId": app_id, "coreConfig": core_config}))
    repeated = {key: "true"} if key == "disable_telemetry" else core_config
    assert ok(put_tenant(client, app_id, "t1", coreConfig=repeated))["createdNew"] is True
    assert get_tenant(client, app_id, "t1")["coreConfig"] == repeated


def test_tenant_may_repeat_the_api_key_of_its_app_but_not_contradict_it(client):
    app_id = new_app(client, coreConfig={"api_keys": API_KEY})
    keyed = {"api-key": API_KEY}
    assert error(client.get(f"/appid-{app_id}{TENANT_V2}")) == (401, "Invalid API key")

    assert (
        ok(
            client.put(
                f"/appid-{app_id}{TENANT_V2}",
                headers=keyed,
                json={"tenantId": "t1", "coreConfig": {"api_keys": API_KEY}},
            )
        )["createdNew"]
        is True
    )
    assert get_tenant(client, app_id, "t1", headers=keyed)["coreConfig"] == {"api_keys": API_KEY}
    assert error(
        client.put(
            f"/appid-{app_id}{TENANT_V2}",
            headers=keyed,
            json={"tenantId": "t2", "coreConfig": {"api_keys": OTHER_API_KEY}},
        )
    ) == (
        400,
        "Invalid core config: You cannot set different values for api_keys for the same appId",
    )
    # Changing the app's key while a tenant holds the old one would split the app too.
    assert error(
        client.put(APP_V2, json={"appId": app_id, "coreConfig": {"api_keys": OTHER_API_KEY}})
    ) == (
        400,
        "Invalid core config: You cannot set different values for api_keys for the same appId",
    )
    assert get_tenant(client, app_id, headers=keyed)["coreConfig"] == {"api_keys": API_KEY}


# --- GET /recipe/multitenancy/app/list/v2 -------------------------------------------------


def test_app_list_shows_each_app_with_its_tenants(client):
    app_id = new_app(client, coreConfig={"disable_telemetry": True})
    new_tenant(client, app_id, "t1", firstFactors=["emailpassword"])
    entry = listed_app(client, app_id)
    assert entry is not None
    assert sorted(entry["tenants"], key=lambda tenant: tenant["tenantId"]) == [
        {
            "tenantId": "public",
            "thirdParty": {"providers": []},
            "coreConfig": {"disable_telemetry": True},
        },
        {
            "tenantId": "t1",
            "thirdParty": {"providers": []},
            "firstFactors": ["emailpassword"],
            "coreConfig": {},
        },
    ]
    assert listed_app(client, "public") is not None


def test_app_list_only_from_the_public_app_and_tenant(client):
    message = (
        "Only the public tenantId and public appId is allowed to list all apps "
        "associated with this connection uri domain"
    )
    app_id = new_app(client)
    new_tenant(client, app_id, "t1")
    assert error(client.get(f"/appid-{app_id}{APP_LIST}")) == (403, message)
    assert error(client.get(f"/appid-{app_id}/t1{APP_LIST}")) == (403, message)
    public_tenant = new_tenant(client, "public", new_id("t"))
    try:
        assert error(client.get(f"/{public_tenant}{APP_LIST}")) == (403, message)
    finally:
        ok(client.post(TENANT_REMOVE, json={"tenantId": public_tenant}))


def test_app_list_from_an_unknown_app_or_tenant(client):
    unknown = new_id()
    assert error(client.get(f"/appid-{unknown}{APP_LIST}")) == (
        400,
        NOT_FOUND.format(unknown, "public"),
    )
    tenant_id = new_id("t")
    assert error(client.get(f"/{tenant_id}{APP_LIST}")) == (
        400,
        NOT_FOUND.format("public", tenant_id),
    )


# --- POST /recipe/multitenancy/app/remove ------------------------------------------------


@pytest.mark.parametrize("app_id", ["public", "PUBLIC"])
def test_public_app_cannot_be_removed(client, app_id):
    assert error(client.post(APP_REMOVE, json={"appId": app_id})) == (
        403,
        "Cannot delete the public app, use remove connection uri domain API instead",
    )


def test_app_removal_only_from_the_public_app(client):
    app_x, app_y = new_app(client), new_app(client)
    for caller in (f"/appid-{app_x}", f"/appid-{app_y}"):
        assert error(client.post(f"{caller}{APP_REMOVE}", json={"appId": app_y})) == (
            403,
            "Only the public tenantId and public appId is allowed to delete an app",
        )
    assert get_tenant(client, app_y)["status"] == "OK"


def test_app_removal_from_an_unknown_app(client):
    app_id, unknown = new_app(client), new_id()
    assert error(client.post(f"/appid-{unknown}{APP_REMOVE}", json={"appId": app_id})) == (
        400,
        NOT_FOUND.format(unknown, "public"),
    )
    assert get_tenant(client, app_id)["status"] == "OK"


def test_app_with_tenants_cannot_be_removed(client):
    app_id = new_app(client)
    new_tenant(client, app_id, "t1")
    assert error(client.post(APP_REMOVE, json={"appId": app_id})) == (
        403,
        "Please delete all tenants except the public tenant for this app before calling "
        "the delete API",
    )
    assert get_tenant(client, app_id, "t1")["status"] == "OK"


def test_remove_app(app, client):
    app_id = new_app(client, firstFactors=["emailpassword"])
    ok(put_provider(client, app_id, {"thirdPartyId": "custom"}))
    user_id = index_user(app, app_id)
    assert ok(client.post(APP_REMOVE, json={"appId": f" {app_id.upper()} "})) == {
        "status": "OK",
        "didExist": True,
    }
    assert ok(client.post(APP_REMOVE, json={"appId": app_id})) == {
        "status": "OK",
        "didExist": False,
    }
    assert get_tenant(client, app_id) == TENANT_NOT_FOUND
    assert listed_app(client, app_id) is None
    hello = client.get(f"/appid-{app_id}/hello")
    assert error(hello) == (400, NOT_FOUND.format(app_id, "public"))
    # The id is free again; the new app starts from scratch.
    assert ok(client.put(APP_V2, json={"appId": app_id}))["createdNew"] is True
    assert get_tenant(client, app_id) == {
        "status": "OK",
        "tenantId": "public",
        "thirdParty": {"providers": []},
        "coreConfig": {},
    }
    assert ok(associate(client, app_id, "public", user_id)) == {"status": "UNKNOWN_USER_ID_ERROR"}


def test_remove_unknown_app(client):
    assert ok(client.post(APP_REMOVE, json={"appId": new_id()})) == {
        "status": "OK",
        "didExist": False,
    }


@pytest.mark.parametrize(
    "body, message",
    [
        ({}, "Field name 'appId' is invalid in JSON input"),
        ({"appId": None}, "Field name 'appId' is invalid in JSON input"),
        ({"appId": ""}, "appId should not be an empty String"),
        ({"appId": "appid-a"}, "appId must not start with 'appid-'"),
        ({"appId": "a+b"}, "appId can only contain letters, numbers and hyphens"),
    ],
)
def test_remove_app_input_errors(client, body, message):
    assert error(client.post(APP_REMOVE, json=body)) == (400, message)


# --- PUT /recipe/multitenancy/tenant/v2 --------------------------------------------------


def test_create_tenant_then_update_it(client):
    """A new tenant starts with firstFactors [] and nothing else (§1.2, §3.1)."""
    app_id = new_app(client)
    assert ok(put_tenant(client, app_id, "t1")) == {"status": "OK", "createdNew": True}
    assert get_tenant(client, app_id, "t1") == {
        "status": "OK",
        "tenantId": "t1",
        "thirdParty": {"providers": []},
        "firstFactors": [],
        "coreConfig": {},
    }
    assert ok(
        put_tenant(
            client,
            app_id,
            "t1",
            firstFactors=["otp-email"],
            requiredSecondaryFactors=["totp"],
            coreConfig={"ip_deny_regex": "10\\.9\\..*"},
        )
    ) == {"status": "OK", "createdNew": False}
    assert get_tenant(client, app_id, "t1") == {
        "status": "OK",
        "tenantId": "t1",
        "thirdParty": {"providers": []},
        "firstFactors": ["otp-email"],
        "requiredSecondaryFactors": ["totp"],
        "coreConfig": {"ip_deny_regex": "10\\.9\\..*"},
    }
    # The tenant's coreConfig is its own: the app's public tenant is untouched.
    assert app_core_config(client, app_id) == {}
    assert client.get(f"/appid-{app_id}/t1/hello").text == "Hello\n"


def test_tenant_id_is_trimmed_and_lower_cased(client):
    app_id = new_app(client)
    assert ok(put_tenant(client, app_id, " T-One "))["createdNew"] is True
    assert ok(put_tenant(client, app_id, "t-one"))["createdNew"] is False
    assert get_tenant(client, app_id, "t-one")["tenantId"] == "t-one"


def test_tenant_updates_merge_core_config_and_keep_omitted_fields(client):
    app_id = new_app(client)
    new_tenant(
        client,
        app_id,
        "t1",
        firstFactors=["emailpassword"],
        coreConfig={"ip_deny_regex": "10\\.9\\..*", "disable_telemetry": False},
    )
    ok(put_tenant(client, app_id, "t1", coreConfig={"disable_telemetry": None}))
    assert get_tenant(client, app_id, "t1") == {
        "status": "OK",
        "tenantId": "t1",
        "thirdParty": {"providers": []},
        "firstFactors": ["emailpassword"],
        "coreConfig": {"ip_deny_regex": "10\\.9\\..*"},
    }


def test_tenant_core_config_applies_to_that_tenant_only(client):
    """ip_deny_regex is per tenant; a null in a later update removes it (§1.3)."""
    app_id = new_app(client)
    new_tenant(client, app_id, "t1", coreConfig={"ip_deny_regex": "127\\.0\\.0\\.1"})
    assert client.get(f"/appid-{app_id}/t1{TENANT_V2}").status_code == 403
    assert get_tenant(client, app_id)["status"] == "OK"
    ok(put_tenant(client, app_id, "t1", coreConfig={"ip_deny_regex": None}))
    assert get_tenant(client, app_id, "t1")["coreConfig"] == {}


@pytest.mark.parametrize(
    "tenant_id, message",
    [
        ("", "tenantId should not be an empty String"),
        ("  ", "tenantId should not be an empty String"),
        ("recipe", "Cannot use 'recipe' as a tenantId"),
        ("config", "Cannot use 'config' as a tenantId"),
        ("users", "Cannot use 'users' as a tenantId"),
        ("hello", "Cannot use 'hello' as a tenantId"),
        (" Hello ", "Cannot use 'hello' as a tenantId"),
        ("appid-t1", "tenantId must not start with 'appid-'"),
        ("APPID-t1", "tenantId must not start with 'appid-'"),
        ("t_1", "tenantId can only contain letters, numbers and hyphens"),
        ("t.1", "tenantId can only contain letters, numbers and hyphens"),
        ("t/1", "tenantId can only contain letters, numbers and hyphens"),
    ],
)
def test_tenant_id_errors(client, tenant_id, message):
    app_id = new_app(client)
    assert error(put_tenant(client, app_id, tenant_id)) == (400, message)


@pytest.mark.parametrize("body", [{"tenantId": 1}, {"tenantId": None}, {"tenantId": {}}])
def test_tenant_id_of_wrong_type(client, body):
    app_id = new_app(client)
    assert error(client.put(f"/appid-{app_id}{TENANT_V2}", json=body)) == (
        400,
        "Field name 'tenantId' is invalid in JSON input",
    )


def test_tenant_core_config_rules(client):
    app_id = new_app(client)
    assert error(put_tenant(client, app_id, "t1", coreConfig={"nope": 1})) == (
        400,
        "Invalid core config: Invalid config key: nope",
    )
    assert error(put_tenant(client, app_id, "t1", coreConfig={"host": "0.0.0.0"})) == (
        400,
        "Invalid core config: host can only be set via the core's base config setting",
    )
    assert get_tenant(client, app_id, "t1") == TENANT_NOT_FOUND
    assert error(put_tenant(client, app_id, "t1", coreConfig={"nope": 1}, firstFactors=1)) == (
        400,
        "Field name 'firstFactors' is invalid in JSON input",
    )


def test_tenant_may_update_itself_but_not_another_tenant(client):
    app_id = new_app(client)
    new_tenant(client, app_id, "t1")
    new_tenant(client, app_id, "t2")
    assert ok(put_tenant(client, app_id, "t1", prefix="/t1", firstFactors=["emailpassword"])) == {
        "status": "OK",
        "createdNew": False,
    }
    assert get_tenant(client, app_id, "t1")["firstFactors"] == ["emailpassword"]
    for target in ("t2", "t3"):
        assert error(
            put_tenant(client, app_id, target, prefix="/t1", firstFactors=["thirdparty"])
        ) == (403, "You must use the public or same tenant to add/update a tenant")
    assert get_tenant(client, app_id, "t2")["firstFactors"] == []
    assert get_tenant(client, app_id, "t3") == TENANT_NOT_FOUND


def test_put_tenant_from_an_unknown_tenant(client):
    """The caller must exist before its permission is looked at."""
    app_id = new_app(client)
    assert error(put_tenant(client, app_id, "t2", prefix="/t9")) == (
        400,
        NOT_FOUND.format(app_id, "t9"),
    )
    assert error(put_tenant(client, app_id, "t9", prefix="/t9")) == (
        400,
        NOT_FOUND.format(app_id, "t9"),
    )
    assert get_tenant(client, app_id, "t9") == TENANT_NOT_FOUND


def test_put_tenant_in_unknown_app(client):
    app_id = new_id()
    assert error(put_tenant(client, app_id, "t1")) == (400, NOT_FOUND.format(app_id, "public"))
    assert get_tenant(client, app_id, "t1") == TENANT_NOT_FOUND


# --- GET /recipe/multitenancy/tenant/v2 --------------------------------------------------


def test_get_unknown_tenant_or_app_is_tenant_not_found(client):
    app_id = new_app(client)
    assert get_tenant(client, app_id, "nope") == TENANT_NOT_FOUND
    assert get_tenant(client, new_id(), "public") == TENANT_NOT_FOUND
    assert ok(client.get(f"/appid-{new_id()}{TENANT_V2}")) == TENANT_NOT_FOUND
    new_tenant(client, app_id, "t1")
    assert get_tenant(client, new_app(client), "t1") == TENANT_NOT_FOUND


def test_get_public_tenant_of_the_public_app(client):
    answer = ok(client.get(TENANT_V2))
    assert answer["status"] == "OK" and answer["tenantId"] == "public"
    assert answer["coreConfig"] == {}
    assert ok(client.get(f"/public{TENANT_V2}")) == answer


# --- GET /recipe/multitenancy/tenant/list/v2 ---------------------------------------------


def test_tenant_list_includes_public_tenant(client):
    app_id = new_app(client)
    new_tenant(client, app_id, "t1")
    new_tenant(client, app_id, "t2", firstFactors=["thirdparty"])
    answer = ok(client.get(f"/appid-{app_id}{TENANT_LIST}"))
    assert answer["status"] == "OK" and set(answer) == {"status", "tenants"}
    assert sorted(answer["tenants"], key=lambda tenant: tenant["tenantId"]) == [
        {"tenantId": "public", "thirdParty": {"providers": []}, "coreConfig": {}},
        {"tenantId": "t1", "thirdParty": {"providers": []}, "firstFactors": [], "coreConfig": {}},
        {
            "tenantId": "t2",
            "thirdParty": {"providers": []},
            "firstFactors": ["thirdparty"],
            "coreConfig": {},
        },
    ]


def test_tenant_list_only_from_the_public_tenant(client):
    app_id = new_app(client)
    new_tenant(client, app_id, "t1")
    assert error(client.get(f"/appid-{app_id}/t1{TENANT_LIST}")) == (
        403,
        "Only the public tenantId is allowed to list all tenants associated with this app",
    )


def test_tenant_list_of_unknown_app(client):
    app_id = new_id()
    assert error(client.get(f"/appid-{app_id}{TENANT_LIST}")) == (
        400,
        NOT_FOUND.format(app_id, "public"),
    )


# --- POST /recipe/multitenancy/tenant/remove ---------------------------------------------


def test_remove_tenant(client):
    app_id = new_app(client)
    new_tenant(client, app_id, "t1")
    new_tenant(client, app_id, "t2")
    assert ok(client.post(f"/appid-{app_id}{TENANT_REMOVE}", json={"tenantId": " T1 "})) == {
        "status": "OK",
        "didExist": True,
    }
    assert ok(client.post(f"/appid-{app_id}{TENANT_REMOVE}", json={"tenantId": "t1"})) == {
        "status": "OK",
        "didExist": False,
    }
    assert get_tenant(client, app_id, "t1") == TENANT_NOT_FOUND
    assert tenant_ids_of(ok(client.get(f"/appid-{app_id}{TENANT_LIST}"))["tenants"]) == [
        "public",
        "t2",
    ]
    # Re-created, it is a new tenant with the defaults.
    assert ok(put_tenant(client, app_id, "t1"))["createdNew"] is True
    assert get_tenant(client, app_id, "t1")["firstFactors"] == []


def test_public_tenant_cannot_be_removed(client):
    app_id = new_app(client)
    for tenant_id in ("public", "PUBLIC"):
        assert error(
            client.post(f"/appid-{app_id}{TENANT_REMOVE}", json={"tenantId": tenant_id})
        ) == (403, "Cannot delete public tenant, use remove app API instead")
    assert get_tenant(client, app_id)["status"] == "OK"


def test_tenant_removal_only_from_the_public_tenant(client):
    app_id = new_app(client)
    new_tenant(client, app_id, "t1")
    new_tenant(client, app_id, "t2")
    for target in ("t1", "t2"):
        assert error(
            client.post(f"/appid-{app_id}/t1{TENANT_REMOVE}", json={"tenantId": target})
        ) == (403, "Only the public tenantId is allowed to delete a tenant")
    assert tenant_ids_of(ok(client.get(f"/appid-{app_id}{TENANT_LIST}"))["tenants"]) == [
        "public",
        "t1",
        "t2",
    ]


@pytest.mark.parametrize(
    "body, message",
    [
        ({}, "Field name 'tenantId' is invalid in JSON input"),
        ({"tenantId": ""}, "tenantId should not be an empty String"),
        ({"tenantId": "users"}, "Cannot use 'users' as a tenantId"),
    ],
)
def test_remove_tenant_input_errors(client, body, message):
    app_id = new_app(client)
    assert error(client.post(f"/appid-{app_id}{TENANT_REMOVE}", json=body)) == (400, message)


# --- PUT /recipe/multitenancy/config/thirdparty ------------------------------------------


def test_put_provider_creates_then_replaces(client):
    """A provider with the same thirdPartyId is replaced entirely, not merged (§4.2)."""
    app_id = new_app(client)
    first = {
        "thirdPartyId": "google",
        "name": "Google",
        "clients": [{"clientId": "cid-1", "clientSecret": "secret", "scope": ["email"]}],
        "authorizationEndpointQueryParams": {"prompt": None},
        "requireEmail": False,
    }
    assert ok(put_provider(client, app_id, first)) == {"status": "OK", "createdNew": True}
    assert providers_of(client, app_id) == {"google": {**first, "userInfoMap": EMPTY_USER_INFO_MAP}}

    second = {"thirdPartyId": " google ", "clients": [{"clientId": "cid-2"}]}
    assert ok(put_provider(client, app_id, second)) == {"status": "OK", "createdNew": False}
    assert providers_of(client, app_id) == {
        "google": {
            "thirdPartyId": "google",
            "clients": [{"clientId": "cid-2"}],
            "userInfoMap": EMPTY_USER_INFO_MAP,
        }
    }


def test_provider_with_no_optional_fields(client):
    app_id = new_app(client)
    assert ok(put_provider(client, app_id, {"thirdPartyId": "custom"}))["createdNew"] is True
    assert providers_of(client, app_id) == {
        "custom": {"thirdPartyId": "custom", "clients": [], "userInfoMap": EMPTY_USER_INFO_MAP}
    }


def test_user_info_map_sources_are_always_present(client):
    app_id = new_app(client)
    ok(
        put_provider(
            client,
            app_id,
            {"thirdPartyId": "custom", "userInfoMap": {"fromIdTokenPayload": {"userId": "sub"}}},
        )
    )
    assert providers_of(client, app_id)["custom"]["userInfoMap"] == {
        "fromIdTokenPayload": {"userId": "sub"},
        "fromUserInfoAPI": {},
    }


def test_provider_with_every_field_reads_back_as_sent(client):
    app_id = new_app(client)
    provider = {
        "thirdPartyId": "custom-oidc",
        "name": "Custom",
        "clients": [
            {
                "clientType": "web",
                "clientId": "cid",
                "clientSecret": "s",
                "scope": ["openid", "email"],
                "forcePKCE": True,
                "additionalConfig": {"anything": {"nested": [1, None]}},
            },
            {"clientType": "mobile", "clientId": "cid-m"},
        ],
        "authorizationEndpoint": "https://idp.example/auth",
        "authorizationEndpointQueryParams": {"a": "1", "b": None},
        "tokenEndpoint": "https://idp.example/token",
        "tokenEndpointBodyParams": {"grant": "x"},
        "userInfoEndpoint": "https://idp.example/me",
        "userInfoEndpointQueryParams": {"q": None},
        "userInfoEndpointHeaders": {"h": "v"},
        "jwksURI": "https://idp.example/jwks",
        "oidcDiscoveryEndpoint": "https://idp.example/.well-known/openid-configuration",
        "requireEmail": True,
        "userInfoMap": {
            "fromIdTokenPayload": {
                "userId": "sub",
                "email": "email",
                "emailVerified": "email_verified",
            },
            "fromUserInfoAPI": {"email": "mail"},
        },
    }
    ok(put_provider(client, app_id, provider))
    assert providers_of(client, app_id) == {"custom-oidc": provider}


def test_providers_belong_to_their_tenant(client):
    app_id = new_app(client)
    new_tenant(client, app_id, "t1")
    ok(put_provider(client, app_id, {"thirdPartyId": "github"}, tenant_id="t1"))
    ok(put_provider(client, app_id, {"thirdPartyId": "gitlab"}, tenant_id="t1"))
    assert set(providers_of(client, app_id, "t1")) == {"github", "gitlab"}
    assert providers_of(client, app_id) == {}
    # The same provider id in another tenant is another provider.
    assert ok(put_provider(client, app_id, {"thirdPartyId": "github"}))["createdNew"] is True
    entry = listed_app(client, app_id)
    by_tenant = {tenant["tenantId"]: tenant for tenant in entry["tenants"]}
    assert [p["thirdPartyId"] for p in by_tenant["public"]["thirdParty"]["providers"]] == ["github"]
    assert sorted(p["thirdPartyId"] for p in by_tenant["t1"]["thirdParty"]["providers"]) == [
        "github",
        "gitlab",
    ]


APPLE_MESSAGE = (
    "a non empty string value must be specified for keyId, teamId and privateKey "
    "in the additionalConfig for Apple provider"
)
APPLE_CONFIG = {"keyId": "k", "teamId": "t", "privateKey": "p"}


@pytest.mark.parametrize(
    "config, message",
    [
        ({"thirdPartyId": ""}, "thirdPartyId cannot be null or empty"),
        ({"thirdPartyId": "   "}, "thirdPartyId cannot be null or empty"),
        ({"thirdPartyId": "custom", "clients": [{"clientSecret": "s"}]}, "clientId cannot be null"),
        (
            {"thirdPartyId": "custom", "clients": [{"clientId": "c", "scope": ["email", None]}]},
            "scope array cannot contain a null",
        ),
        ({"thirdPartyId": "apple", "clients": [{"clientId": "c"}]}, APPLE_MESSAGE),
        (
            {
                "thirdPartyId": "apple-2",
                "clients": [{"clientId": "c", "additionalConfig": {**APPLE_CONFIG, "teamId": ""}}],
            },
            APPLE_MESSAGE,
        ),
        (
            {
                "thirdPartyId": "apple",
                "clients": [
                    {"clientType": "web", "clientId": "c", "additionalConfig": APPLE_CONFIG},
                    {"clientType": "ios", "clientId": "c", "additionalConfig": {"keyId": "k"}},
                ],
            },
            APPLE_MESSAGE,
        ),
        (
            {
                "thirdPartyId": "apple",
                "clients": [
                    {"clientId": "c", "additionalConfig": {**APPLE_CONFIG, "privateKey": 5}}
                ],
            },
            APPLE_MESSAGE,
        ),
        (
            {
                "thirdPartyId": "google-workspaces",
                "clients": [{"clientId": "c", "additionalConfig": {"hd": ""}}],
            },
            "hd in additionalConfig must be a non empty string value",
        ),
        (
            {
                "thirdPartyId": "google-workspaces-2",
                "clients": [{"clientId": "c", "additionalConfig": {"hd": 1}}],
            },
            "hd in additionalConfig must be a non empty string value",
        ),
        (
            {
                "thirdPartyId": "boxy-saml",
                "clients": [{"clientId": "c", "additionalConfig": {"boxyURL": ""}}],
            },
            "a non empty string value must be specified for boxyURL in the additionalConfig for "
            "Boxy SAML provider",
        ),
    ],
)
def test_provider_validation_errors(client, config, message):
    """Each rule answers 400 with its reason; skipValidation lets the provider in."""
    app_id = new_app(client)
    expected = (400, f"Invalid third party config: {message}")
    assert error(put_provider(client, app_id, config)) == expected
    assert error(put_provider(client, app_id, config, skipValidation=False)) == expected
    assert providers_of(client, app_id) == {}
    assert ok(put_provider(client, app_id, config, skipValidation=True)) == {
        "status": "OK",
        "createdNew": True,
    }
    assert len(providers_of(client, app_id)) == 1


@pytest.mark.parametrize(
    "config",
    [
        {"thirdPartyId": "apple", "clients": [{"clientId": "c", "additionalConfig": APPLE_CONFIG}]},
        {"thirdPartyId": "google-workspaces", "clients": [{"clientId": "c"}]},
        {
            "thirdPartyId": "google-workspaces",
            "clients": [{"clientId": "c", "additionalConfig": {"hd": "example.com"}}],
        },
        {"thirdPartyId": "boxy-saml", "clients": [{"clientId": "c"}]},
        {"thirdPartyId": "myapple", "clients": [{"clientId": "c"}]},
    ],
)
def test_provider_rules_apply_only_where_they_say(client, config):
    app_id = new_app(client)
    assert ok(put_provider(client, app_id, config))["createdNew"] is True


@pytest.mark.parametrize(
    "clients",
    [
        [{"clientId": "a"}, {"clientId": "b"}],
        [{"clientType": "web", "clientId": "a"}, {"clientType": "web", "clientId": "b"}],
    ],
)
@pytest.mark.parametrize("skip", [False, True])
def test_duplicate_client_type_is_refused_even_without_validation(client, clients, skip):
    app_id = new_app(client)
    assert error(
        put_provider(
            client, app_id, {"thirdPartyId": "custom", "clients": clients}, skipValidation=skip
        )
    ) == (
        400,
        "Invalid third party config: Duplicate clientType was specified in the clients list.",
    )
    assert providers_of(client, app_id) == {}


def test_empty_third_party_id_is_reported_before_duplicate_client_types(client):
    """The §4.2 rules in their table order."""
    app_id = new_app(client)
    clients = [{"clientId": "a"}, {"clientId": "b"}]
    assert error(put_provider(client, app_id, {"thirdPartyId": "", "clients": clients})) == (
        400,
        "Invalid third party config: thirdPartyId cannot be null or empty",
    )


@pytest.mark.parametrize(
    "body, message",
    [
        ({}, "Field name 'config' is invalid in JSON input"),
        ({"config": None}, "Field name 'config' is invalid in JSON input"),
        ({"config": []}, "Field name 'config' is invalid in JSON input"),
        ({"config": {"thirdPartyId": 1}}, "Field name 'thirdPartyId' is invalid in JSON input"),
        ({"config": {}}, "Field name 'thirdPartyId' is invalid in JSON input"),
        (
            {"config": {"thirdPartyId": None}, "skipValidation": 1},
            "Field name 'thirdPartyId' is invalid in JSON input",
        ),
        (
            {"config": {"thirdPartyId": "c"}, "skipValidation": "true"},
            "Field name 'skipValidation' is invalid in JSON input",
        ),
    ],
)
def test_put_provider_input_errors(client, body, message):
    app_id = new_app(client)
    assert error(client.put(f"/appid-{app_id}{THIRD_PARTY}", json=body)) == (400, message)


@pytest.mark.parametrize(
    "config, message",
    [
        ({"thirdPartyId": "p" * 29}, "Field name 'thirdPartyId' must be at most 28 characters"),
        (
            {"thirdPartyId": "custom", "clients": "web"},
            "Field name 'clients' is invalid in JSON input",
        ),
        (
            {"thirdPartyId": "custom", "clients": [{"clientId": 5}]},
            "Field name 'clientId' is invalid in JSON input",
        ),
        (
            {"thirdPartyId": "custom", "clients": [{"clientId": "c", "scope": "email"}]},
            "Field name 'scope' is invalid in JSON input",
        ),
        (
            {"thirdPartyId": "custom", "clients": [{"clientId": "c", "forcePKCE": "yes"}]},
            "Field name 'forcePKCE' is invalid in JSON input",
        ),
        (
            {"thirdPartyId": "custom", "tokenEndpoint": 7},
            "Field name 'tokenEndpoint' is invalid in JSON input",
        ),
        (
            {"thirdPartyId": "custom", "userInfoEndpointHeaders": ["h"]},
            "Field name 'userInfoEndpointHeaders' is invalid in JSON input",
        ),
        (
            {"thirdPartyId": "custom", "userInfoMap": {"fromUserInfoAPI": "sub"}},
            "Field name 'fromUserInfoAPI' is invalid in JSON input",
        ),
        (
            {"thirdPartyId": "custom", "requireEmail": "true"},
            "Field name 'requireEmail' is invalid in JSON input",
        ),
        (
            {
                "thirdPartyId": "custom",
                "clients": [{"clientId": "c", "additionalConfig": {"privateKey": "k" * 70_000}}],
            },
            "Field name 'config' must be at most 65535 characters as JSON",
        ),
    ],
)
@pytest.mark.parametrize("skip", [False, True])
def test_malformed_or_oversize_provider_is_400_and_not_stored(client, config, message, skip):
    """Never a 500 from the database (a 29-character id or a 70 kB key does not fit)."""
    app_id = new_app(client)
    assert error(put_provider(client, app_id, config, skipValidation=skip)) == (400, message)
    assert providers_of(client, app_id) == {}


def test_failed_statements_do_not_carry_their_parameters_into_errors(app):
    """A database error's text (which the 500 handler logs) names no stored secret."""
    from sqlalchemy import insert
    from sqlalchemy.exc import DBAPIError

    from core_app.tenancy import store as tenancy_store

    secret = "client-secret-" + new_id()
    row = {
        "connection_uri_domain": "",
        "app_id": "no-such-app",
        "tenant_id": "public",
        "third_party_id": "custom",
        "position": 1,
        "config": json.dumps({"clients": [{"clientSecret": secret}]}),
    }
    engine = app.extensions["supertokens_core"].storage.engine()
    with pytest.raises(DBAPIError) as failed:
        with engine.begin() as conn:  # no such tenant: the foreign key refuses the row
            conn.execute(insert(tenancy_store.tenant_thirdparty_providers).values(row))
    assert secret not in str(failed.value)


def test_largest_provider_fits(client):
    app_id = new_app(client)
    config = {
        "thirdPartyId": "p" * 28,
        "clients": [{"clientId": "c", "additionalConfig": {"privateKey": "k" * 65_000}}],
    }
    assert ok(put_provider(client, app_id, config))["createdNew"] is True
    stored = providers_of(client, app_id)["p" * 28]
    assert stored["clients"][0]["additionalConfig"]["privateKey"] == "k" * 65_000


def test_put_provider_in_unknown_app_or_tenant(client):
    app_id = new_id()
    assert error(put_provider(client, app_id, {"thirdPartyId": "github"})) == (
        400,
        NOT_FOUND.format(app_id, "public"),
    )
    known = new_app(client)
    assert error(put_provider(client, known, {"thirdPartyId": "github"}, tenant_id="t9")) == (
        400,
        NOT_FOUND.format(known, "t9"),
    )


# --- POST /recipe/multitenancy/config/thirdparty/remove ----------------------------------


def test_remove_provider(client):
    app_id = new_app(client)
    ok(put_provider(client, app_id, {"thirdPartyId": "github"}))
    ok(put_provider(client, app_id, {"thirdPartyId": "gitlab"}))
    path = f"/appid-{app_id}{THIRD_PARTY_REMOVE}"
    assert ok(client.post(path, json={"thirdPartyId": " github "})) == {
        "status": "OK",
        "didConfigExist": True,
    }
    assert ok(client.post(path, json={"thirdPartyId": "github"})) == {
        "status": "OK",
        "didConfigExist": False,
    }
    assert set(providers_of(client, app_id)) == {"gitlab"}
    # Added again, it is new.
    assert ok(put_provider(client, app_id, {"thirdPartyId": "github"}))["createdNew"] is True


def test_remove_provider_errors(client):
    app_id = new_app(client)
    assert error(client.post(f"/appid-{app_id}{THIRD_PARTY_REMOVE}", json={})) == (
        400,
        "Field name 'thirdPartyId' is invalid in JSON input",
    )
    unknown = new_id()
    assert error(
        client.post(f"/appid-{unknown}{THIRD_PARTY_REMOVE}", json={"thirdPartyId": "github"})
    ) == (400, NOT_FOUND.format(unknown, "public"))
    assert error(
        client.post(f"/appid-{app_id}/t9{THIRD_PARTY_REMOVE}", json={"thirdPartyId": "github"})
    ) == (400, NOT_FOUND.format(app_id, "t9"))


# --- POST /recipe/multitenancy/tenant/user and .../remove --------------------------------


@pytest.mark.parametrize("remove", [False, True])
def test_unknown_user(client, remove):
    app_id = new_app(client)
    assert ok(associate(client, app_id, "public", str(uuid.uuid4()), remove)) == {
        "status": "UNKNOWN_USER_ID_ERROR"
    }


@pytest.mark.parametrize("remove", [False, True])
@pytest.mark.parametrize(
    "body, message",
    [
        ({"recipeUserId": ""}, "Field name 'userId' cannot be an empty String"),
        ({"recipeUserId": "   "}, "Field name 'userId' cannot be an empty String"),
        ({}, "Field name 'recipeUserId' is invalid in JSON input"),
        ({"recipeUserId": 5}, "Field name 'recipeUserId' is invalid in JSON input"),
    ],
)
def test_user_association_input_errors(client, remove, body, message):
    app_id = new_app(client)
    path = TENANT_USER_REMOVE if remove else TENANT_USER
    assert error(client.post(f"/appid-{app_id}{path}", json=body)) == (400, message)


def test_associate_and_disassociate_user(app, client):
    app_id = new_app(client)
    new_tenant(client, app_id, "t1")
    user_id = index_user(app, app_id)
    assert ok(associate(client, app_id, "t1", user_id)) == {
        "status": "OK",
        "wasAlreadyAssociated": False,
    }
    assert ok(associate(client, app_id, "t1", f" {user_id} ")) == {
        "status": "OK",
        "wasAlreadyAssociated": True,
    }
    # The user was indexed in public; that link was there all along.
    assert ok(associate(client, app_id, "public", user_id)) == {
        "status": "OK",
        "wasAlreadyAssociated": True,
    }

    assert ok(associate(client, app_id, "t1", user_id, remove=True)) == {
        "status": "OK",
        "wasAssociated": True,
    }
    assert ok(associate(client, app_id, "t1", user_id, remove=True)) == {
        "status": "OK",
        "wasAssociated": False,
    }
    assert ok(associate(client, app_id, "t1", user_id)) == {
        "status": "OK",
        "wasAlreadyAssociated": False,
    }


def test_user_of_another_app_is_unknown(app, client):
    app_x, app_y = new_app(client), new_app(client)
    user_id = index_user(app, app_x)
    for remove in (False, True):
        assert ok(associate(client, app_y, "public", user_id, remove)) == {
            "status": "UNKNOWN_USER_ID_ERROR"
        }


def test_removing_a_tenant_removes_its_links_but_keeps_the_user(app, client):
    app_id = new_app(client)
    new_tenant(client, app_id, "t1")
    user_id = index_user(app, app_id)
    ok(associate(client, app_id, "t1", user_id))
    ok(associate(client, app_id, "public", user_id, remove=True))

    assert (
        ok(client.post(f"/appid-{app_id}{TENANT_REMOVE}", json={"tenantId": "t1"}))["didExist"]
        is True
    )
    new_tenant(client, app_id, "t1")
    # The user still exists (known to the app) but is no longer in the re-created tenant.
    assert ok(associate(client, app_id, "t1", user_id, remove=True)) == {
        "status": "OK",
        "wasAssociated": False,
    }
    assert ok(associate(client, app_id, "t1", user_id)) == {
        "status": "OK",
        "wasAlreadyAssociated": False,
    }


@pytest.mark.parametrize("path", [TENANT_USER, TENANT_USER_REMOVE])
def test_user_association_in_unknown_app_or_tenant(client, path):
    app_id = new_id()
    body = {"recipeUserId": "some-user"}
    assert error(client.post(f"/appid-{app_id}{path}", json=body)) == (
        400,
        NOT_FOUND.format(app_id, "public"),
    )
    assert error(client.post(f"/appid-{app_id}/t1{path}", json=body)) == (
        400,
        NOT_FOUND.format(app_id, "t1"),
    )
    known = new_app(client)
    assert error(client.post(f"/appid-{known}/t9{path}", json=body)) == (
        400,
        NOT_FOUND.format(known, "t9"),
    )
