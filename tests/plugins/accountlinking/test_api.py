"""Account linking through the HTTP API, on every database (contract, accountlinking)."""

from __future__ import annotations

import pytest

from core_app.testing.apps import AppClient, new_app
from core_app.testing.concurrency import race

PREFIX = "/recipe/accountlinking/user"


class Api(AppClient):
    """Calls routes of one app with tenants public and t1."""

    def email_password(self, email: str, tenant: str = "public") -> str:
        answer = self.post(
            "/recipe/signup", {"email": email, "password": "password123"}, tenant
        ).json
        assert answer["status"] == "OK"
        return answer["user"]["id"]

    def third_party(self, email: str, user_id: str = "g-1", tenant: str = "public") -> str:
        answer = self.post(
            "/recipe/signinup",
            {
                "thirdPartyId": "google",
                "thirdPartyUserId": user_id,
                "email": {"id": email, "isVerified": False},
            },
            tenant,
        ).json
        assert answer["status"] == "OK"
        return answer["recipeUserId"]

    def make_primary(self, user_id: str) -> dict:
        return self.post(f"{PREFIX}/primary", {"recipeUserId": user_id}).json

    def link(self, recipe_user_id: str, primary_user_id: str) -> dict:
        return self.post(
            f"{PREFIX}/link", {"recipeUserId": recipe_user_id, "primaryUserId": primary_user_id}
        ).json

    def can_link(self, recipe_user_id: str, primary_user_id: str) -> dict:
        return self.get(
            f"{PREFIX}/link/check",
            {"recipeUserId": recipe_user_id, "primaryUserId": primary_user_id},
        ).json

    def user(self, user_id: str) -> dict:
        return self.get("/user/id", {"userId": user_id}).json.get("user")


@pytest.fixture
def api(client) -> Api:
    return Api(client, new_app(client, {"t1": {}}))


@pytest.fixture
def linked(api) -> tuple[Api, str, str]:
    """An email-password primary user with a third-party user of the same email linked."""
    primary = api.email_password("a@example.com")
    member = api.third_party("a@example.com")
    assert api.make_primary(primary)["status"] == "OK"
    assert api.link(member, primary)["status"] == "OK"
    return api, primary, member


def test_create_primary_user(api):
    user_id = api.email_password("a@example.com")
    assert api.get(f"{PREFIX}/primary/check", {"recipeUserId": user_id}).json == {
        "status": "OK",
        "wasAlreadyAPrimaryUser": False,
    }
    answer = api.make_primary(user_id)
    assert answer["status"] == "OK" and answer["wasAlreadyAPrimaryUser"] is False
    assert answer["user"]["isPrimaryUser"] is True and answer["user"]["id"] == user_id
    assert api.user(user_id)["isPrimaryUser"] is True
    again = api.make_primary(user_id)
    assert again["wasAlreadyAPrimaryUser"] is True and again["user"]["id"] == user_id
    assert api.get(f"{PREFIX}/primary/check", {"recipeUserId": user_id}).json == {
        "status": "OK",
        "wasAlreadyAPrimaryUser": True,
    }


def test_second_primary_user_with_the_same_email_is_refused(api):
    first = api.email_password("a@example.com")
    second = api.third_party("A@example.com")
    api.make_primary(first)
    expected = {
        "status": "ACCOUNT_INFO_ALREADY_ASSOCIATED_WITH_ANOTHER_PRIMARY_USER_ID_ERROR",
        "primaryUserId": first,
        "description": "This user's email is already associated with another user ID",
    }
    assert api.get(f"{PREFIX}/primary/check", {"recipeUserId": second}).json == expected
    assert api.make_primary(second) == expected
    assert api.user(second)["isPrimaryUser"] is False


def test_same_email_in_another_tenant_is_no_conflict(api):
    first = api.email_password("a@example.com")
    second = api.email_password("a@example.com", tenant="t1")
    api.make_primary(first)
    assert api.make_primary(second)["status"] == "OK"


def test_link_and_sign_in_through_either_method(linked):
    api, primary, member = linked
    user = api.user(member)
    assert user["id"] == primary and user["isPrimaryUser"] is True
    assert [m["recipeUserId"] for m in user["loginMethods"]] == [primary, member]
    assert [m["recipeId"] for m in user["loginMethods"]] == ["emailpassword", "thirdparty"]
    assert user["emails"] == ["a@example.com"]
    assert user["thirdParty"] == [{"id": "google", "userId": "g-1"}]
    signed_in = api.post(
        "/recipe/signin", {"email": "a@example.com", "password": "password123"}
    ).json
    assert signed_in["user"] == user and signed_in["recipeUserId"] == primary
    third_party = api.post(
        "/recipe/signinup",
        {
            "thirdPartyId": "google",
            "thirdPartyUserId": "g-1",
            "email": {"id": "a@example.com", "isVerified": False},
        },
    ).json
    assert third_party["user"]["id"] == primary and third_party["recipeUserId"] == member
    assert third_party["createdNewUser"] is False
    # Listed and counted once.
    assert [u["id"] for u in api.get("/users", {}).json["users"]] == [primary]
    assert api.get("/users/count", {}).json["count"] == 1
    found = api.get(
        "/users/by-accountinfo", {"email": "a@example.com", "doUnionOfAccountInfo": "true"}
    ).json["users"]
    assert [u["id"] for u in found] == [primary]


def test_link_answers(linked):
    api, primary, member = linked
    assert api.can_link(member, primary) == {"status": "OK", "accountsAlreadyLinked": True}
    again = api.link(member, primary)
    assert again["accountsAlreadyLinked"] is True and again["user"]["id"] == primary
    loner = api.email_password("b@example.com")
    not_primary = {
        "status": "INPUT_USER_IS_NOT_A_PRIMARY_USER",
        "description": "The input primary user ID is not a primary user",
    }
    assert api.can_link(primary, loner) == not_primary
    assert api.link(primary, loner) == not_primary
    # The primary named by a member's id is its group.
    other = api.third_party("c@example.com", user_id="g-2")
    assert api.can_link(other, member) == {"status": "OK", "accountsAlreadyLinked": False}
    api.make_primary(loner)
    elsewhere = api.link(loner, primary)
    assert elsewhere["status"] == "RECIPE_USER_ID_ALREADY_LINKED_WITH_ANOTHER_PRIMARY_USER_ID_ERROR"
    assert elsewhere["primaryUserId"] == loner
    assert (
        elsewhere["description"] == "The input recipe user ID is already linked to another user ID"
    )
    assert elsewhere["user"]["id"] == loner
    assert api.get(f"{PREFIX}/primary/check", {"recipeUserId": member}).json == {
        "status": "RECIPE_USER_ID_ALREADY_LINKED_WITH_PRIMARY_USER_ID_ERROR",
        "primaryUserId": primary,
        "description": "This user ID is already linked to another user ID",
    }


def test_link_refused_when_the_email_belongs_to_another_primary_user(api):
    primary = api.email_password("a@example.com")
    holder = api.email_password("b@example.com")
    member = api.third_party("b@example.com")
    api.make_primary(primary)
    api.make_primary(holder)
    expected = {
        "status": "ACCOUNT_INFO_ALREADY_ASSOCIATED_WITH_ANOTHER_PRIMARY_USER_ID_ERROR",
        "primaryUserId": holder,
        "description": "This user's email is already associated with another user ID",
    }
    assert api.can_link(member, primary) == expected
    assert api.link(member, primary) == expected
    assert api.user(member)["isPrimaryUser"] is False


def test_linking_ends_the_recipe_users_sessions_only(linked):
    api, primary, member = linked
    other = api.third_party("a@example.com", user_id="g-9")
    for user_id in (primary, other):
        api.post(
            "/recipe/session",
            {
                "userId": user_id,
                "userDataInJWT": {},
                "userDataInDatabase": {},
                "enableAntiCsrf": False,
            },
        )
    assert api.link(other, primary)["status"] == "OK"
    assert (
        api.get(
            "/recipe/session/user", {"userId": other, "fetchSessionsForAllLinkedAccounts": "false"}
        ).json["sessionHandles"]
        == []
    )
    assert (
        len(
            api.get(
                "/recipe/session/user",
                {"userId": primary, "fetchSessionsForAllLinkedAccounts": "false"},
            ).json["sessionHandles"]
        )
        == 1
    )


def test_session_of_a_linked_method_names_the_primary_user(linked):
    api, primary, member = linked
    created = api.post(
        "/recipe/session",
        {"userId": member, "userDataInJWT": {}, "userDataInDatabase": {}, "enableAntiCsrf": False},
    ).json
    assert created["session"]["userId"] == primary
    assert created["session"]["recipeUserId"] == member


def test_unlink_a_member(linked):
    api, primary, member = linked
    assert api.post(f"{PREFIX}/unlink", {"recipeUserId": member}).json == {
        "status": "OK",
        "wasRecipeUserDeleted": False,
        "wasLinked": True,
    }
    assert api.user(member)["id"] == member and api.user(member)["isPrimaryUser"] is False
    assert len(api.user(primary)["loginMethods"]) == 1
    assert api.post(f"{PREFIX}/unlink", {"recipeUserId": member}).json == {
        "status": "OK",
        "wasRecipeUserDeleted": False,
        "wasLinked": False,
    }
    assert api.get("/users/count", {}).json["count"] == 2


def test_unlink_a_lone_primary_user(api):
    user_id = api.email_password("a@example.com")
    api.make_primary(user_id)
    assert api.post(f"{PREFIX}/unlink", {"recipeUserId": user_id}).json == {
        "status": "OK",
        "wasRecipeUserDeleted": False,
        "wasLinked": True,
    }
    assert api.user(user_id)["isPrimaryUser"] is False


def test_unlink_the_primary_of_a_group_deletes_its_login_method(linked):
    api, primary, member = linked
    api.client.put(
        api.path("/recipe/user/metadata"),
        json={"userId": primary, "metadataUpdate": {"kept": True}},
    )
    assert api.post(f"{PREFIX}/unlink", {"recipeUserId": primary}).json == {
        "status": "OK",
        "wasRecipeUserDeleted": True,
        "wasLinked": True,
    }
    user = api.user(member)
    assert user["id"] == primary and [m["recipeUserId"] for m in user["loginMethods"]] == [member]
    assert (
        api.post("/recipe/signin", {"email": "a@example.com", "password": "password123"}).json[
            "status"
        ]
        == "WRONG_CREDENTIALS_ERROR"
    )
    assert api.get("/recipe/user/metadata", {"userId": primary}).json["metadata"] == {"kept": True}


def test_delete_one_login_method_or_the_whole_group(linked):
    api, primary, member = linked
    api.post("/user/remove", {"userId": member, "removeAllLinkedAccounts": False})
    assert [m["recipeUserId"] for m in api.user(primary)["loginMethods"]] == [primary]
    assert api.user(member) is None
    again = api.third_party("a@example.com", user_id="g-2")
    assert api.link(again, primary)["status"] == "OK"
    api.post("/user/remove", {"userId": again})
    assert api.user(primary) is None and api.user(again) is None
    assert api.get("/users/count", {}).json["count"] == 0


def test_email_change_to_another_primary_users_email_is_refused(linked):
    api, primary, member = linked
    holder = api.email_password("b@example.com")
    api.make_primary(holder)
    answer = api.client.put(
        api.path("/recipe/user"), json={"recipeUserId": primary, "email": "b@example.com"}
    ).json
    assert answer == {
        "status": "EMAIL_CHANGE_NOT_ALLOWED_ERROR",
        "reason": "New email is associated with another primary user ID",
    }


def test_association_refused_when_the_tenant_has_a_primary_user_with_the_email(api):
    primary = api.email_password("a@example.com")
    other = api.email_password("a@example.com", tenant="t1")
    api.make_primary(primary)
    api.make_primary(other)
    answer = api.post(
        "/recipe/multitenancy/tenant/user", {"recipeUserId": primary}, tenant="t1"
    ).json
    assert answer == {
        "status": "ASSOCIATION_NOT_ALLOWED_ERROR",
        "reason": "This user's email is already associated with another user ID",
    }
    assert api.user(primary)["tenantIds"] == ["public"]


def test_mapped_ids_in_and_out(linked):
    api, primary, member = linked
    api.post(
        "/recipe/userid/map",
        {"superTokensUserId": primary, "externalUserId": "ext-p", "force": True},
    )
    api.post(
        "/recipe/userid/map",
        {"superTokensUserId": member, "externalUserId": "ext-m", "force": True},
    )
    assert api.can_link("ext-m", "ext-p") == {"status": "OK", "accountsAlreadyLinked": True}
    check = api.get(f"{PREFIX}/primary/check", {"recipeUserId": "ext-m"}).json
    assert check["primaryUserId"] == "ext-p"
    user = api.link("ext-m", "ext-p")["user"]
    assert user["id"] == "ext-p"
    assert [m["recipeUserId"] for m in user["loginMethods"]] == ["ext-p", "ext-m"]


def test_unknown_ids_and_scope(api):
    metadata_only = "only-in-metadata"
    api.client.put(
        api.path("/recipe/user/metadata"),
        json={"userId": metadata_only, "metadataUpdate": {"a": 1}},
    )
    for response in (
        api.post(f"{PREFIX}/primary", {"recipeUserId": "nobody"}),
        api.get(f"{PREFIX}/primary/check", {"recipeUserId": metadata_only}),
        api.post(f"{PREFIX}/unlink", {"recipeUserId": "nobody"}),
        api.post(f"{PREFIX}/link", {"recipeUserId": "nobody", "primaryUserId": "nobody"}),
    ):
        assert response.status_code == 400
        assert response.get_data(as_text=True).rstrip("\n") == "Unknown user ID provided"
    assert api.post(f"{PREFIX}/primary", {"recipeUserId": "x"}, tenant="t1").status_code == 403
    missing = api.post(f"{PREFIX}/link", {"primaryUserId": "x"})
    assert (
        missing.get_data(as_text=True).rstrip("\n")
        == "Field name 'recipeUserId' is invalid in JSON input"
    )
    query = api.get(f"{PREFIX}/link/check", {"recipeUserId": "x"})
    assert (
        query.get_data(as_text=True).rstrip("\n")
        == "Field name 'primaryUserId' is missing in GET request"
    )


def test_concurrent_primaries_with_one_email_make_one(app, api):
    ids = [api.email_password("race@example.com")] + [
        api.third_party("race@example.com", user_id=f"g-{n}") for n in range(5)
    ]
    pending = iter(ids)
    answers = race(
        len(ids),
        lambda: (
            app.test_client()
            .post(api.path(f"{PREFIX}/primary"), json={"recipeUserId": next(pending)})
            .json
        ),
    )
    assert sorted(answer["status"] for answer in answers).count("OK") == 1
    primaries = [user_id for user_id in ids if api.user(user_id)["isPrimaryUser"]]
    assert len(primaries) == 1


def test_user_counts_follow_every_change_to_the_index(api):
    """The kept counts answer ``/users/count``; with a recipe filter the core counts the
    index itself. Both must agree after each change that adds or drops a group's tenant."""
    every_recipe = {"includeRecipeIds": "emailpassword,thirdparty"}

    def counts() -> dict[str, tuple[int, int]]:
        found = {}
        for tenant, query in (
            ("public", {}),
            ("t1", {}),
            ("public", {"includeAllTenants": "true"}),
        ):
            name = "app" if query else tenant
            kept = api.get("/users/count", query, tenant).json["count"]
            counted = api.get("/users/count", {**query, **every_recipe}, tenant).json["count"]
            found[name] = (kept, counted)
        return found

    def expect(public: int, t1: int, app: int) -> None:
        assert counts() == {"public": (public, public), "t1": (t1, t1), "app": (app, app)}

    ana = api.email_password("ana@example.com")
    google = api.third_party("ana@example.com")
    api.email_password("ben@example.com", tenant="t1")
    expect(public=2, t1=1, app=3)
    assert (
        api.post("/recipe/multitenancy/tenant/user", {"recipeUserId": google}, "t1").json[
            "wasAlreadyAssociated"
        ]
        is False
    )
    expect(public=2, t1=2, app=3)
    assert api.make_primary(ana)["status"] == "OK"
    assert api.link(google, ana)["status"] == "OK"  # two groups become one
    expect(public=1, t1=2, app=2)
    assert (
        api.post("/recipe/multitenancy/tenant/user", {"recipeUserId": ana}, "t1").json[
            "wasAlreadyAssociated"
        ]
        is False
    )  # the group already was in t1
    expect(public=1, t1=2, app=2)
    assert (
        api.post("/recipe/multitenancy/tenant/user/remove", {"recipeUserId": google}, "t1").json[
            "wasAssociated"
        ]
        is True
    )  # ana's own method keeps it there
    expect(public=1, t1=2, app=2)
    assert api.post(f"{PREFIX}/unlink", {"recipeUserId": google}).json["wasLinked"] is True
    expect(public=2, t1=2, app=3)
    assert api.post(f"{PREFIX}/unlink", {"recipeUserId": ana}).json["wasLinked"] is True
    assert api.make_primary(google)["status"] == "OK"
    assert api.link(ana, google)["status"] == "OK"
    expect(public=1, t1=2, app=2)
    # removing the primary's own login method keeps the group, through ana alone
    assert (
        api.post(f"{PREFIX}/unlink", {"recipeUserId": google}).json["wasRecipeUserDeleted"] is True
    )
    expect(public=1, t1=2, app=2)
    assert api.post("/user/remove", {"userId": ana}).json["status"] == "OK"
    expect(public=0, t1=1, app=1)
    carl = api.email_password("carl@example.com", tenant="t1")
    assert (
        api.post("/recipe/multitenancy/tenant/user", {"recipeUserId": carl}).json[
            "wasAlreadyAssociated"
        ]
        is False
    )
    expect(public=1, t1=2, app=2)
    # deleting t1 takes ben (only there) out of the app's count, but not carl
    assert (
        api.post("/recipe/multitenancy/tenant/remove", {"tenantId": "t1"}).json["didExist"] is True
    )
    assert api.get("/users/count", {"includeAllTenants": "true"}).json["count"] == 1
    assert api.get("/users/count", {"includeAllTenants": "true", **every_recipe}).json["count"] == 1


def test_concurrent_changes_to_one_group_keep_its_count(app, api):
    """Members of a group leave a tenant at once: each change alone leaves the group there,
    so without taking turns none would take it out of the tenant's count."""
    primary = api.email_password("ana@example.com", tenant="t1")
    assert api.make_primary(primary)["status"] == "OK"
    members = [primary]
    for number in range(5):
        members.append(api.third_party("ana@example.com", f"g-{number}", tenant="t1"))
        assert api.link(members[-1], primary)["status"] == "OK"
    assert api.get("/users/count", {}, "t1").json["count"] == 1
    pending = iter(members)
    answers = race(
        len(members),
        lambda: (
            app.test_client()
            .post(
                api.path("/recipe/multitenancy/tenant/user/remove", "t1"),
                json={"recipeUserId": next(pending)},
            )
            .json
        ),
    )
    assert [answer["wasAssociated"] for answer in answers] == [True] * len(members)
    assert (
        api.get("/users/count", {"includeRecipeIds": "emailpassword,thirdparty"}, "t1").json[
            "count"
        ]
        == 0
    )
    assert api.get("/users/count", {}, "t1").json["count"] == 0
    assert api.get("/users/count", {"includeAllTenants": "true"}).json["count"] == 0
