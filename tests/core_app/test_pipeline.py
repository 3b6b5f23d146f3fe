"""The request pipeline: prefixes, scopes, api key, cdi-version, errors (conventions §2–§12)."""

from __future__ import annotations

import pytest

from core_app.tenant_prefix import TenantIdentifier, TenantPrefix
from core_app.testing.apps import new_id

NOT_FOUND_APP = (
    "AppId or tenantId not found => Tenant with the following "
    "connectionURIDomain, appId and tenantId combination not found: (, {}, {})"
)
API_KEY = "test-key-0123456789abcdef"


def create_app_and_tenant(client, tenant_id: str = "t1") -> str:
    app_id = new_id()
    assert client.put("/recipe/multitenancy/app/v2", json={"appId": app_id}).status_code == 200
    assert (
        client.put(
            f"/appid-{app_id}/recipe/multitenancy/tenant/v2", json={"tenantId": tenant_id}
        ).status_code
        == 200
    )
    return app_id


@pytest.mark.parametrize(
    "path, api, app_id, tenant_id",
    [
        ("/recipe/session", "/recipe/session", "public", "public"),
        ("/public/recipe/session", "/recipe/session", "public", "public"),
        ("/t1/recipe/session", "/recipe/session", "public", "t1"),
        ("/appid-a1/recipe/session/verify", "/recipe/session/verify", "a1", "public"),
        ("/appid-a1/t1/users", "/users", "a1", "t1"),
        ("/appid-A1/T1/Users", "/users", "a1", "t1"),
        ("/appid-a1/.well-known/jwks.json", "/.well-known/jwks.json", "a1", "public"),
        ("/users/count", "/users/count", "public", "public"),
        ("/apiversion", "/apiversion", "public", "public"),
        ("/t1/apiversion", "/apiversion", "public", "t1"),
        ("/appid-a1", "/", "a1", "public"),
        ("/appid-a1/t1/", "/", "a1", "t1"),
        ("/recipe/session/", "/recipe/session", "public", "public"),
    ],
)
def test_prefix_parsing(path, api, app_id, tenant_id):
    apis = {
        "/recipe/session",
        "/recipe/session/verify",
        "/users",
        "/users/count",
        "/.well-known/jwks.json",
        "/apiversion",
        "/",
    }
    prefix = TenantPrefix(lambda *a: None, apis.__contains__)
    assert prefix.split(path) == (api, TenantIdentifier("", app_id, tenant_id))


def test_hello_and_root(client):
    app_id = create_app_and_tenant(client)
    for method in ("GET", "POST", "PUT", "DELETE"):
        answer = client.open("/hello", method=method)
        assert (answer.status_code, answer.text) == (200, "Hello\n")
        assert answer.content_type == "text/html; charset=UTF-8"
    assert client.get(f"/appid-{app_id}/t1/hello").text == "Hello\n"
    assert client.get(f"/appid-{app_id}/nosuchtenant/hello").text == "Hello\n"
    assert client.get(f"/appid-{app_id}/t1").text == "Hello\n"
    assert client.get("/").text == "Hello\n"
    unknown_tenant_root = client.get(f"/appid-{app_id}/t9")
    assert (unknown_tenant_root.status_code, unknown_tenant_root.text) == (404, "Not found\n")
    unknown_app = client.get("/appid-nosuchapp/hello")
    assert unknown_app.status_code == 400
    assert unknown_app.text.strip() == NOT_FOUND_APP.format("nosuchapp", "public")


def test_unknown_path_and_wrong_method(client):
    unknown = client.get("/recipe/nothing/here")
    assert (unknown.status_code, unknown.text) == (404, "Not found\n")
    for method in ("POST", "HEAD", "OPTIONS", "PATCH"):
        wrong = client.open("/apiversion", method=method)
        assert wrong.status_code == 405, method
        assert "Allow" not in wrong.headers
    assert client.post("/apiversion").text == "Method not supported\n"


def test_apiversion_lists_5_4(client):
    answer = client.get("/apiversion", query_string={"apiDomain": "a", "websiteDomain": "b"})
    assert answer.status_code == 200
    assert answer.content_type == "application/json; charset=UTF-8"
    assert answer.json == {"versions": ["5.1", "5.2", "5.3", "5.4"]}


@pytest.mark.parametrize(
    "header, status, message",
    [
        ("5.4", 200, None),
        ("5.1", 200, None),
        ("abc", 400, "cdi-version header is invalid"),
        ("9.0", 400, "cdi-version 9.0 not supported"),
        ("5.4.0", 400, "cdi-version 5.4.0 not supported"),
        ("2.21", 400, "cdi-version 2.21 not supported"),
    ],
)
def test_cdi_version(client, header, status, message):
    answer = client.get("/recipe/multitenancy/tenant/list/v2", headers={"cdi-version": header})
    assert answer.status_code == status
    if message:
        assert answer.text == message + "\n"


def test_cdi_version_list_check_skipped_on_apiversion(client):
    assert client.get("/apiversion", headers={"cdi-version": "2.21"}).status_code == 200
    assert client.get("/apiversion", headers={"cdi-version": "9.9"}).status_code == 400


def test_max_cdi_version_caps_requests(make_app):
    client = make_app(supertokens_max_cdi_version="5.2").test_client()
    assert (
        client.get("/recipe/multitenancy/tenant/list/v2", headers={"cdi-version": "5.3"}).text
        == "cdi-version 5.3 not supported\n"
    )
    assert client.get("/recipe/multitenancy/tenant/list/v2").status_code == 200


def test_api_key_checked_before_method(make_app):
    client = make_app(api_keys=API_KEY).test_client()
    assert client.post("/apiversion").status_code == 401
    assert client.post("/apiversion", headers={"api-key": API_KEY}).status_code == 405
    assert client.get("/hello").status_code == 200
    assert client.get("/recipe/nothing").status_code == 404
    unauthorised = client.get("/apiversion", headers={"api-key": "x" * 24})
    assert (unauthorised.status_code, unauthorised.text) == (401, "Invalid API key\n")


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'"text"', b'{"a": NaN}'])
def test_bad_json_body(client, body):
    answer = client.put("/recipe/multitenancy/app/v2", data=body)
    assert (answer.status_code, answer.text) == (400, "Invalid Json Input\n")


def test_json_parsed_whatever_the_content_type(client):
    app_id = new_id()
    answer = client.put(
        "/recipe/multitenancy/app/v2", data=f'{{"appId": "{app_id}"}}', content_type="text/plain"
    )
    assert answer.json == {"status": "OK", "createdNew": True}


@pytest.mark.parametrize("value", [1, True, None, {"a": 1}, ["x"]])
def test_wrongly_typed_field(client, value):
    answer = client.put("/recipe/multitenancy/app/v2", json={"appId": value})
    assert answer.status_code == 400
    assert answer.text == "Field name 'appId' is invalid in JSON input\n"


def test_scope_app_refuses_non_public_tenant(client):
    app_id = create_app_and_tenant(client)
    answer = client.get(f"/appid-{app_id}/t1/apiversion")
    assert (answer.status_code, answer.text) == (
        403,
        "Only public tenantId can call this app specific API\n",
    )


def test_scope_tenant_unknown_tenant(client):
    app_id = create_app_and_tenant(client)
    answer = client.post(
        f"/appid-{app_id}/t9/recipe/multitenancy/config/thirdparty/remove",
        json={"thirdPartyId": "google"},
    )
    assert answer.status_code == 400
    assert answer.text.strip() == NOT_FOUND_APP.format(app_id, "t9")


def test_bad_body_to_unknown_tenant_is_a_body_error(client):
    answer = client.post(
        "/appid-nosuchapp/t9/recipe/multitenancy/config/thirdparty/remove", data=b"{"
    )
    assert answer.text == "Invalid Json Input\n"


def test_internal_error_has_no_trace(make_app, monkeypatch, caplog):
    app = make_app()
    from core_app.tenancy import store

    def explode(*args, **kwargs):
        raise RuntimeError("secret detail from the database")

    monkeypatch.setattr(store, "load_app_ids", explode)
    answer = app.test_client().get("/recipe/multitenancy/app/list/v2")
    assert answer.status_code == 500
    assert answer.text.startswith("Internal Error")
    assert "secret" not in answer.text and "Traceback" not in answer.text
    assert "secret detail" in caplog.text


def test_ip_deny_regex(make_app):
    client = make_app(ip_deny_regex="127\\..*").test_client()
    assert client.get("/apiversion", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 403
    assert client.get("/apiversion", environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 200


def test_ip_allow_regex(make_app):
    client = make_app(ip_allow_regex="10\\.0\\.0\\.1").test_client()
    assert client.get("/apiversion", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 200
    assert client.get("/apiversion", environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 403
