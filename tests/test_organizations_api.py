"""The organization endpoints of API.md: scoping, workflow moves, errors, the public registry."""

import pytest

from registry.organizations.demo import make_uscc, sample_data
from tests.org_documents import hand_in_api

USCC = make_uscc("social_service", "511302", 7)


def body(**overrides):
    data = sample_data(**overrides)
    data["founded_on"] = None
    return data


@pytest.fixture
def people(make_user):
    return {
        "city": make_user("city_official", "511300", "city1"),
        "sq": make_user("county_official", "511302", "sq1"),
        "gp": make_user("county_official", "511303", "gp1"),
        "rep": make_user("org_admin", "511300", "rep1"),
        "vol": make_user("station_admin", "511302001", "st1"),
    }


def create(api, login="sq1", **overrides):
    api.token(login)
    response = api.post("/api/v1/organizations", json=body(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_apply_return_fix_approve_public(api, people):
    org = create(api, "rep1")
    assert org["status"] == "submitted" and org["contact_phone"] == "13800000000"
    api.token("sq1")
    assert api.post(f"/api/v1/organizations/{org['id']}/return", json={}).status_code == 422
    response = api.post(f"/api/v1/organizations/{org['id']}/return",
                        json={"comment": "请补充住所证明"})
    assert response.status_code == 200 and response.get_json()["status"] == "returned"
    # Not public while under review.
    public = api.client.get("/api/v1/public/organizations").get_json()
    assert public["total"] == 0
    api.token("rep1")
    response = api.patch(f"/api/v1/organizations/{org['id']}", json={"address": "新住所 1 号"})
    assert response.status_code == 200 and response.get_json()["address"] == "新住所 1 号"
    response = api.post(f"/api/v1/organizations/{org['id']}/submit", json={})
    assert response.get_json()["status"] == "submitted"
    hand_in_api(api, org["id"])
    assert api.post(f"/api/v1/organizations/{org['id']}/approve", json={}).status_code == 403
    api.token("sq1")
    response = api.post(f"/api/v1/organizations/{org['id']}/approve",
                        json={"uscc": USCC, "certificate_date": "2026-01-02"})
    data = response.get_json()
    assert response.status_code == 200 and data["status"] == "approved"
    assert [h["comment"] for h in data["history"]][1] == "退回修改：请补充住所证明"
    # A move the state does not allow: 409, nothing changes.
    response = api.post(f"/api/v1/organizations/{org['id']}/reject", json={"comment": "x"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"
    public = api.client.get("/api/v1/public/organizations?q=阳光").get_json()
    assert public["total"] == 1 and public["items"][0]["uscc"] == USCC
    assert "contact_phone" not in public["items"][0]
    one = api.client.get(f"/api/v1/public/organizations/{org['id']}")
    assert one.status_code == 200


def test_other_county_gets_404_everywhere(api, people):
    org = create(api, "sq1")
    api.token("gp1")
    oid = org["id"]
    assert api.get(f"/api/v1/organizations/{oid}").status_code == 404
    assert api.patch(f"/api/v1/organizations/{oid}", json={"address": "x"}).status_code == 404
    for move in ("approve", "return", "reject", "submit", "deregister"):
        response = api.post(f"/api/v1/organizations/{oid}/{move}", json={"comment": "x"})
        assert response.status_code == 404, move
    assert api.get("/api/v1/organizations").get_json()["total"] == 0
    assert api.get("/api/v1/organizations/999999999").status_code == 404
    api.token("city1")
    assert api.get(f"/api/v1/organizations/{oid}").status_code == 200
    assert api.get("/api/v1/organizations").get_json()["total"] == 1


def test_org_admin_sees_only_its_own(api, people, make_user):
    own = create(api, "rep1")
    other = create(api, "sq1", name="南充市顺庆区另一家服务中心")
    api.token("rep1")
    listed = api.get("/api/v1/organizations").get_json()
    assert [item["id"] for item in listed["items"]] == [own["id"]]
    assert api.get(f"/api/v1/organizations/{other['id']}").status_code == 404
    api.token("st1")
    assert api.get("/api/v1/organizations").status_code == 403


@pytest.mark.parametrize("field,value,status", [
    ("uscc", "52511302MJ1234561A", 422),
    ("name", "", 422),
    ("business_scope", "长" * 5000, 422),
    ("registered_capital_fen", -1, 422),
    ("registered_capital_fen", 1.5, 422),
    ("registered_capital_fen", "100", 422),
    ("founded_on", "2026-13-01", 422),
    ("founded_on", "2999-01-01", 422),
    ("contact_phone", "12345", 422),
    ("region_code", "511303", 422),
    ("unknown_field", "x", 422),
])
def test_bad_input_answers_at_the_field(api, people, field, value, status):
    api.token("sq1")
    data = body()
    data[field] = value
    response = api.post("/api/v1/organizations", json=data)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert field in error["fields"]
    assert api.get("/api/v1/organizations").get_json()["total"] == 0


def test_bad_body_and_filters(api, people):
    api.token("sq1")
    response = api.client.post("/api/v1/organizations", data=b"\xff\xfe{",
                               headers={"Authorization": f"Bearer {api.bearer}",
                                        "Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert api.get("/api/v1/organizations?status=nope").status_code == 422
    assert api.get("/api/v1/organizations?per_page=1000").status_code == 422
    assert api.get("/api/v1/organizations?page=-1").status_code == 422
    assert api.client.get("/api/v1/public/organizations?region_code=abc").status_code == 422
    assert api.client.get("/api/v1/public/organizations?q=" + "x" * 60).status_code == 422


def test_duplicate_is_409_naming_the_existing(api, people):
    org = create(api, "sq1")
    hand_in_api(api, org["id"])
    api.post(f"/api/v1/organizations/{org['id']}/approve", json={"uscc": USCC})
    response = api.post("/api/v1/organizations", json=body(name="南充市顺庆区新服务中心",
                                                           uscc=USCC))
    assert response.status_code == 409
    assert org["name"] in response.get_json()["error"]["message"]


def test_public_paging_cursor_and_filters(api, people):
    api.token("city1")
    for i in range(5):
        org = create(api, "city1", name=f"南充市顺庆区测试服务中心{i}")
        hand_in_api(api, org["id"])
        api.post(f"/api/v1/organizations/{org['id']}/approve",
                 json={"uscc": make_uscc("social_service", "511302", 100 + i)})
    first = api.client.get("/api/v1/public/organizations?per_page=2").get_json()
    assert len(first["items"]) == 2 and first["next_cursor"] and first["total"] == 5
    second = api.client.get(
        f"/api/v1/public/organizations?per_page=2&cursor={first['next_cursor']}").get_json()
    assert second["items"][0]["id"] < first["items"][-1]["id"]
    assert api.client.get("/api/v1/public/organizations?region_code=511303").get_json()[
        "total"] == 0
    assert api.client.get("/api/v1/public/organizations?org_type=foundation").get_json()[
        "total"] == 0


def test_openapi_lists_the_endpoints(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/organizations", "/api/v1/organizations/{org_id}",
                 "/api/v1/organizations/{org_id}/approve", "/api/v1/public/organizations"):
        assert path in spec["paths"], path


def test_representative_moves_and_edits_by_state(api, people):
    org = create(api, "rep1")
    oid = org["id"]
    assert org["moves"] == []
    response = api.patch(f"/api/v1/organizations/{oid}", json={"address": "改"})
    assert response.status_code == 409 and "不能修改" in response.get_json()["error"]["message"]
    assert api.post(f"/api/v1/organizations/{oid}/submit", json={}).status_code == 409
    # A second application from the same account is a conflict.
    response = api.post("/api/v1/organizations", json=body(name="南充市顺庆区第二家服务中心"))
    assert response.status_code == 409
    api.token("sq1")
    detail = api.get(f"/api/v1/organizations/{oid}").get_json()
    assert set(detail["moves"]) == {"approve", "return", "reject"}
    listed = api.get("/api/v1/organizations?status=submitted").get_json()
    assert listed["items"][0]["contact_phone"] == "138****0000"
