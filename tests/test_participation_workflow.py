"""社情民意: posting with a tracking code, answering (the poster told), forwarding (the target
township's station admin told, the due date kept), overdue items told once to the official
above (operation, periodic task and command), the staff list's overdue filter and home card."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from registry import notifications
from registry.clock import today_local
from registry.extensions import db
from registry.models import AuditEntry, User
from registry.participation import operations, tasks
from registry.participation.models import Suggestion
from tests.conftest import Browser
from tests.test_activities_helpers import make_volunteer

TOWNSHIP = "511302001"      # 中城街道, 顺庆区
NEIGHBOUR = "511302002"     # 北城街道, 顺庆区
ELSEWHERE = "511303001"     # 白塔街道, 高坪区


def post(api, **changes) -> str:
    body = {"township_code": TOWNSHIP, "category": "consult",
            "content": "小区加装电梯怎么申请补贴？", "contact": "13912345678", **changes}
    response = api.client.post("/api/v1/public/suggestions", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["tracking_code"]


def row(app, code) -> Suggestion:
    with app.app_context():
        found = db.session.scalar(select(Suggestion).where(Suggestion.tracking_code == code))
        db.session.expunge(found)
        return found


def make_overdue(app, code, days=3):
    with app.app_context():
        found = db.session.scalar(select(Suggestion).where(Suggestion.tracking_code == code))
        found.due_on = today_local() - timedelta(days=days)
        db.session.commit()


def messages(app, username):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        return [n.text for n in db.session.scalars(notifications.for_user_stmt(user))]


@pytest.fixture
def staff(make_user):
    make_user("station_admin", TOWNSHIP, "zc")
    make_user("station_admin", NEIGHBOUR, "bc")
    make_user("county_official", "511302", "sq")
    make_user("county_official", "511303", "gp")
    make_user("city_official", "511300", "nc")
    return {"zc", "bc", "sq", "gp", "nc"}


def test_post_track_answer_and_the_anonymous_poster_is_told_by_code(app, api, staff):
    code = post(api)
    track = api.client.post("/api/v1/public/suggestions/track", json={"tracking_code": code})
    assert track.status_code == 200 and track.get_json()["status"] == "open"
    sid = row(app, code).id
    api.token("zc")
    answered = api.post(f"/api/v1/suggestions/{sid}/answer", json={"answer": "请到便民服务中心"})
    assert answered.status_code == 200, answered.get_json()
    assert answered.get_json()["status"] == "answered"
    again = api.post(f"/api/v1/suggestions/{sid}/answer", json={"answer": "再答一次"})
    assert again.status_code == 409
    with app.app_context():
        texts = [n.text for n in notifications.for_code(code)]
    assert texts == [f"您的社情民意留言 {code[:5]}-{code[5:]} 已答复"]
    page = Browser(app.test_client())
    body = page.post("/suggestions/track", data={"tracking_code": code}).get_data(as_text=True)
    assert "请到便民服务中心" in body and "已答复" in body and "评价答复" in body


def test_a_named_volunteer_is_told_in_their_account_never_named_in_the_audit(app, api,
                                                                               staff):
    with app.app_context():
        _, username = make_volunteer(TOWNSHIP)
        db.session.commit()
    browser = Browser(app.test_client())
    browser.login(username)
    response = browser.post("/suggestions/new", data={
        "category": "help", "township_code": TOWNSHIP, "content": "楼道灯坏了", "anonymous": ""})
    assert response.status_code == 200 and "查询码" in response.get_data(as_text=True)
    with app.app_context():
        found = db.session.scalar(select(Suggestion))
        assert found.poster_user_id is not None
        audit = db.session.scalar(select(AuditEntry).where(
            AuditEntry.object_type == "Suggestion"))
        assert audit.actor_id is None
        assert str(found.poster_user_id) not in json.loads(audit.changes).get(
            "poster_user_id", "")
        sid = found.id
    api.token("zc")
    assert api.post(f"/api/v1/suggestions/{sid}/answer", json={"answer": "已修好"}
                    ).status_code == 200
    assert any("已答复" in text for text in messages(app, username))


def test_forward_tells_the_target_keeps_the_due_date_and_leaves_the_old_handler(app, api,
                                                                                 staff):
    code = post(api, category="complain")
    before = row(app, code)
    api.token("zc")
    outside = api.post(f"/api/v1/suggestions/{before.id}/forward",
                       json={"region_code": ELSEWHERE})
    assert outside.status_code == 422 and "region_code" in outside.get_json()["error"]["fields"]
    moved = api.post(f"/api/v1/suggestions/{before.id}/forward",
                     json={"region_code": NEIGHBOUR})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["due_on"] == before.due_on.isoformat()
    assert moved.get_json()["handler_code"] == NEIGHBOUR
    assert api.get(f"/api/v1/suggestions/{before.id}").status_code == 404  # not zc's now
    assert any(f"第 {before.id} 号" in t and "转交" in t for t in messages(app, "bc"))
    assert not messages(app, "zc")
    api.token("bc")
    to_county = api.post(f"/api/v1/suggestions/{before.id}/forward",
                         json={"region_code": "511302"})
    assert to_county.status_code == 200
    assert any("转交" in t for t in messages(app, "sq"))
    after = row(app, code)
    assert after.due_on == before.due_on and after.forwarded_count == 2
    # the city official may forward anywhere in the city
    api.token("nc")
    assert api.post(f"/api/v1/suggestions/{before.id}/forward",
                    json={"region_code": ELSEWHERE}).status_code == 200


def test_overdue_items_are_told_to_the_county_once(app, api, staff):
    late, fresh = post(api), post(api)
    make_overdue(app, late)
    with app.app_context():
        assert operations.notify_overdue() == 1
        db.session.commit()
        assert operations.notify_overdue() == 0  # the daily job again: nobody told twice
    told = messages(app, "sq")
    assert len(told) == 1 and "超过答复期限" in told[0]
    assert not messages(app, "gp") and not messages(app, "zc")
    assert row(app, fresh).overdue_notified_at is None
    # the periodic task and the command do the same
    make_overdue(app, fresh)
    tasks.warn_overdue_suggestions.call_local()
    assert len(messages(app, "sq")) == 2
    result = app.test_cli_runner().invoke(args=["suggestions-overdue"])
    assert result.exit_code == 0 and "本次通知 0 条" in result.output


def test_staff_list_highlights_overdue_and_filters_them(app, api, staff):
    late, fresh = post(api), post(api)
    make_overdue(app, late)
    browser = Browser(app.test_client())
    browser.login("sq")
    listing = browser.get("/suggestions/manage").get_data(as_text=True)
    assert listing.count("已超期") == 1 and "table-danger overdue" in listing
    assert "13912345678" not in listing and late not in listing
    only = browser.get("/suggestions/manage?overdue=1").get_data(as_text=True)
    assert f"第 {row(app, late).id} 号" in only and f"第 {row(app, fresh).id} 号" not in only
    home = browser.get("/").get_data(as_text=True)
    assert "超期未答复" in home and "待答复的社情民意" in home
    api.token("sq")
    listed = api.get("/api/v1/suggestions?overdue=true").get_json()["items"]
    assert [item["id"] for item in listed] == [row(app, late).id]
    assert listed[0]["overdue"] is True and listed[0]["contact"] == "139****5678"


def test_the_handler_sees_the_contact_audited_others_do_not(app, api, staff):
    code = post(api)
    sid = row(app, code).id
    browser = Browser(app.test_client())
    browser.login("zc")
    page = browser.get(f"/suggestions/{sid}").get_data(as_text=True)
    assert "13912345678" in page and code not in page
    with app.app_context():
        viewed = db.session.scalar(select(AuditEntry).where(
            AuditEntry.object_type == "Suggestion", AuditEntry.action == "view_contact"))
        assert viewed is not None and "13912345678" not in (viewed.changes + viewed.comment)
    other = Browser(app.test_client())
    other.login("gp")
    assert other.get(f"/suggestions/{sid}").status_code == 404
    assert other.post(f"/suggestions/{sid}/answer", data={"answer": "x"}).status_code == 404
    answered = browser.post(f"/suggestions/{sid}/answer", data={"answer": "已答复您"})
    assert answered.status_code == 302
    assert row(app, code).status == "answered"


def test_demo_seeds_each_state_once(app):
    from registry.demo import seed_demo
    with app.app_context():
        seed_demo()
        db.session.commit()
        seed_demo()  # idempotent
        db.session.commit()
        rows = db.session.scalars(select(Suggestion)).all()
        assert len(rows) == 5
        assert {r.status for r in rows} == {"open", "answered", "reopened"}
        assert sum(operations.is_overdue(r) for r in rows) == 1
        assert {r.rating for r in rows} == {None, "satisfied", "unsatisfied"}
