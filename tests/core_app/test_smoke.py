from core_app.testing.apps import new_id


def test_app_lifecycle(client):
    app_id = new_id()
    r = client.put("/recipe/multitenancy/app/v2", json={"appId": app_id, "coreConfig": {}})
    assert r.status_code == 200, r.text
    assert r.json == {"status": "OK", "createdNew": True}
    r = client.put(f"/appid-{app_id}/recipe/multitenancy/tenant/v2", json={"tenantId": "t1"})
    assert r.json == {"status": "OK", "createdNew": True}, r.text
    assert client.get(f"/appid-{app_id}/t1/hello").text == "Hello\n"
    r = client.post("/recipe/multitenancy/app/remove", json={"appId": app_id})
    assert r.status_code == 403
    r = client.post(f"/appid-{app_id}/recipe/multitenancy/tenant/remove", json={"tenantId": "t1"})
    assert r.json == {"status": "OK", "didExist": True}, r.text
    r = client.post("/recipe/multitenancy/app/remove", json={"appId": app_id})
    assert r.json == {"status": "OK", "didExist": True}, r.text
    assert client.get(f"/appid-{app_id}/hello").status_code == 400
