"""Honest hours (issue 10) on every face: the pages, the API and the back office refuse what the
rules refuse, the waiting-for-approval list and its home card, the check-in refusal message."""
# ruff: noqa: F811  (the browser fixture is imported from test_activities_helpers)

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from test_activities_helpers import (  # noqa: F401  (browser: a fixture)
    activity_data,
    browser,
    enrol,
    make_activity,
    make_admin,
    make_station,
    make_volunteer,
)

from registry.activities.models import Activity, ServiceRecord, ServiceReview, Signup
from registry.extensions import db
from registry.models import User
from registry.points.models import PointsLedgerEntry
from registry.volunteers.models import Volunteer

LONG = timedelta(days=26)


@pytest.fixture
def site(app, make_user):
    with app.app_context():
        make_station("511302001")
        make_station("511303001")
        admin, second, other = (make_admin("511302001"), make_admin("511302001"),
                                make_admin("511303001"))
        local, local_name = make_volunteer()
        foreigner, _ = make_volunteer("511303001", status="suspended")
        long_ago = make_activity(admin, start_in=-LONG, length=LONG, points_per_hour=20)
        day = make_activity(admin, start_in=timedelta(hours=-10), length=timedelta(hours=9))
        db.session.commit()
        ids = {"long": long_ago.id, "day": day.id, "local": local.id,
               "foreigner": foreigner.id, "long_minutes": long_ago.length_minutes}
        names = {"admin": admin.username, "second": second.username, "other": other.username,
                 "vol": local_name}
    return {"ids": ids, **names, "county": make_user("county_official", "511302")}


def text(response):
    return response.get_data(as_text=True)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_the_issues_example_through_the_api(api, site, app):
    ids = site["ids"]
    api.token(site["admin"])
    start = "2026-01-01T09:00:00+08:00"
    body = {"title": "全天值守", "starts_at": start, "ends_at": "2026-01-27T09:00:00+08:00",
            "capacity": 5, "address": "社区", "points_per_hour": 1000}
    response = api.post("/api/v1/activities", json=body)
    assert response.status_code == 422
    assert "points_per_hour" in response.get_json()["error"]["fields"]
    url = f"/api/v1/activities/{ids['long']}/service-records"
    whole = {"minutes": ids["long_minutes"], "reason": "补录"}
    response = api.post(url, json={"volunteer_id": ids["foreigner"], **whole})
    assert response.status_code == 404  # another county, never signed up
    response = api.post(url, json={"volunteer_id": ids["local"], **whole})
    assert response.status_code == 422 and "每日上限" in response.get_json()["error"]["message"]
    response = api.post(url, json={"volunteer_id": ids["local"], "minutes": 60})
    assert response.status_code == 422  # a walk-in without a reason
    assert "reason" in response.get_json()["error"]["fields"]
    assert count(app, ServiceRecord) == 0 and count(app, PointsLedgerEntry) == 0


def test_the_issues_example_through_the_pages(browser, site, app):
    ids = site["ids"]
    browser.login(site["admin"])
    data = activity_data(start_in=-LONG, length=LONG, points_per_hour="1000")
    response = browser.post("/activities/new", data=data)
    assert "每小时积分不能超过 20" in text(response) and count(app, Activity) == 2
    response = browser.post(f"/activities/{ids['long']}/edit",
                            data=activity_data(start_in=-LONG, length=LONG,
                                               points_per_hour="1000"))
    assert "每小时积分不能超过 20" in text(response)
    url = f"/activities/{ids['long']}/service/confirm"
    response = browser.post(url, data={"volunteer_id": ids["foreigner"],
                                       "minutes": ids["long_minutes"], "reason": "补录"})
    assert response.status_code == 302
    page = text(browser.get(f"/activities/{ids['long']}/service"))
    assert "其他辖区的志愿者须先报名本活动" in page
    with app.app_context():
        number = db.session.get(Volunteer, ids["local"]).volunteer_no
    response = browser.post(f"/activities/{ids['long']}/service/walk-in", data={
        "volunteer_no": number, "minutes": ids["long_minutes"], "reason": "补录"})
    assert response.status_code == 422 and "每日上限" in text(response)
    assert count(app, ServiceRecord) == 0
    with app.app_context():
        assert db.session.get(Activity, ids["long"]).points_per_hour == 20


def test_four_eyes_on_the_pages(browser, site, app):
    ids = site["ids"]
    browser.login(site["admin"])
    response = browser.post(f"/activities/{ids['day']}/service/confirm", data={
        "volunteer_id": ids["local"], "minutes": "500", "reason": "全天值守，临时顶班"})
    assert response.status_code == 302
    service = text(browser.get(f"/activities/{ids['day']}/service"))
    assert "另一名工作人员审核" in service and "待审核" in service
    home = text(browser.get("/"))
    assert "/activities/approvals" in home and "服务时长待审核" in home
    listing = text(browser.get("/activities/approvals"))
    assert "超过 8 小时" in listing and "由您录入：须由另一名工作人员审核" in listing
    with app.app_context():
        review_id = db.session.scalar(select(ServiceReview.id))
    response = browser.post(f"/activities/approvals/{review_id}/approve")
    assert "不能审核自己录入" in text(browser.get("/activities/approvals"))
    browser.login(site["other"])  # another township: not even visible
    assert browser.post(f"/activities/approvals/{review_id}/approve").status_code == 404
    assert "没有等待审核的服务时长" in text(browser.get("/activities/approvals"))
    browser.login(site["vol"])
    assert browser.get("/activities/approvals").status_code == 403
    assert "待审核" in text(browser.get("/me/service"))
    browser.login(site["second"])
    response = browser.post(f"/activities/approvals/{review_id}/reject", data={"reason": ""})
    assert "驳回须填写意见或理由" in text(browser.get("/activities/approvals"))
    response = browser.post(f"/activities/approvals/{review_id}/approve")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Volunteer, ids["local"]).total_minutes == 500
        assert db.session.get(ServiceReview, review_id).status == "approved"
    assert "没有等待审核的服务时长" in text(browser.get("/activities/approvals"))


def test_four_eyes_through_the_api(api, site, app):
    ids = site["ids"]
    api.token(site["admin"])
    url = f"/api/v1/activities/{ids['day']}/service-records"
    record = api.post(url, json={"volunteer_id": ids["local"], "minutes": 500,
                                 "reason": "临时顶班"})
    assert record.status_code == 201
    assert record.get_json()["status"] == "pending_approval"
    assert record.get_json()["minutes"] == 0 and record.get_json()["pending_minutes"] == 500
    listing = api.get("/api/v1/service-reviews").get_json()
    assert listing["total"] == 1
    review = listing["items"][0]
    assert review["grounds"] == "超过 8 小时" and review["minutes"] == 500
    decide = f"/api/v1/service-reviews/{review['id']}"
    refused = api.post(decide + "/approve", json={})
    assert refused.status_code == 403
    api.token(site["other"])
    assert api.post(decide + "/approve", json={}).status_code == 404
    assert api.get("/api/v1/service-reviews").get_json()["total"] == 0
    api.token(site["county"])
    assert api.post(decide + "/reject", json={}).status_code == 422
    response = api.post(decide + "/reject", json={"reason": "签到表上没有该志愿者"})
    assert response.status_code == 200 and response.get_json()["status"] == "rejected"
    assert api.post(decide + "/approve", json={}).status_code == 409
    api.token(site["vol"])
    mine = api.get("/api/v1/me/service-records").get_json()
    assert mine["total_minutes"] == 0 and mine["items"][0]["status"] == "rejected"
    assert api.get("/api/v1/service-reviews").status_code == 403


def test_check_in_refusal_message_on_the_page(browser, site, app):
    with app.app_context():
        running = make_activity(_admin(site["admin"]), start_in=timedelta(minutes=-10),
                                capacity=1)
        first, _ = make_volunteer()
        waiting, _ = make_volunteer(name="李候补")
        enrol(running, first)
        signup = enrol(running, waiting, status="waitlisted")
        db.session.commit()
        url, signup_id = f"/activities/{running.id}", signup.id
    browser.login(site["admin"])
    page = text(browser.get(url))
    assert "候补中：递补为正式报名后才能签到" in page
    response = browser.post(f"{url}/signups/{signup_id}/checkin")
    assert response.status_code == 302
    page = text(browser.get(url))
    assert "须先递补为正式报名才能签到" in page
    with app.app_context():
        assert db.session.get(Signup, signup_id).status == "waitlisted"


def _admin(username):
    return db.session.scalar(select(User).where(User.username == username))


def test_back_office_lists_reviews_and_keeps_the_rate(browser, site, app):
    ids = site["ids"]
    with app.app_context():  # a row from before the maximum existed
        db.session.get(Activity, ids["day"]).points_per_hour = 100
        db.session.commit()
    browser.login(site["admin"])
    assert browser.get("/admin/servicereview/").status_code == 200
    response = browser.post(f"/admin/activity/edit/?id={ids['day']}", data={
        "title": "改名", "content": "", "address": "社区"}, follow_redirects=True)
    assert "每小时积分不能超过 20" in text(response)
    with app.app_context():
        assert db.session.get(Activity, ids["day"]).title != "改名"
