"""社情民意 API: the endpoints of API.md and the forward/rate/reopen/track ones; scoping (a
foreign suggestion is a 404); bad input (nested JSON, huge numbers, control characters, wrong
types, unknown fields) answers at the field, never a 500, and saves nothing."""

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.participation.models import Suggestion
from tests.test_participation_workflow import ELSEWHERE, NEIGHBOUR, TOWNSHIP, post, row

URL = "/api/v1/public/suggestions"


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Suggestion.id)))


@pytest.fixture
def staff(make_user):
    make_user("station_admin", TOWNSHIP, "zc")
    make_user("station_admin", NEIGHBOUR, "bc")
    make_user("county_official", "511302", "sq")
    make_user("county_official", "511303", "gp")
    make_user("volunteer", TOWNSHIP, "vol")


def test_the_whole_round_through_the_api(app, api, staff):
    code = post(api, category="complain")
    status = api.client.post(f"{URL}/track", json={"tracking_code": code.lower()})
    body = status.get_json()
    assert status.status_code == 200 and body["status"] == "open" and body["can_rate"] is False
    assert "contact" not in body and "poster_user_id" not in body
    assert api.client.post(f"{URL}/track", json={"tracking_code": "AAAAAAAAAA"}
                           ).status_code == 404
    sid = row(app, code).id
    api.token("sq")
    listed = api.get("/api/v1/suggestions?status=open&township_code=" + TOWNSHIP).get_json()
    assert [item["id"] for item in listed["items"]] == [sid]
    one = api.get(f"/api/v1/suggestions/{sid}").get_json()
    assert one["contact"] == "13912345678" and one["anonymous"] is True
    answered = api.post(f"/api/v1/suggestions/{sid}/answer", json={"answer": "已督促整改"},
                        headers={"Idempotency-Key": "k-1"})
    assert answered.status_code == 200
    replay = api.post(f"/api/v1/suggestions/{sid}/answer", json={"answer": "已督促整改"},
                      headers={"Idempotency-Key": "k-1"})
    assert replay.status_code == 200 and replay.get_json() == answered.get_json()
    api.bearer = None
    public = api.client.get(f"{URL}?category=complain").get_json()["items"]
    assert [item["id"] for item in public] == [sid] and public[0]["answer"] == "已督促整改"
    assert api.client.get(f"{URL}?category=consult").get_json()["items"] == []
    rated = api.client.post(f"{URL}/rate", json={"tracking_code": code, "rating": "unsatisfied",
                                                 "reason": "噪音仍在"})
    assert rated.status_code == 200 and rated.get_json()["can_reopen"] is True
    reopened = api.client.post(f"{URL}/reopen", json={"tracking_code": code, "reason": ""})
    assert reopened.status_code == 200 and reopened.get_json()["status"] == "reopened"


def test_foreign_suggestions_are_404_and_the_roles_are_checked(app, api, staff):
    sid = row(app, post(api)).id
    api.token("gp")
    assert api.get(f"/api/v1/suggestions/{sid}").status_code == 404
    assert api.post(f"/api/v1/suggestions/{sid}/answer", json={"answer": "x"}
                    ).status_code == 404
    assert api.post(f"/api/v1/suggestions/{sid}/forward", json={"region_code": ELSEWHERE}
                    ).status_code == 404
    assert api.get("/api/v1/suggestions").get_json()["items"] == []
    api.token("bc")
    assert api.get(f"/api/v1/suggestions/{sid}").status_code == 404
    api.token("vol")
    assert api.get("/api/v1/suggestions").status_code == 403
    api.bearer = None
    assert api.client.get("/api/v1/suggestions").status_code == 401
    assert api.client.get(f"/api/v1/suggestions/{2**63}").status_code in (401, 404)
    assert row(app, api_code := post(api)).status == "open" and api_code


@pytest.mark.parametrize("body, field", [
    ({"township_code": TOWNSHIP, "category": "consult", "content": "a\x07b"}, "content"),
    ({"township_code": TOWNSHIP, "category": "consult", "content": " "}, "content"),
    ({"township_code": TOWNSHIP, "category": "consult", "content": "长" * 2001}, "content"),
    ({"township_code": TOWNSHIP, "category": "bogus", "content": "x"}, "category"),
    ({"township_code": "511302", "category": "consult", "content": "x"}, "township_code"),
    ({"township_code": 511302001, "category": "consult", "content": "x"}, "township_code"),
    ({"township_code": TOWNSHIP, "category": "consult", "content": {"a": [1]}}, "content"),
    ({"township_code": TOWNSHIP, "category": "consult", "content": "x",
      "contact": 10**30}, "contact"),
    ({"township_code": TOWNSHIP, "category": "consult", "content": "x",
      "poster_user_id": 1}, "poster_user_id"),
])
def test_bad_posts_answer_at_the_field_and_save_nothing(app, api, body, field):
    response = api.client.post(URL, json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert count(app) == 0


def test_nested_json_and_huge_numbers_are_a_clear_400(app, api, staff):
    deep = "[" * 5000 + "]" * 5000
    for raw in (deep, '{"township_code": "' + TOWNSHIP + '", "category": "consult", '
                '"content": "x", "contact": ' + "9" * 500 + "}", "{not json"):
        response = api.client.post(URL, data=raw, content_type="application/json")
        assert response.status_code == 400, raw[:40]
        assert response.get_json()["error"]["message"]
    nul = api.client.post(URL, json={"township_code": TOWNSHIP, "category": "consult",
                                     "content": "a\x00b"})
    assert nul.status_code == 400 and "NUL" in nul.get_json()["error"]["message"]
    assert count(app) == 0
    sid = row(app, post(api)).id
    api.token("zc")
    for body in ({"answer": "x\x1b[31m"}, {"answer": ""}, {"answer": ["x"]},
                 {"answer": "x", "extra": 1}):
        response = api.post(f"/api/v1/suggestions/{sid}/answer", json=body)
        assert response.status_code == 422 and response.get_json()["error"]["fields"], body
    nested = api.post(f"/api/v1/suggestions/{sid}/forward",
                      json={"region_code": {"$ne": None}})
    assert nested.status_code == 422 and "region_code" in nested.get_json()["error"]["fields"]
    huge = api.post(f"/api/v1/suggestions/{sid}/forward", json={"region_code": 10**18})
    assert huge.status_code == 422
    bad_query = api.get("/api/v1/suggestions?per_page=99999999999999999999&overdue=maybe")
    assert bad_query.status_code == 422


def test_rate_and_reopen_bodies_are_checked(app, api, staff):
    for path, body in (("rate", {"tracking_code": ["x"], "rating": "satisfied"}),
                       ("rate", {"tracking_code": "x" * 21, "rating": "satisfied"}),
                       ("rate", {"tracking_code": "2345678923", "rating": "great"}),
                       ("reopen", {"tracking_code": "2345678923", "reason": "\x07"}),
                       ("track", {"tracking_code": 12345}),
                       ("track", {})):
        response = api.client.post(f"{URL}/{path}", json=body)
        assert response.status_code == 422, (path, body, response.get_json())
        assert response.get_json()["error"]["fields"]
