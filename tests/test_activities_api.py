"""The activity, sign-up, service-record, me/* and public endpoints of API.md."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from test_activities_helpers import local_str, make_admin, make_station, make_volunteer

from registry.activities.models import ServiceRecord
from registry.clock import utcnow
from registry.extensions import db
from registry.models import User
from registry.points.models import PointsLedgerEntry


@pytest.fixture
def setup(app):
    with app.app_context():
        station = make_station("511302001")
        admin = make_admin("511302001")
        other_admin = make_admin("511303001")
        make_station("511303001")
        volunteers = [make_volunteer() for _ in range(3)]
        db.session.commit()
        return {"station": station.id, "admin": admin.username, "other": other_admin.username,
                "volunteers": [(v.id, name) for v, name in volunteers]}


def body(start_in=timedelta(days=1), hours=2, **changes):
    starts = utcnow() + start_in
    data = {"title": "河道清洁", "starts_at": local_str(starts) + ":00+08:00",
            "ends_at": local_str(starts + timedelta(hours=hours)) + ":00+08:00",
            "capacity": 1, "points_per_hour": 10, "address": "嘉陵江滨江路"}
    data.update(changes)
    return data


def create(api, setup, **kwargs):
    api.token(setup["admin"])
    response = api.post("/api/v1/activities", json=body(**kwargs))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_create_and_list(api, setup):
    activity = create(api, setup)
    assert activity["status"] == "published" and activity["station_id"] == setup["station"]
    assert activity["starts_at"].endswith("+08:00")
    listed = api.get("/api/v1/activities").get_json()
    assert [a["id"] for a in listed["items"]] == [activity["id"]]
    assert listed["total"] == 1 and "next_cursor" in listed
    api.token(setup["other"])
    assert api.get("/api/v1/activities").get_json()["items"] == []
    assert api.get(f"/api/v1/activities/{activity['id']}").status_code == 404
    public = api.client.get("/api/v1/public/activities").get_json()
    assert [a["id"] for a in public["items"]] == [activity["id"]]
    assert api.client.get("/api/v1/public/activities?region_code=511303").get_json()[
        "items"] == []


@pytest.mark.parametrize("changes, field", [
    ({"capacity": 0}, "capacity"),
    ({"capacity": -1}, "capacity"),
    ({"capacity": 1.5}, "capacity"),
    ({"capacity": "2"}, "capacity"),
    ({"points_per_hour": -3}, "points_per_hour"),
    ({"title": "x" * 5000}, "title"),
    ({"title": ""}, "title"),
    ({"starts_at": "tomorrow"}, "starts_at"),
    ({"hours": -1}, "ends_at"),
    ({"unknown": 1}, "unknown"),
    ({"station_id": 999}, "station_id"),
])
def test_create_bad_input(api, setup, changes, field):
    api.token(setup["admin"])
    hours = changes.pop("hours", 2)
    response = api.post("/api/v1/activities", json=body(hours=hours, **changes))
    assert response.status_code in (403, 422), response.get_json()
    error = response.get_json()["error"]
    assert field in error.get("fields", {}) or response.status_code == 403
    assert error["message"]


def test_create_refusals(api, setup):
    api.token(setup["volunteers"][0][1])
    assert api.post("/api/v1/activities", json=body()).status_code == 403
    api.bearer = None
    assert api.post("/api/v1/activities", json=body()).status_code == 401
    api.token(setup["admin"])
    response = api.post("/api/v1/activities", data=b"\xff\xfe", headers={
        "Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert response.get_json()["error"]


def test_signup_waitlist_cancel(api, setup):
    activity = create(api, setup)
    url = f"/api/v1/activities/{activity['id']}/signups"
    (_, first), (_, second), _ = setup["volunteers"]
    api.token(first)
    response = api.post(url)
    assert response.status_code == 201 and response.get_json()["status"] == "signed_up"
    again = api.post(url)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "conflict"
    api.token(second)
    assert api.post(url).get_json()["status"] == "waitlisted"
    api.token(first)
    cancelled = api.delete(url + "/mine")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert api.delete(url + "/mine").status_code == 404
    api.token(second)
    assert api.post(url).status_code == 409  # now holds the freed place
    assert api.post("/api/v1/activities/999999/signups").status_code == 404
    api.token(setup["admin"])
    assert api.post(url).status_code == 403


def test_service_record_flow(api, setup):
    activity = create(api, setup, start_in=timedelta(hours=-3), hours=2, points_per_hour=9)
    url = f"/api/v1/activities/{activity['id']}/service-records"
    volunteer_id, username = setup["volunteers"][0]
    walk_in = {"reason": "现场参加"}  # neither signed up nor checked in: a written reason
    response = api.post(url, json={"volunteer_id": volunteer_id, "minutes": 100, **walk_in})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["points"] == 15
    again = api.post(url, json={"volunteer_id": volunteer_id, "minutes": 100, **walk_in})
    assert again.status_code == 409
    too_long = api.post(url, json={"volunteer_id": setup["volunteers"][1][0], "minutes": 121,
                                   **walk_in})
    assert too_long.status_code == 422 and "minutes" in too_long.get_json()["error"]["fields"]
    for bad in ({"volunteer_id": volunteer_id, "minutes": 1.5},
                {"volunteer_id": volunteer_id, "minutes": -1},
                {"volunteer_id": volunteer_id}, {"volunteer_id": "x", "minutes": 5}):
        assert api.post(url, json=bad).status_code == 422
    assert api.post(url, json={"volunteer_id": 99999, "minutes": 5}).status_code == 404
    api.token(setup["other"])
    assert api.post(url, json={"volunteer_id": setup["volunteers"][2][0],
                               "minutes": 5}).status_code == 404
    api.token(username)
    assert api.post(url, json={"volunteer_id": volunteer_id, "minutes": 5}).status_code == 403
    points = api.get("/api/v1/me/points").get_json()
    assert points == {"balance": 15, "earned": 15, "spent": 0, "expired": 0,
                      "expiring_soon": 0}
    entries = api.get("/api/v1/me/ledger").get_json()
    assert entries["items"][0]["points"] == 15 and entries["items"][0]["kind"] == "earn"
    assert set(entries["items"][0]) == {"id", "created_at", "kind", "points", "balance_after",
                                        "memo"}
    records = api.get("/api/v1/me/service-records").get_json()
    assert records["total_minutes"] == 100
    assert records["items"][0]["minutes"] == 100
    assert records["items"][0]["activity"] == "河道清洁"
    assert api.get("/api/v1/me/ledger?per_page=0").status_code == 422


def test_idempotency_key(app, api, setup):
    activity = create(api, setup, start_in=timedelta(hours=-3), hours=2, points_per_hour=20)
    url = f"/api/v1/activities/{activity['id']}/service-records"
    volunteer_id = setup["volunteers"][0][0]
    headers = {"Idempotency-Key": "abc-123"}
    body = {"volunteer_id": volunteer_id, "minutes": 30, "reason": "现场参加"}
    first = api.post(url, json=body, headers=headers)
    second = api.post(url, json=dict(reversed(body.items())), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    other = api.post(url, json={**body, "minutes": 40}, headers=headers)
    assert other.status_code == 422
    bad_key = api.post(url, json=body, headers={"Idempotency-Key": "x" * 200})
    assert bad_key.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PointsLedgerEntry)) == 1
        assert db.session.scalar(select(func.count()).select_from(ServiceRecord)) == 1


def test_corrections_api(api, setup):
    activity = create(api, setup, start_in=timedelta(hours=-3), hours=2, points_per_hour=20)
    volunteer_id, username = setup["volunteers"][0]
    record = api.post(f"/api/v1/activities/{activity['id']}/service-records",
                      json={"volunteer_id": volunteer_id, "minutes": 60,
                            "reason": "现场参加"}).get_json()
    url = f"/api/v1/service-records/{record['id']}/corrections"
    assert api.post(url, json={"minutes": 30}).status_code == 422
    response = api.post(url, json={"minutes": 30, "reason": "提前离开"})
    assert response.status_code == 201
    assert response.get_json()["delta_points"] == -10
    api.token(username)
    assert api.get("/api/v1/me/points").get_json()["balance"] == 10
    assert api.get("/api/v1/me/service-records").get_json()["items"][0]["minutes"] == 30
    api.token(setup["other"])
    assert api.post(url, json={"minutes": 20, "reason": "x"}).status_code == 404


def test_me_endpoints_need_a_volunteer(api, setup):
    api.token(setup["admin"])
    assert api.get("/api/v1/me/points").status_code == 403
    api.bearer = None
    assert api.get("/api/v1/me/ledger").status_code == 401


def test_certificate_api_and_verification(api, setup, app):
    activity = create(api, setup, start_in=timedelta(hours=-3), hours=2)
    volunteer_id, username = setup["volunteers"][0]
    api.post(f"/api/v1/activities/{activity['id']}/service-records",
             json={"volunteer_id": volunteer_id, "minutes": 90, "reason": "现场参加"})
    api.token(setup["volunteers"][1][1])
    assert api.get("/api/v1/me/certificate").status_code == 404  # no service yet
    api.token(username)
    response = api.get("/api/v1/me/certificate")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.data.startswith(b"%PDF")
    serial = response.headers["X-Certificate-Serial"]
    again = api.get("/api/v1/me/certificate")
    assert again.headers["X-Certificate-Serial"] == serial  # same day, same total
    verified = api.client.get(f"/api/v1/public/certificates/{serial}")
    assert verified.status_code == 200
    data = verified.get_json()
    assert data["valid"] is True and data["total_minutes"] == 90
    assert data["holder"] == "张**" and data["issuer"] == "测试志愿服务站001"
    changed = serial[:-1] + ("0" if serial[-1] != "0" else "1")
    assert api.client.get(f"/api/v1/public/certificates/{changed}").status_code == 404
    assert api.client.get("/api/v1/public/certificates/made-up").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) > 0


def test_openapi_lists_endpoints(api):
    spec = api.client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/activities", "/api/v1/activities/{activity_id}/signups",
                 "/api/v1/activities/{activity_id}/signups/mine",
                 "/api/v1/activities/{activity_id}/service-records", "/api/v1/me/points",
                 "/api/v1/me/ledger", "/api/v1/me/service-records", "/api/v1/me/certificate",
                 "/api/v1/public/activities", "/api/v1/public/certificates/{serial}"):
        assert path in spec["paths"], path


def test_more_bad_input_never_500(api, setup):
    activity = create(api, setup)
    checks = [
        api.post("/api/v1/activities/99999999999999999999/signups"),
        api.post(f"/api/v1/activities/{activity['id']}/service-records", data="not json",
                 headers={"Content-Type": "application/json"}),
        api.post(f"/api/v1/activities/{activity['id']}/service-records", json=[1, 2]),
        api.get("/api/v1/activities?per_page=1000"),
        api.get("/api/v1/activities?cursor=%%%%"),
        api.get("/api/v1/activities?station_id=abc"),
        api.client.get("/api/v1/public/activities?region_code=12ab"),
        api.client.get("/api/v1/public/activities?page=0"),
        api.client.get("/api/v1/public/certificates/" + "A" * 300),
    ]
    for response in checks:
        assert 400 <= response.status_code < 500, response.get_json()
        assert response.is_json and response.get_json()["error"]["message"]
    naive = body()
    naive["starts_at"] = naive["starts_at"][:-6]
    naive["ends_at"] = naive["ends_at"][:-6]
    response = api.post("/api/v1/activities", json=naive)
    assert response.status_code == 201
    assert response.get_json()["starts_at"][:16] == naive["starts_at"][:16]
    api.token(setup["volunteers"][0][1])
    assert api.get("/api/v1/me/certificate?station_id=abc").status_code == 422


def test_pending_volunteer_cannot_sign_up(api, setup, app):
    activity = create(api, setup)
    with app.app_context():
        _, name = make_volunteer(status="pending")
        db.session.commit()
    api.token(name)
    response = api.post(f"/api/v1/activities/{activity['id']}/signups")
    assert response.status_code == 409
    assert "审核" in response.get_json()["error"]["message"]
