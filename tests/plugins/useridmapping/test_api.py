"""User-id mapping through the HTTP API, on every database (contract, multitenancy §7), and
how every other route honours a mapping (§7.1)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core_app.testing.apps import AppClient, new_app
from plugins.useridmapping import store


class Api(AppClient):
    """Calls routes of one app with tenants public and t1."""

    def sign_up(self, email: str) -> str:
        answer = self.post("/recipe/signup", {"email": email, "password": "password123"}).json
        assert answer["status"] == "OK"
        return answer["user"]["id"]

    def map(self, supertokens_id: str, external_id: str, **extra) -> dict:
        return self.post(
            "/recipe/userid/map",
            {"superTokensUserId": supertokens_id, "externalUserId": external_id, **extra},
        ).json

    def mapping(self, user_id: str, user_id_type: str | None = None) -> dict:
        query = {"userId": user_id}
        if user_id_type:
            query["userIdType"] = user_id_type
        return self.get("/recipe/userid/map", query).json


@pytest.fixture
def api(client) -> Api:
    return Api(client, new_app(client, {"t1": {"firstFactors": ["emailpassword"]}}))


def test_create_and_read_both_ways(api):
    user_id = api.sign_up("a@example.com")
    assert api.map(user_id, " ext-1 ", externalUserIdInfo=" info ") == {"status": "OK"}
    expected = {
        "status": "OK",
        "superTokensUserId": user_id,
        "externalUserId": "ext-1",
        "externalUserIdInfo": "info",
    }
    assert api.mapping(user_id) == expected
    assert api.mapping("ext-1") == expected
    assert api.mapping("ext-1", "EXTERNAL") == expected
    assert api.mapping(user_id, "SUPERTOKENS") == expected
    assert api.mapping("ext-1", "SUPERTOKENS") == {"status": "UNKNOWN_MAPPING_ERROR"}
    assert api.mapping(user_id, "EXTERNAL") == {"status": "UNKNOWN_MAPPING_ERROR"}
    assert api.mapping("nobody") == {"status": "UNKNOWN_MAPPING_ERROR"}


def test_info_is_omitted_when_unset(api):
    user_id = api.sign_up("a@example.com")
    api.map(user_id, "ext-1", externalUserIdInfo=None)
    assert "externalUserIdInfo" not in api.mapping("ext-1")


def test_create_outcomes_in_upstream_order(api):
    first = api.sign_up("a@example.com")
    second = api.sign_up("b@example.com")
    api.map(first, "ext-1")
    both = {
        "status": "USER_ID_MAPPING_ALREADY_EXISTS_ERROR",
        "doesExternalUserIdExist": True,
        "does_external_user_id_exist": True,
    }
    assert api.map(first, "ext-1") == {**both, "doesSuperTokensUserIdExist": True}
    assert api.map(second, "ext-1") == {**both, "doesSuperTokensUserIdExist": False}
    # The external id is checked before the SuperTokens id exists.
    assert api.map("no-such-user", "ext-1") == {**both, "doesSuperTokensUserIdExist": False}
    assert api.map("no-such-user", "ext-2") == {"status": "UNKNOWN_SUPERTOKENS_USER_ID_ERROR"}
    assert api.map(first, "ext-2") == {
        "status": "USER_ID_MAPPING_ALREADY_EXISTS_ERROR",
        "doesSuperTokensUserIdExist": True,
        "doesExternalUserIdExist": False,
        "does_external_user_id_exist": False,
    }
    answer = api.post("/recipe/userid/map", {"superTokensUserId": second, "externalUserId": first})
    assert answer.status_code == 400
    assert answer.get_data(as_text=True).rstrip("\n") == (
        "Cannot create a userId mapping where the externalId is also a SuperTokens userID"
    )
    assert api.map(second, first, force=True) == {"status": "OK"}


def test_data_under_the_supertokens_id_blocks_a_mapping_unless_forced(api):
    user_id = api.sign_up("a@example.com")
    api.put("/recipe/user/metadata", {"userId": user_id, "metadataUpdate": {"a": 1}})
    answer = api.post(
        "/recipe/userid/map", {"superTokensUserId": user_id, "externalUserId": "ext-1"}
    )
    assert answer.status_code == 400
    assert answer.get_data(as_text=True).rstrip("\n") == (
        "UserId is already in use in UserMetadata recipe"
    )
    assert api.mapping(user_id) == {"status": "UNKNOWN_MAPPING_ERROR"}
    assert api.map(user_id, "ext-1", force=True) == {"status": "OK"}


def test_session_is_named_first(api):
    user_id = api.sign_up("a@example.com")
    api.put("/recipe/user/metadata", {"userId": user_id, "metadataUpdate": {"a": 1}})
    api.post(
        "/recipe/session",
        {"userId": user_id, "userDataInJWT": {}, "userDataInDatabase": {}, "enableAntiCsrf": False},
    )
    answer = api.post(
        "/recipe/userid/map", {"superTokensUserId": user_id, "externalUserId": "ext-1"}
    )
    assert answer.get_data(as_text=True).rstrip("\n") == (
        "UserId is already in use in Session recipe"
    )


def test_email_verification_alone_moves_to_the_external_id(api):
    user_id = api.sign_up("a@example.com")
    token = api.post(
        "/recipe/user/email/verify/token", {"userId": user_id, "email": "a@example.com"}
    ).json["token"]
    api.post("/recipe/user/email/verify", {"method": "token", "token": token})
    assert api.map(user_id, "ext-1") == {"status": "OK"}
    assert (
        api.get("/recipe/user/email/verify", {"userId": "ext-1", "email": "a@example.com"}).json[
            "isVerified"
        ]
        is True
    )
    assert (
        api.get("/recipe/user/email/verify", {"userId": user_id, "email": "a@example.com"}).json[
            "isVerified"
        ]
        is False
    )
    user = api.get("/user/id", {"userId": user_id}).json["user"]
    assert user["loginMethods"][0]["verified"] is True


def test_failed_creation_leaves_verification_where_it_was(api):
    first = api.sign_up("a@example.com")
    second = api.sign_up("b@example.com")
    api.map(first, "ext-1")
    api.post("/recipe/user/email/verify/remove", {"userId": second, "email": "b@example.com"})
    token = api.post(
        "/recipe/user/email/verify/token", {"userId": second, "email": "b@example.com"}
    ).json["token"]
    api.post("/recipe/user/email/verify", {"method": "token", "token": token})
    # second has only verification data; mapping it to a taken id must move nothing.
    assert api.map(second, "ext-1")["status"] == "USER_ID_MAPPING_ALREADY_EXISTS_ERROR"
    assert (
        api.get("/recipe/user/email/verify", {"userId": second, "email": "b@example.com"}).json[
            "isVerified"
        ]
        is True
    )


def test_remove_mapping(api):
    user_id = api.sign_up("a@example.com")
    api.map(user_id, "ext-1")
    assert api.post("/recipe/userid/map/remove", {"userId": "ext-1", "userIdType": None}).json == {
        "status": "OK",
        "didMappingExist": True,
    }
    assert api.mapping(user_id) == {"status": "UNKNOWN_MAPPING_ERROR"}
    assert api.post("/recipe/userid/map/remove", {"userId": "ext-1"}).json == {
        "status": "OK",
        "didMappingExist": False,
    }
    api.map(user_id, "ext-2")
    assert api.post(
        "/recipe/userid/map/remove", {"userId": "ext-2", "userIdType": "SUPERTOKENS"}
    ).json == {"status": "OK", "didMappingExist": False}
    assert api.post(
        "/recipe/userid/map/remove", {"userId": user_id, "userIdType": "SUPERTOKENS"}
    ).json == {"status": "OK", "didMappingExist": True}


def test_data_under_the_external_id_blocks_removal_unless_forced(api):
    user_id = api.sign_up("a@example.com")
    api.map(user_id, "ext-1")
    api.put("/recipe/user/metadata", {"userId": "ext-1", "metadataUpdate": {"a": 1}})
    answer = api.post("/recipe/userid/map/remove", {"userId": "ext-1"})
    assert answer.status_code == 400
    assert answer.get_data(as_text=True).rstrip("\n") == (
        "UserId is already in use in UserMetadata recipe"
    )
    assert api.post("/recipe/userid/map/remove", {"userId": "ext-1", "force": True}).json == {
        "status": "OK",
        "didMappingExist": True,
    }


def test_update_info_by_put_and_post(api):
    user_id = api.sign_up("a@example.com")
    api.map(user_id, "ext-1")
    assert api.put(
        "/recipe/userid/external-user-id-info", {"userId": user_id, "externalUserIdInfo": "one"}
    ).json == {"status": "OK"}
    assert api.mapping("ext-1")["externalUserIdInfo"] == "one"
    assert api.post(
        "/recipe/userid/external-user-id-info",
        {"userId": "ext-1", "userIdType": None, "externalUserIdInfo": "two"},
    ).json == {"status": "OK"}
    assert api.mapping("ext-1")["externalUserIdInfo"] == "two"
    assert api.put(
        "/recipe/userid/external-user-id-info", {"userId": "ext-1", "externalUserIdInfo": None}
    ).json == {"status": "OK"}
    assert "externalUserIdInfo" not in api.mapping("ext-1")
    assert api.put(
        "/recipe/userid/external-user-id-info", {"userId": "nobody", "externalUserIdInfo": "x"}
    ).json == {"status": "UNKNOWN_MAPPING_ERROR"}
    assert api.put(
        "/recipe/userid/external-user-id-info",
        {"userId": "ext-1", "userIdType": "SUPERTOKENS", "externalUserIdInfo": "x"},
    ).json == {"status": "UNKNOWN_MAPPING_ERROR"}


@pytest.mark.parametrize(
    "route, body, message",
    [
        (
            "/recipe/userid/map",
            {"superTokensUserId": " ", "externalUserId": "e"},
            "Field name 'superTokensUserId' cannot be an empty String",
        ),
        (
            "/recipe/userid/map",
            {"superTokensUserId": "s", "externalUserId": ""},
            "Field name 'externalUserId' cannot be an empty String",
        ),
        (
            "/recipe/userid/map",
            {"superTokensUserId": "s", "externalUserId": "e", "externalUserIdInfo": " "},
            "Field name 'externalUserIdInfo' cannot be an empty String",
        ),
        (
            "/recipe/userid/map",
            {"superTokensUserId": "s", "externalUserId": "e" * 129},
            "Field name 'externalUserId' must be at most 128 characters",
        ),
        (
            "/recipe/userid/map",
            {"externalUserId": "e"},
            "Field name 'superTokensUserId' is invalid in JSON input",
        ),
        (
            "/recipe/userid/map",
            {"superTokensUserId": "s", "externalUserId": "e", "force": "yes"},
            "Field name 'force' is invalid in JSON input",
        ),
        (
            "/recipe/userid/map/remove",
            {"userId": "u", "userIdType": "BOTH"},
            "Field name 'userIdType' should be one of 'SUPERTOKENS', 'EXTERNAL' or 'ANY'",
        ),
        (
            "/recipe/userid/map/remove",
            {"userId": " "},
            "Field name 'userId' cannot be an empty String",
        ),
        (
            "/recipe/userid/external-user-id-info",
            {"userId": "u"},
            "Field name 'externalUserIdInfo' is invalid in JSON input",
        ),
        (
            "/recipe/userid/external-user-id-info",
            {"userId": "u", "externalUserIdInfo": ""},
            "Field name 'externalUserIdInfo' cannot be an empty String",
        ),
    ],
)
def test_body_errors(api, route, body, message):
    answer = api.post(route, body)
    assert answer.status_code == 400
    assert answer.get_data(as_text=True).rstrip("\n") == message


@pytest.mark.parametrize(
    "query, message",
    [
        ({}, "Field name 'userId' is missing in GET request"),
        ({"userId": " "}, "Field name 'userId' cannot be an empty String"),
        (
            {"userId": "u", "userIdType": "any"},
            "Field name 'userIdType' should be one of 'SUPERTOKENS', 'EXTERNAL' or 'ANY'",
        ),
    ],
)
def test_query_errors(api, query, message):
    answer = api.get("/recipe/userid/map", query)
    assert answer.status_code == 400
    assert answer.get_data(as_text=True).rstrip("\n") == message


# --- how the rest of the core honours a mapping (§7.1) -------------------------------------


@pytest.fixture
def mapped(api) -> tuple[Api, str]:
    user_id = api.sign_up("mapped@example.com")
    assert api.map(user_id, "ext-user") == {"status": "OK"}
    return api, user_id


def test_user_objects_show_the_external_id(mapped):
    api, user_id = mapped
    for asked in (user_id, "ext-user"):
        user = api.get("/user/id", {"userId": asked}).json["user"]
        assert user["id"] == "ext-user"
        assert user["loginMethods"][0]["recipeUserId"] == "ext-user"
    listed = api.get("/users", {}).json["users"]
    assert [user["id"] for user in listed] == ["ext-user"]
    found = api.get(
        "/users/by-accountinfo", {"email": "mapped@example.com", "doUnionOfAccountInfo": "false"}
    ).json["users"]
    assert [user["id"] for user in found] == ["ext-user"]
    signed_in = api.post(
        "/recipe/signin", {"email": "mapped@example.com", "password": "password123"}
    ).json
    assert signed_in["user"]["id"] == "ext-user" and signed_in["recipeUserId"] == "ext-user"
    by_id = api.client.get(
        api.path("/recipe/user"),
        query_string={"userId": "ext-user"},
        headers={"rid": "emailpassword"},
    ).json
    assert by_id["user"]["id"] == "ext-user"


def test_sessions_are_kept_under_the_external_id(mapped):
    api, user_id = mapped
    created = api.post(
        "/recipe/session",
        {"userId": user_id, "userDataInJWT": {}, "userDataInDatabase": {}, "enableAntiCsrf": False},
    ).json
    assert created["session"]["userId"] == "ext-user"
    assert created["session"]["recipeUserId"] == "ext-user"
    handles = api.get("/recipe/session/user", {"userId": "ext-user"}).json["sessionHandles"]
    assert handles == [created["session"]["handle"]]
    assert api.get("/recipe/session/user", {"userId": user_id}).json["sessionHandles"] == handles
    answer = api.post(
        "/recipe/session/verify",
        {
            "accessToken": created["accessToken"]["token"],
            "doAntiCsrfCheck": False,
            "enableAntiCsrf": False,
            "checkDatabase": True,
        },
    ).json
    assert answer["session"]["userId"] == "ext-user"


def test_password_reset_and_update_take_either_id(mapped):
    api, user_id = mapped
    token = api.post(
        "/recipe/user/password/reset/token", {"userId": "ext-user", "email": "mapped@example.com"}
    ).json["token"]
    consumed = api.post("/recipe/user/password/reset/token/consume", {"token": token}).json
    assert consumed == {"status": "OK", "userId": "ext-user", "email": "mapped@example.com"}
    assert api.put(
        "/recipe/user",
        {"recipeUserId": "ext-user", "password": "newpass123"},
    ).json == {"status": "OK"}
    assert (
        api.post("/recipe/signin", {"email": "mapped@example.com", "password": "newpass123"}).json[
            "status"
        ]
        == "OK"
    )


def test_tenant_association_takes_the_external_id(mapped):
    api, user_id = mapped
    assert api.post(
        "/recipe/multitenancy/tenant/user", {"recipeUserId": "ext-user"}, tenant="t1"
    ).json == {"status": "OK", "wasAlreadyAssociated": False}
    assert sorted(api.get("/user/id", {"userId": user_id}).json["user"]["tenantIds"]) == [
        "public",
        "t1",
    ]
    assert api.post(
        "/recipe/multitenancy/tenant/user/remove", {"recipeUserId": "ext-user"}, tenant="t1"
    ).json == {"status": "OK", "wasAssociated": True}


def test_deleting_by_external_id_removes_user_data_and_the_mapping(app, mapped):
    api, user_id = mapped
    api.put("/recipe/user/metadata", {"userId": "ext-user", "metadataUpdate": {"a": 1}})
    api.put("/recipe/role", {"role": "admin", "permissions": []})
    api.put("/recipe/user/role", {"userId": "ext-user", "role": "admin"})
    api.post(
        "/recipe/session",
        {
            "userId": "ext-user",
            "userDataInJWT": {},
            "userDataInDatabase": {},
            "enableAntiCsrf": False,
        },
    )
    assert api.post("/user/remove", {"userId": "ext-user"}).json == {"status": "OK"}
    assert api.get("/user/id", {"userId": user_id}).json == {"status": "UNKNOWN_USER_ID_ERROR"}
    assert api.get("/recipe/user/metadata", {"userId": "ext-user"}).json["metadata"] == {}
    assert api.get("/recipe/user/roles", {"userId": "ext-user"}).json["roles"] == []
    assert api.get("/recipe/session/user", {"userId": "ext-user"}).json["sessionHandles"] == []
    engine = app.extensions["supertokens_core"].storage.engine()
    with engine.connect() as conn:
        assert (
            conn.execute(
                select(store.userid_mapping).where(store.userid_mapping.c.app_id == api.app_id)
            ).all()
            == []
        )


def test_passwordless_and_third_party_verify_under_the_external_id(mapped):
    api, user_id = mapped
    # Third party: a new user, mapped, then signed in again with a verified email.
    body = {
        "thirdPartyId": "google",
        "thirdPartyUserId": "g-1",
        "email": {"id": "tp@example.com", "isVerified": False},
    }
    tp_user = api.post("/recipe/signinup", body).json["user"]["id"]
    assert api.map(tp_user, "ext-tp") == {"status": "OK"}
    body["email"]["isVerified"] = True
    answer = api.post("/recipe/signinup", body).json
    assert answer["recipeUserId"] == "ext-tp"
    assert answer["user"]["loginMethods"][0]["verified"] is True
    assert (
        api.get("/recipe/user/email/verify", {"userId": "ext-tp", "email": "tp@example.com"}).json[
            "isVerified"
        ]
        is True
    )
