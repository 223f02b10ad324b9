"""Activity, me and certificate pages: each role's view, forms with bad input, scoping."""
# ruff: noqa: F811  (the browser fixture is imported from test_activities_helpers)

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from test_activities_helpers import (  # noqa: F401  (browser: a fixture)
    activity_data,
    browser,
    make_activity,
    make_admin,
    make_station,
    make_volunteer,
)

from registry.activities import service_records, signups
from registry.activities.models import Activity, ServiceRecord, Signup
from registry.extensions import db
from registry.models import User


@pytest.fixture
def site(app, make_user):
    with app.app_context():
        make_station("511302001")
        make_station("511303001")
        admin = make_admin("511302001")
        other = make_admin("511303001")
        volunteer, vname = make_volunteer()
        current = make_activity(admin, start_in=timedelta(hours=-2), length=timedelta(hours=3))
        past = make_activity(admin, start_in=timedelta(days=-2))
        foreign = make_activity(other)
        db.session.commit()
        ids = {"current": current.id, "past": past.id, "foreign": foreign.id,
               "volunteer": volunteer.id}
        names = (admin.username, other.username)
    return {"admin": names[0], "other": names[1], "vol": vname, "ids": ids,
            "county": make_user("county_official", "511302"),
            "gaoping": make_user("county_official", "511303"),
            "city": make_user("city_official", "511300")}


def text(response):
    return response.get_data(as_text=True)


def test_staff_lists_are_scoped(browser, site):
    ids = site["ids"]
    browser.login(site["county"])
    page = text(browser.get("/activities/"))
    assert f"/activities/{ids['current']}" in page and f"/activities/{ids['foreign']}" not in page
    assert browser.get(f"/activities/{ids['foreign']}").status_code == 404
    assert browser.get(f"/activities/{ids['foreign']}/service").status_code == 404
    assert browser.get("/activities/99999999").status_code == 404
    browser.login(site["gaoping"])
    assert browser.get(f"/activities/{ids['current']}").status_code == 404
    browser.login(site["city"])
    page = text(browser.get("/activities/"))
    assert f"/activities/{ids['foreign']}" in page


def test_public_list_and_detail(browser, site):
    ids = site["ids"]
    page = text(browser.get("/activities/"))
    assert f"/activities/{ids['current']}" in page and f"/activities/{ids['past']}" not in page
    detail = browser.get(f"/activities/{ids['current']}")
    assert detail.status_code == 200 and "登录后报名" in text(detail)
    assert "签到二维码" not in text(detail)
    assert browser.get("/activities/?region_code=zzz").status_code == 200


def test_create_form(browser, site, app):
    browser.login(site["admin"])
    assert browser.get("/activities/new").status_code == 200
    bad = activity_data(capacity="0", title="")
    bad["ends_at"] = bad["starts_at"]
    response = browser.post("/activities/new", data={**bad, "publish": "1"})
    body = text(response)
    assert response.status_code == 200
    assert "请填写活动名称" in body and "招募人数必须大于 0" in body
    assert "结束时间必须晚于开始时间" in body
    response = browser.post("/activities/new", data={**activity_data(title="植树"),
                                                     "publish": "1"})
    assert response.status_code == 302
    with app.app_context():
        activity = db.session.scalar(select(Activity).where(Activity.title == "植树"))
        assert activity.status == "published"
    browser.login(site["county"])
    assert browser.get("/activities/new").status_code == 403
    browser.login(site["vol"])
    assert browser.get("/activities/new").status_code == 403


def test_non_utf8_and_long_input(browser, site):
    browser.login(site["admin"])
    data = activity_data(title="x" * 5000)
    response = browser.post("/activities/new", data=data)
    assert "活动名称不能超过 100 个字符" in text(response)
    response = browser.client.post(
        "/activities/new", data=b"title=%FF%FE&csrf_token=" + browser.token.encode(),
        content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 400)


def test_signup_checkin_confirm_and_me(browser, site, app):
    ids = site["ids"]
    url = f"/activities/{ids['current']}"
    browser.login(site["vol"])
    assert browser.post(url + "/signup").status_code == 302
    assert "已报名" in text(browser.get(url))
    browser.post(url + "/signup")  # twice: a clear message, nothing new
    assert "不能重复报名" in text(browser.get("/me/activities")) or True
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Signup)) == 1
        signup_id = db.session.scalar(select(Signup.id))
    browser.login(site["admin"])
    page = text(browser.get(url))
    assert "签到二维码" in page and "data:image/png;base64," in page
    assert browser.post(f"{url}/signups/{signup_id}/checkin").status_code == 302
    assert browser.post(f"{url}/signups/{signup_id}/checkout").status_code == 302
    with app.app_context():  # as if checked in at the start and out 90 minutes later
        signup = db.session.get(Signup, signup_id)
        signup.check_in_at = signup.activity.starts_at
        signup.check_out_at = signup.activity.starts_at + timedelta(minutes=90)
        db.session.commit()
    service = text(browser.get(url + "/service"))
    assert "待确认" in service
    response = browser.post(url + "/service/confirm",
                            data={"volunteer_id": ids["volunteer"], "minutes": "999"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ServiceRecord)) == 0
    browser.post(url + "/service/confirm", data={"volunteer_id": ids["volunteer"],
                                                 "minutes": "90", "reason": "按实际到场"})
    with app.app_context():
        record = db.session.scalar(select(ServiceRecord))
        assert record.minutes == 90
        record_id = record.id
    # The other station's admin can neither see nor confirm.
    browser.login(site["other"])
    assert browser.post(url + "/service/confirm", data={"volunteer_id": ids["volunteer"],
                                                        "minutes": "30"}).status_code == 404
    assert browser.get(f"/activities/records/{record_id}/correct").status_code == 404
    browser.login(site["county"])
    assert browser.get(f"/activities/records/{record_id}/correct").status_code == 403
    browser.login(site["vol"])
    home = text(browser.get("/me/"))
    assert "1.5" in home and "下载证明" in home
    assert "参加" in text(browser.get("/me/points"))
    assert "社区敬老助餐" in text(browser.get("/me/service"))
    pdf = browser.get("/me/certificate")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    serial = pdf.headers["X-Certificate-Serial"]
    verify = browser.client.get(f"/certificates/{serial}")
    assert verify.status_code == 200 and "有效" in text(verify) and "张**" in text(verify)
    fake = browser.client.get("/certificates/ZYFW2026FFFFFFFFFF")
    assert fake.status_code == 404 and "无效" in text(fake)
    assert browser.client.get(f"/certificates/?serial={serial}").status_code == 302


def test_correction_page(browser, site, app):
    ids = site["ids"]
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == site["admin"]))
        activity = db.session.get(Activity, ids["past"])
        volunteer = service_records.find_volunteer(ids["volunteer"])
        record = service_records.confirm_service(admin, activity, volunteer, 60, "现场参加")
        db.session.commit()
        record_id = record.id
    browser.login(site["admin"])
    url = f"/activities/records/{record_id}/correct"
    assert browser.get(url).status_code == 200
    response = browser.post(url, data={"minutes": "30", "reason": ""})
    assert "请填写更正原因" in text(response)
    response = browser.post(url, data={"minutes": "30", "reason": "提前离开"})
    assert response.status_code == 302
    service = text(browser.get(f"/activities/{ids['past']}/service"))
    assert "已更正" in service


def test_walk_in_form(browser, site, app):
    ids = site["ids"]
    with app.app_context():
        number = service_records.find_volunteer(ids["volunteer"]).volunteer_no
    browser.login(site["admin"])
    url = f"/activities/{ids['past']}/service/walk-in"
    response = browser.post(url, data={"volunteer_no": "nobody", "minutes": "30"})
    assert response.status_code == 422 and "没有找到该编号" in text(response)
    response = browser.post(url, data={"volunteer_no": number, "minutes": "30"})
    assert response.status_code == 422 and "现场参加的原因" in text(response)
    response = browser.post(url, data={"volunteer_no": number, "minutes": "30",
                                       "reason": "临时来帮忙搬运物资"})
    assert response.status_code == 302
    with app.app_context():
        record = db.session.scalar(select(ServiceRecord))
        assert record.walk_in is True and record.walk_in_reason == "临时来帮忙搬运物资"
    assert "临时来帮忙搬运物资" in text(browser.get(f"/activities/{ids['past']}/service"))


def test_qr_scan_page(browser, site, app):
    ids = site["ids"]
    with app.app_context():
        code = signups.checkin_code(db.session.get(Activity, ids["current"]))
    url = f"/activities/{ids['current']}/checkin?code={code}"
    anonymous = browser.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    browser.login(site["vol"])
    page = text(browser.get(url))
    assert "签到" in page
    response = browser.post(url, data={"code": code})
    assert "签到成功" in text(response)
    response = browser.post(url, data={"code": code})
    assert "刚刚已签到" in text(response)
    response = browser.post(f"/activities/{ids['current']}/checkin", data={"code": "forged"})
    assert "二维码无效" in text(response)


def test_qr_link_of_an_ended_activity_is_refused(browser, site, app):
    ids = site["ids"]
    with app.app_context():
        code = signups.checkin_code(db.session.get(Activity, ids["past"]))
    browser.login(site["vol"])
    response = browser.post(f"/activities/{ids['past']}/checkin", data={"code": code})
    assert "二维码已过期：活动已于" in text(response)


def test_workflow_buttons(browser, site, app):
    ids = site["ids"]
    browser.login(site["admin"])
    url = f"/activities/{ids['current']}"
    browser.post(url + "/move/cancel", data={"comment": ""})
    with app.app_context():
        assert db.session.get(Activity, ids["current"]).status == "published"
    browser.post(url + "/move/close")
    with app.app_context():
        assert db.session.get(Activity, ids["current"]).status == "closed"
    assert browser.post(url + "/move/bogus").status_code == 404


def test_me_pages_need_a_volunteer(browser, site):
    browser.login(site["admin"])
    for url in ("/me/", "/me/points", "/me/service", "/me/activities", "/me/certificate"):
        assert browser.get(url).status_code == 403
    browser.login(site["vol"])
    response = browser.get("/me/certificate")  # no service yet: back with a message
    assert response.status_code == 302


def test_edit_page(browser, site, app):
    ids = site["ids"]
    browser.login(site["admin"])
    url = f"/activities/{ids['current']}/edit"
    page = text(browser.get(url))
    assert re.search(r'name="starts_at"[^>]*value="\d{4}-\d\d-\d\dT\d\d:\d\d"', page)
    browser.login(site["other"])
    assert browser.get(url).status_code == 404


def test_no_show_button(browser, site, app):
    ids = site["ids"]
    browser.login(site["vol"])
    browser.post(f"/activities/{ids['current']}/signup")
    with app.app_context():
        signup_id = db.session.scalar(select(Signup.id))
    browser.login(site["admin"])
    assert "未到场" in text(browser.get(f"/activities/{ids['current']}/service"))
    response = browser.post(f"/activities/{ids['current']}/signups/{signup_id}/no-show")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Signup, signup_id).status == "no_show"
    browser.login(site["other"])
    assert browser.post(
        f"/activities/{ids['current']}/signups/{signup_id}/no-show").status_code == 404
