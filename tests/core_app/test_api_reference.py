"""GET /api-reference: /openapi.json in a browser, Swagger UI served by the core itself."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from swagger_ui_bundle import swagger_ui_path

API_KEY = "api-reference-test-key-0123456789"


def _loaded_files(page: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]+)"', page)


def test_page_loads_swagger_ui_from_the_core_without_a_key(make_app):
    client = make_app(api_keys=API_KEY).test_client()
    answer = client.get("/api-reference")
    assert answer.status_code == 200
    assert answer.content_type == "text/html; charset=utf-8"
    page = answer.text
    assert 'data-openapi-url="/openapi.json"' in page
    files = _loaded_files(page)
    assert files == [
        "/api-reference/swagger-ui.css",
        "/api-reference/swagger-ui-bundle.js",
        "/api-reference/swagger-ui-standalone-preset.js",
        "/api-reference/initializer.js",
    ]
    # Nothing from elsewhere: the page works on a core with no way out to the internet.
    assert "://" not in page
    # The page itself lists no route: they come from /openapi.json, behind the key.
    assert "/recipe/" not in page
    for name in files[:3]:
        served = client.get(name)
        assert served.status_code == 200, name
        bundled = Path(str(swagger_ui_path)) / name.rsplit("/", 1)[1]
        assert served.data == bundled.read_bytes()
        assert served.headers["Cache-Control"].startswith("public")
    initializer = client.get("/api-reference/initializer.js")
    assert initializer.status_code == 200
    assert initializer.content_type == "text/javascript; charset=utf-8"
    assert '"api-key"' in initializer.text


def test_the_document_it_shows_still_needs_the_key(make_app):
    client = make_app(api_keys=API_KEY).test_client()
    assert client.get("/openapi.json").status_code == 401
    document = client.get("/openapi.json", headers={"api-key": API_KEY})
    assert document.status_code == 200
    assert document.json["openapi"] == "3.1.0"
    assert "/api-reference" in document.json["paths"]
    assert document.json["paths"]["/api-reference"]["get"]["security"] == []


def test_the_bundled_swagger_ui_renders_openapi_3_1():
    # Swagger UI 4 refuses a document whose version is not 3.0.n ("Unable to render this
    # definition"); 3.1 support came with Swagger UI 5.
    version = re.fullmatch(r"swagger-ui-(\d+)\.(\d+)\.(\d+)", Path(str(swagger_ui_path)).name)
    assert version is not None
    assert int(version.group(1)) >= 5


def test_page_follows_base_path_and_has_no_tenant_prefix(make_app):
    client = make_app(base_path="/auth").test_client()
    page = client.get("/auth/api-reference")
    assert page.status_code == 200
    assert 'data-openapi-url="/auth/openapi.json"' in page.text
    assert all(name.startswith("/auth/api-reference/") for name in _loaded_files(page.text))
    assert client.get("/auth/api-reference/swagger-ui.css").status_code == 200
    assert client.get("/api-reference").status_code == 404
    assert client.get("/auth/appid-a1/api-reference").status_code == 404
    assert client.get("/auth/t1/api-reference/initializer.js").status_code == 404


def test_initializer_is_valid_javascript(make_app, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = tmp_path / "initializer.js"
    script.write_bytes(make_app().test_client().get("/api-reference/initializer.js").data)
    checked = subprocess.run([node, "--check", str(script)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
