"""道德银行: the county's rules table, four eyes, 公示 and objections, crediting once, the yearly
cap, the public list's masked names."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from registry.clock import today_local, utcnow
from registry.extensions import db
from registry.incentives import deeds
from registry.incentives.models import Deed, MoralRule
from registry.models import User
from registry.points import ledger
from registry.points.models import PointsLedgerEntry
from tests.test_activities_helpers import make_volunteer

TOWNSHIP = "511302001"


@pytest.fixture
def setup(app, make_user):
    make_user("county_official", "511302", "sq")
    make_user("county_official", "511303", "gp")
    make_user("station_admin", TOWNSHIP, "zc")
    make_user("station_admin", TOWNSHIP, "zc2")
    with app.app_context():
        person, _ = make_volunteer(TOWNSHIP, name="陈静怡")
        official = db.session.scalar(select(User).where(User.username == "sq"))
        rule = deeds.save_rule(official, {"category": "孝老爱亲", "deed": "照料孤寡老人",
                                          "points": 300, "effective_from": date(2025, 1, 1),
                                          "effective_to": None})
        db.session.commit()
        return {"volunteer": person.id, "rule": rule.id}


def record(api, setup, login="zc", **changes):
    api.token(login)
    body = {"volunteer_id": setup["volunteer"], "rule_id": setup["rule"],
            "deed_date": str(today_local()), "description": "照料独居老人", **changes}
    return api.post("/api/v1/deeds", json=body)


def fresh(app, login):
    from tests.conftest import Browser
    browser = Browser(app.test_client())
    browser.login(login)
    return browser


def test_only_the_county_official_edits_the_county_table(app, setup):
    assert fresh(app, "gp").get(f"/moral-bank/rules/{setup['rule']}/edit").status_code == 404
    assert fresh(app, "zc").get("/moral-bank/rules/new").status_code == 403
    browser = fresh(app, "sq")
    response = browser.post(f"/moral-bank/rules/{setup['rule']}/edit", data={
        "category": "孝老爱亲", "deed": "照料孤寡老人", "points": "0",
        "effective_from": "2025-01-01"})
    assert response.status_code == 422 and "分值" in response.get_data(as_text=True)
    public = browser.client.get("/moral-bank/rules?county=511302").get_data(as_text=True)
    assert "照料孤寡老人" in public


def test_four_eyes_the_recorder_never_approves(app, api, setup):
    created = record(api, setup)
    assert created.status_code == 201, created.get_json()
    deed_id = created.get_json()["id"]
    own = api.post(f"/api/v1/deeds/{deed_id}/approve", json={})
    assert own.status_code == 409 and "自己" in own.get_json()["error"]["message"]
    api.token("gp")  # another county: not theirs
    assert api.post(f"/api/v1/deeds/{deed_id}/approve", json={}).status_code == 404
    api.token("zc2")
    approved = api.post(f"/api/v1/deeds/{deed_id}/approve", json={"comment": "属实"})
    assert approved.status_code == 200 and approved.get_json()["status"] == "publicized"


def test_publicity_then_credit_once_and_twice_is_a_no_op(app, api, setup):
    deed_id = record(api, setup).get_json()["id"]
    api.token("sq")
    api.post(f"/api/v1/deeds/{deed_id}/approve", json={})
    listed = api.client.get("/api/v1/public/deeds").get_json()["items"]
    assert listed[0]["person"] == "陈**" and "volunteer_id" not in listed[0]
    with app.app_context():
        assert deeds.credit_due() == 0  # still on 公示
        db.session.get(Deed, deed_id).publicized_until = utcnow() - timedelta(minutes=1)
        db.session.commit()
    runner = app.test_cli_runner()
    assert "已记入 1 件" in runner.invoke(args=["credit-deeds"]).output
    assert "已记入 0 件" in runner.invoke(args=["credit-deeds"]).output
    with app.app_context():
        entries = db.session.scalars(select(PointsLedgerEntry).where(
            PointsLedgerEntry.kind == "deed")).all()
        assert [e.points for e in entries] == [300]
        assert db.session.get(Deed, deed_id).status == "credited"


def test_an_objection_during_publicity_sends_it_back_for_review(app, api, setup):
    deed_id = record(api, setup).get_json()["id"]
    api.token("sq")
    api.post(f"/api/v1/deeds/{deed_id}/approve", json={})
    empty = api.client.post(f"/api/v1/public/deeds/{deed_id}/objections", json={"reason": " "})
    assert empty.status_code == 422
    objected = api.client.post(f"/api/v1/public/deeds/{deed_id}/objections",
                               json={"reason": "并无此事"})
    assert objected.status_code == 201 and objected.get_json()["status"] == "objected"
    with app.app_context():
        db.session.get(Deed, deed_id).publicized_until = utcnow() - timedelta(minutes=1)
        db.session.commit()
        assert deeds.credit_due() == 0
    rejected = api.post(f"/api/v1/deeds/{deed_id}/reject", json={})
    assert rejected.status_code == 422  # a reason is required
    again = api.post(f"/api/v1/deeds/{deed_id}/approve", json={"comment": "复核属实"})
    assert again.status_code == 200 and again.get_json()["status"] == "publicized"


def test_no_objection_after_publicity_ended(app, api, setup):
    deed_id = record(api, setup).get_json()["id"]
    api.token("sq")
    api.post(f"/api/v1/deeds/{deed_id}/approve", json={})
    with app.app_context():
        db.session.get(Deed, deed_id).publicized_until = utcnow() - timedelta(minutes=1)
        db.session.commit()
    late = api.client.post(f"/api/v1/public/deeds/{deed_id}/objections", json={"reason": "x"})
    assert late.status_code == 409


def test_the_yearly_cap_refuses_a_deed_beyond_it(app, api, setup):
    app.config["DEED_YEARLY_CAP_POINTS"] = 700
    assert record(api, setup).status_code == 201
    assert record(api, setup).status_code == 201
    third = record(api, setup)
    assert third.status_code == 409 and "上限" in third.get_json()["error"]["message"]
    with app.app_context():
        assert db.session.query(Deed).count() == 2


def test_bad_deed_input_gets_messages_at_the_fields(app, api, setup):
    response = record(api, setup, volunteer_id=999999, description="")
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert "volunteer_id" in fields and "description" in fields
    with app.app_context():
        other = MoralRule(county_code="511303", category="其他", deed="外县事项", points=5,
                          effective_from=date(2025, 1, 1))
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    assert "rule_id" in record(api, setup, rule_id=other_id).get_json()["error"]["fields"]


def test_pages_record_approve_and_publish(app, setup, browser):
    browser.login("zc")
    response = browser.post("/moral-bank/deeds/new", data={
        "volunteer_id": setup["volunteer"], "rule_id": setup["rule"],
        "deed_date": str(today_local()), "description": "照料独居老人 13912345678"},
        follow_redirects=True)
    assert response.status_code == 200 and "待审核" in response.get_data(as_text=True)
    with app.app_context():
        deed_id = db.session.scalar(select(Deed.id))
    assert "须由另一名工作人员审核" in browser.get(f"/moral-bank/deeds/{deed_id}").get_data(
        as_text=True)
    browser.post(f"/moral-bank/deeds/{deed_id}/approve", data={})
    with app.app_context():
        assert db.session.get(Deed, deed_id).status == "pending"
    browser = fresh(app, "zc2")
    browser.post(f"/moral-bank/deeds/{deed_id}/approve", data={})
    public = browser.client.get("/moral-bank/").get_data(as_text=True)
    assert "陈**" in public and "陈静怡" not in public and "13912345678" not in public
    with app.app_context():
        person = db.session.scalar(select(Deed)).volunteer
        assert ledger.balance(person).balance == 0  # not before the 公示 ends
