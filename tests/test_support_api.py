"""The support API: incubators and incubations, trainings, grants; errors, scoping, roles."""

from datetime import timedelta

import pytest

from registry.clock import today_local
from registry.extensions import db
from tests.conftest import ApiClient
from tests.test_support_helpers import org_id, world  # noqa: F401
from tests.test_support_incubation import setup_intake

pytestmark = pytest.mark.usefixtures("world")


def client(app, username):
    api = ApiClient(app.test_client())
    api.token(username)
    return api


def ids(app, *names):
    with app.app_context():
        return [org_id(name) for name in names]


def test_incubation_through_the_api(app):
    with app.app_context():
        base, intake = setup_intake()
        base_id, intake_id = base.id, intake.id
    (sq_org,) = ids(app, "顺庆区阳光社工中心")
    sq, gp, rep = client(app, "sq1"), client(app, "gp1"), client(app, "rep1")

    response = rep.post("/api/v1/incubations", json={"intake_id": intake_id, "plan": "养老服务"})
    assert response.status_code == 201, response.get_json()
    item = response.get_json()
    assert (item["organization_id"], item["status"]) == (sq_org, "applied")
    url = f"/api/v1/incubations/{item['id']}"
    again = rep.post("/api/v1/incubations", json={"intake_id": intake_id, "plan": "再次"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"

    assert sq.post(f"{url}/admit", json={}).status_code == 409
    assert rep.post(f"{url}/review", json={}).status_code == 403
    assert gp.post(f"{url}/review", json={}).status_code == 404
    assert gp.get(url).status_code == 404
    assert sq.post(f"{url}/review", json={"comment": "受理"}).status_code == 200
    bad = sq.post(f"{url}/score", json={"score": 1.5, "comment": "好"})
    assert bad.status_code == 422 and "score" in bad.get_json()["error"]["fields"]
    assert sq.post(f"{url}/score", json={"score": 90, "comment": "好"}).status_code == 200
    bad = sq.post(f"{url}/admit", json={"start_on": "2026-05-01", "end_on": "2026-04-01"})
    assert bad.status_code == 422 and "end_on" in bad.get_json()["error"]["fields"]
    bad = sq.post(f"{url}/admit", json={"start_on": "yesterday"})
    assert bad.status_code == 422 and "start_on" in bad.get_json()["error"]["fields"]
    response = sq.post(f"{url}/admit", json={"start_on": "2026-05-01", "mentor": "周老师"})
    assert response.status_code == 200 and response.get_json()["status"] == "admitted"
    assert sq.post(f"{url}/reject", json={"comment": "x"}).status_code == 409
    assert sq.post(f"{url}/bogus", json={}).status_code == 404
    assert sq.post(f"{url}/review", json={"unknown": 1}).status_code == 422

    body = rep.get(url).get_json()
    assert [h["comment"].split("：")[0] for h in body["history"]] == ["受理并进入评审", "同意入驻"]
    detail = sq.get(f"/api/v1/incubators/{base_id}").get_json()
    assert detail["intakes"][0]["counts"] == {"admitted": 1}
    assert gp.get(f"/api/v1/incubators/{base_id}").status_code == 404
    assert sq.get("/api/v1/incubations?status=admitted").get_json()["total"] == 1
    assert gp.get("/api/v1/incubations").get_json()["total"] == 0
    assert sq.get("/api/v1/incubations?per_page=500").status_code == 422


def test_trainings_through_the_api(app):
    sq_org, gp_org = ids(app, "顺庆区阳光社工中心", "高坪区乐龄中心")
    sq, gp, rep = client(app, "sq1"), client(app, "gp1"), client(app, "rep1")
    good = {"title": "财务培训", "region_code": "511302", "held_on": "2026-05-10",
            "minutes": 180, "place": "服务中心"}
    for bad, field in (({"minutes": 1.5}, "minutes"), ({"minutes": -1}, "minutes"),
                       ({"held_on": "2026-13-01"}, "held_on"), ({"title": "训" * 5000}, "title"),
                       ({"region_code": "511303"}, "region_code")):
        response = sq.post("/api/v1/trainings", json={**good, **bad})
        assert response.status_code == 422, bad
        assert field in response.get_json()["error"]["fields"], bad
    assert rep.post("/api/v1/trainings", json=good).status_code == 403
    response = sq.post("/api/v1/trainings", json=good)
    assert response.status_code == 201
    url = f"/api/v1/trainings/{response.get_json()['id']}"
    assert sq.post(f"{url}/attendance", json={"organization_id": gp_org, "person_name": "王五"}
                   ).status_code == 422
    ok = sq.post(f"{url}/attendance", json={"organization_id": sq_org, "person_name": "张明"})
    assert ok.status_code == 201
    assert sq.post(f"{url}/attendance", json={"organization_id": sq_org, "person_name": "张明"}
                   ).status_code == 409
    assert sq.get(url).get_json()["attendance"] == 1
    assert gp.get(url).status_code == 404
    assert rep.get(url).status_code == 200
    assert gp.get("/api/v1/trainings").get_json()["total"] == 0


def test_grants_through_the_api(app):
    today = today_local()
    sq_org, gp_org = ids(app, "顺庆区阳光社工中心", "高坪区乐龄中心")
    sq, gp, rep = client(app, "sq1"), client(app, "gp1"), client(app, "rep1")
    good = {"organization_id": sq_org, "grant_type": "venture", "amount_fen": 5_000_000,
            "purpose": "公益创投项目", "source": "市级福利彩票公益金", "granted_on": "2025-06-01"}
    for bad, field in (({"amount_fen": 1.5}, "amount_fen"), ({"amount_fen": -100}, "amount_fen"),
                       ({"amount_fen": "abc"}, "amount_fen"),
                       ({"amount_fen": 100.0}, "amount_fen"), ({"amount_fen": True}, "amount_fen"),
                       ({"grant_type": "x"}, "grant_type"),
                       ({"purpose": "p" * 5000}, "purpose"),
                       ({"organization_id": gp_org}, "organization"),
                       ({"granted_on": (today + timedelta(days=2)).isoformat()}, "granted_on")):
        response = sq.post("/api/v1/grants", json={**good, **bad})
        assert response.status_code == 422, bad
        assert field in response.get_json()["error"]["fields"], bad
    assert rep.post("/api/v1/grants", json=good).status_code == 403
    first = sq.post("/api/v1/grants", json=good, headers={"Idempotency-Key": "g-1"})
    replay = sq.post("/api/v1/grants", json=good, headers={"Idempotency-Key": "g-1"})
    assert first.status_code == 201 and replay.get_json() == first.get_json()
    assert sq.get("/api/v1/grants").get_json()["total"] == 1
    grant = first.get_json()
    assert grant["amount_fen"] == 5_000_000 and grant["status"] == "approved"
    url = f"/api/v1/grants/{grant['id']}"
    assert gp.get(url).status_code == 404
    assert gp.post(f"{url}/pay", json={"paid_on": "2025-06-10"}).status_code == 404
    bad = sq.post(f"{url}/pay", json={"paid_on": "2025-05-10"})
    assert bad.status_code == 422 and "paid_on" in bad.get_json()["error"]["fields"]
    paid = sq.post(f"{url}/pay", json={"paid_on": "2025-06-10", "payment_ref": "GK1"})
    assert paid.status_code == 200 and paid.get_json()["status"] == "paid"
    assert sq.post(f"{url}/pay", json={"paid_on": "2025-06-11"}).status_code == 409
    assert sq.post(f"{url}/cancel", json={"comment": "x"}).status_code == 409
    assert rep.get(url).status_code == 200
    assert rep.get("/api/v1/grants/totals").status_code == 403
    totals = sq.get("/api/v1/grants/totals?year=2025").get_json()
    assert totals["total"] == {"count": 1, "amount_fen": 5_000_000, "paid_fen": 5_000_000}
    assert gp.get("/api/v1/grants/totals").get_json()["total"]["count"] == 0
    assert sq.get("/api/v1/grants?year=abc").status_code == 422
    with app.app_context():
        db.session.remove()
