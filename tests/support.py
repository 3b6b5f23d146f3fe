"""Small helpers for tests."""

from __future__ import annotations

import threading
import uuid
from typing import Any, Callable


def new_id(prefix: str = "a") -> str:
    """An app or tenant id no other test uses."""
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def race(count: int, call: Callable[[], Any]) -> list[Any]:
    """Run ``call`` in ``count`` threads released at once; their results in thread order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


class AppClient:
    """Calls the core's routes as one app (Flask test client), naming a tenant in the path."""

    def __init__(self, client: Any, app_id: str):
        self.client = client
        self.app_id = app_id

    def path(self, route: str, tenant: str = "public") -> str:
        return f"/appid-{self.app_id}/{tenant}{route}"

    def post(self, route: str, body: dict, tenant: str = "public") -> Any:
        return self.client.post(self.path(route, tenant), json=body)

    def put(self, route: str, body: dict, tenant: str = "public") -> Any:
        return self.client.put(self.path(route, tenant), json=body)

    def get(self, route: str, query: dict, tenant: str = "public") -> Any:
        return self.client.get(self.path(route, tenant), query_string=query)


def new_app(client: Any, tenants: dict[str, dict] | None = None) -> str:
    """Create an app no other test uses, with extra tenants (id: body); its id."""
    app_id = new_id()
    assert client.put("/recipe/multitenancy/app/v2", json={"appId": app_id}).json[
        "status"] == "OK"
    for tenant_id, body in (tenants or {}).items():
        assert client.put(f"/appid-{app_id}/recipe/multitenancy/tenant/v2",
                          json={"tenantId": tenant_id, **body}).json["status"] == "OK"
    return app_id
