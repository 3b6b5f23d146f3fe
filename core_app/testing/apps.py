"""Apps, tenants and users made through the core's HTTP API, as an SDK would make them.

``client`` is a Flask test client of the core (the ``client`` fixture, or
``app.test_client()``). Only the host's routes and the email-password sign-up route are
called; no recipe package is imported.
"""

from __future__ import annotations

import uuid
from typing import Any


def new_id(prefix: str = "a") -> str:
    """An app or tenant id no other test uses."""
    return f"{prefix}{uuid.uuid4().hex[:12]}"


class AppClient:
    """Calls the core's routes as one app (Flask test client), naming a tenant in the path."""

    def __init__(self, client: Any, app_id: str):
        self.client = client
        self.app_id = app_id

    def path(self, route: str, tenant: str = "public") -> str:
        """``route`` under this app and ``tenant``: ``/appid-<app>/<tenant><route>``."""
        return f"/appid-{self.app_id}/{tenant}{route}"

    def post(self, route: str, body: dict, tenant: str = "public") -> Any:
        """POST ``body`` as JSON to ``route`` of ``tenant``; the response."""
        return self.client.post(self.path(route, tenant), json=body)

    def put(self, route: str, body: dict, tenant: str = "public") -> Any:
        """PUT ``body`` as JSON to ``route`` of ``tenant``; the response."""
        return self.client.put(self.path(route, tenant), json=body)

    def get(self, route: str, query: dict, tenant: str = "public") -> Any:
        """GET ``route`` of ``tenant`` with ``query`` as the query string; the response."""
        return self.client.get(self.path(route, tenant), query_string=query)


def create_tenant(
    client: Any,
    tenant_id: str,
    first_factors: list[str] | None = None,
    core_config: dict[str, Any] | None = None,
    app_id: str = "public",
    **fields: Any,
) -> dict[str, Any]:
    """Create (or update) tenant ``tenant_id`` of app ``app_id``; the answer's JSON.

    ``first_factors`` sets ``firstFactors`` (left out when None), ``core_config`` the
    tenant's ``coreConfig``; other body fields (``requiredSecondaryFactors``, ...) go in
    ``fields``. Fails the test unless the core answers ``OK``.
    """
    body: dict[str, Any] = {"tenantId": tenant_id, **fields}
    if first_factors is not None:
        body["firstFactors"] = first_factors
    if core_config is not None:
        body["coreConfig"] = core_config
    answer = client.put(f"/appid-{app_id}/recipe/multitenancy/tenant/v2", json=body)
    assert answer.status_code == 200 and answer.json["status"] == "OK", answer.text
    return answer.json


def new_app(client: Any, tenants: dict[str, dict] | None = None) -> str:
    """Create an app no other test uses, with extra tenants (id: body); its id."""
    app_id = new_id()
    assert client.put("/recipe/multitenancy/app/v2", json={"appId": app_id}).json["status"] == "OK"
    for tenant_id, body in (tenants or {}).items():
        assert (
            client.put(
                f"/appid-{app_id}/recipe/multitenancy/tenant/v2",
                json={"tenantId": tenant_id, **body},
            ).json["status"]
            == "OK"
        )
    return app_id


def sign_up(
    client: Any, email: str, password: str, tenant: str = "public", app_id: str = "public"
) -> dict[str, Any]:
    """Sign up with email and password in ``tenant`` of ``app_id`` (POST /recipe/signup);
    the answer's JSON (``status``, and ``user`` and ``recipeUserId`` when ``OK``).

    Needs the core's email-password recipe enabled.
    """
    answer = client.post(
        f"/appid-{app_id}/{tenant}/recipe/signup", json={"email": email, "password": password}
    )
    assert answer.status_code == 200, answer.text
    return answer.json
