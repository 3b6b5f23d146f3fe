"""GET /openapi.json: the OpenAPI 3.1 document of exactly the routes this core serves."""

from __future__ import annotations

import schemathesis

from core_app.config import SUPPORTED_CDI_VERSIONS

API_KEY = "an-api-key-of-twenty-chars"


def _document(app) -> dict:
    answer = app.test_client().get("/openapi.json", headers={"api-key": API_KEY})
    assert answer.status_code == 200, answer.text
    return answer.json


def test_document_lists_every_route_with_its_input(make_app):
    app = make_app(api_keys=API_KEY)
    document = _document(app)
    assert document["openapi"] == "3.1.0"
    assert document["info"]["version"] == SUPPORTED_CDI_VERSIONS[-1]
    served = {
        (rule.rule, method.lower())
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    documented = {
        (path, method) for path, operations in document["paths"].items() for method in operations
    }
    assert documented == served

    create_session = document["paths"]["/recipe/session"]["post"]
    assert create_session["x-supertokens-scope"] == "tenant"
    assert create_session["security"] == [{"api-key": []}]
    body = create_session["requestBody"]["content"]["application/json"]["schema"]
    schema = document["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert schema["properties"]["userId"] == {"type": "string", "maxLength": 128}
    assert set(schema["required"]) == {
        "userId",
        "enableAntiCsrf",
        "userDataInJWT",
        "userDataInDatabase",
    }
    users = {
        parameter.get("name"): parameter
        for parameter in document["paths"]["/users"]["get"]["parameters"]
    }
    assert users["limit"]["schema"] == {"type": "integer", "format": "int32"}
    assert {"$ref": "#/components/parameters/cdiVersion"} in document["paths"]["/users"]["get"][
        "parameters"
    ]
    assert document["components"]["securitySchemes"]["api-key"] == {
        "type": "apiKey",
        "in": "header",
        "name": "api-key",
        "description": "One of the app's api_keys (or the operator's); none when unset.",
    }
    assert document["paths"]["/hello"]["get"]["security"] == []


def test_shared_path_is_one_operation_naming_each_rid(make_app):
    document = _document(make_app(api_keys=API_KEY))
    get_user = document["paths"]["/recipe/user"]["get"]
    assert "`rid: thirdparty`" in get_user["description"]
    assert "`rid: passwordless`" in get_user["description"]
    assert any(parameter.get("name") == "rid" for parameter in get_user["parameters"])


def test_document_describes_only_the_enabled_recipes(make_app):
    document = _document(make_app(api_keys=API_KEY, recipes=["session"]))
    assert "/recipe/session" in document["paths"]
    assert "/recipe/signup" not in document["paths"]
    assert "/recipe/signinup/code" not in document["paths"]
    assert not any(name.startswith("emailpassword.") for name in document["components"]["schemas"])


def test_document_needs_the_api_key(make_app):
    client = make_app(api_keys=API_KEY).test_client()
    assert client.get("/openapi.json").status_code == 401
    assert client.get("/openapi.json", headers={"api-key": "x" * 20}).status_code == 401


def test_document_loads_as_a_fuzzer_schema(make_app):
    schema = schemathesis.openapi.from_dict(_document(make_app(api_keys=API_KEY)))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == sum(len(methods) for methods in schema.raw_schema["paths"].values())
