"""Trainings: publishing, attendance, the organization page count, roles, scoping, bad input."""

from datetime import date

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from registry.errors import Conflict, NotAllowed, ValidationFailed
from registry.extensions import db
from registry.organizations.models import Organization
from registry.scoping import get_visible
from registry.support import operations as support
from registry.support.models import Training, TrainingAttendance
from tests.conftest import Browser
from tests.test_support_helpers import org_id, user, world  # noqa: F401

pytestmark = pytest.mark.usefixtures("world")
GOOD = {"title": "社会组织财务管理培训", "region_code": "511302", "held_on": date(2026, 5, 10),
        "minutes": 180, "place": "顺庆区社会组织服务中心"}


def published(actor="sq1", **overrides):
    training = support.save_training(user(actor), {**GOOD, **overrides})
    db.session.commit()
    return training


def test_publish_and_record_attendance(ctx):
    training = published()
    official = user("sq1")
    support.add_attendance(official, training, org_id("顺庆区阳光社工中心"), "张明")
    support.add_attendance(official, training, org_id("顺庆区阳光社工中心"), "李红")
    support.add_attendance(official, training, org_id("顺庆区助老协会"), "张明")
    db.session.commit()
    with pytest.raises(Conflict):
        support.add_attendance(official, training, org_id("顺庆区阳光社工中心"), "张明")
    db.session.rollback()
    second = published(title="年报填报培训")
    support.add_attendance(user("sq1"), second, org_id("顺庆区阳光社工中心"), "李红")
    db.session.commit()
    assert support.trainings_attended(org_id("顺庆区阳光社工中心")) == 2  # distinct trainings
    assert support.trainings_attended(org_id("顺庆区助老协会")) == 1
    assert support.trainings_attended(org_id("高坪区乐龄中心")) == 0
    assert support.attendance_counts([training.id, second.id]) == {training.id: 3, second.id: 1}


def test_org_page_snippet(app):
    with app.app_context():
        training = published()
        support.add_attendance(user("sq1"), training, org_id("顺庆区阳光社工中心"), "张明")
        db.session.commit()
        with app.test_request_context("/"):
            org = db.session.get(Organization, org_id("顺庆区阳光社工中心"))
            html = render_template_string('{% include "support/_org_trainings.html" %}',
                                          organization=org)
            assert "参加培训 1 次" in html and "社会组织财务管理培训" in html
            org = db.session.get(Organization, org_id("高坪区乐龄中心"))
            html = render_template_string('{% include "support/_org_trainings.html" %}',
                                          organization=org)
            assert "参加培训 0 次" in html and "暂无参训记录" in html


@pytest.mark.parametrize("data, field", [
    ({"title": ""}, "title"),
    ({"title": "训" * 5000}, "title"),
    ({"minutes": 1.5}, "minutes"),
    ({"minutes": "-30"}, "minutes"),
    ({"minutes": "0"}, "minutes"),
    ({"minutes": "三小时"}, "minutes"),
    ({"held_on": None}, "held_on"),
    ({"place": ""}, "place"),
    ({"region_code": "511303"}, "region_code"),
])
def test_bad_training_saves_nothing(ctx, data, field):
    with pytest.raises(ValidationFailed) as error:
        support.save_training(user("sq1"), {**GOOD, **data})
    assert field in error.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Training)) == 0


@pytest.mark.parametrize("org, person, field", [
    ("高坪区乐龄中心", "张明", "organization"),  # outside the county
    ("顺庆区已注销协会", "张明", "organization"),
    ("顺庆区阳光社工中心", "", "person_name"),
    ("顺庆区阳光社工中心", "张" * 5000, "person_name"),
    ("顺庆区阳光社工中心", "12345", "person_name"),
])
def test_bad_attendance(ctx, org, person, field):
    training = published()
    with pytest.raises(ValidationFailed) as error:
        support.add_attendance(user("sq1"), training, org_id(org), person)
    assert field in error.value.fields


def test_only_officials_publish_and_record(ctx):
    training = published()
    for name in ("rep1", "st1"):
        with pytest.raises(NotAllowed):
            support.save_training(user(name), GOOD)
        with pytest.raises(NotAllowed):
            support.add_attendance(user(name), training, org_id("顺庆区阳光社工中心"), "张明")


def test_visibility(ctx):
    county = published()
    city = published(actor="city1", title="全市培训", region_code="511300")
    gaoping = published(actor="gp1", title="高坪培训", region_code="511303")
    support.add_attendance(user("gp1"), gaoping, org_id("高坪区乐龄中心"), "王五")
    db.session.commit()
    gp, rep, rep_gp = user("gp1"), user("rep1"), user("rep2")
    assert get_visible(gp, Training, county.id) is None
    assert get_visible(gp, Training, city.id) is None  # jurisdiction runs downwards only
    # a representative sees what is published for its area and what its people attended
    assert get_visible(rep, Training, county.id) is not None
    assert get_visible(rep, Training, city.id) is not None
    assert get_visible(rep, Training, gaoping.id) is None
    assert get_visible(rep_gp, Training, gaoping.id) is not None
    row = db.session.scalar(select(TrainingAttendance))
    assert get_visible(rep, TrainingAttendance, row.id) is None
    assert get_visible(rep_gp, TrainingAttendance, row.id) is not None


def test_pages(browser, app):
    browser.login("sq1")
    response = browser.post("/support/trainings/new", {
        "title": "财务培训", "region_code": "511302", "held_on": "2026-05-10",
        "minutes": "1.5", "place": "服务中心"})
    assert response.status_code == 422 and "培训时长（分钟）必须是整数" in \
        response.get_data(as_text=True)
    response = browser.post("/support/trainings/new", {
        "title": "财务培训", "region_code": "511302", "held_on": "10/05/2026",
        "minutes": "180", "place": "服务中心"})
    assert response.status_code == 422 and "日期格式不正确" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Training)) == 0
    response = browser.post("/support/trainings/new", {
        "title": "财务培训", "region_code": "511302", "held_on": "2026-05-10",
        "minutes": "180", "place": "服务中心"})
    assert response.status_code == 302
    with app.app_context():
        training_id = db.session.scalar(select(Training.id))
    url = f"/support/trainings/{training_id}"
    response = browser.post(f"{url}/attendance", {"organization": "不存在", "person_name": "张明"})
    assert response.status_code == 422 and "找不到该社会组织" in response.get_data(as_text=True)
    response = browser.post(f"{url}/attendance", {"organization": "52511302MJ1234561U",
                                                  "person_name": "张明"})
    assert response.status_code == 302
    response = browser.post(f"{url}/attendance", {"organization": "顺庆区阳光社工中心",
                                                  "person_name": "张明"})
    assert response.status_code == 422 and "已登记" in response.get_data(as_text=True)
    page = browser.get(url).get_data(as_text=True)
    assert "张明" in page and "共 1 人次" in page
    assert "财务培训" in browser.get("/support/trainings").get_data(as_text=True)
    with app.app_context():
        row_id = db.session.scalar(select(TrainingAttendance.id))
    assert browser.post(f"/support/attendance/{row_id}/delete", {}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TrainingAttendance)) == 0

    browser = Browser(app.test_client())
    browser.login("gp1")
    assert browser.get(url).status_code == 404
    assert browser.get(f"{url}/edit").status_code == 404
    assert browser.post(f"{url}/attendance", {"organization": "高坪区乐龄中心",
                                              "person_name": "王五"}).status_code == 404
    assert "财务培训" not in browser.get("/support/trainings").get_data(as_text=True)


def test_org_admin_pages(browser, app):
    with app.app_context():
        training = published()
        support.add_attendance(user("sq1"), training, org_id("顺庆区阳光社工中心"), "张明")
        support.add_attendance(user("sq1"), training, org_id("顺庆区助老协会"), "赵六")
        db.session.commit()
        training_id = training.id
    browser = Browser(app.test_client())
    browser.login("rep1")
    page = browser.get(f"/support/trainings/{training_id}").get_data(as_text=True)
    assert "张明" in page and "赵六" not in page  # only its own people
    assert browser.get("/support/trainings/new").status_code == 403
    assert browser.post(f"/support/trainings/{training_id}/attendance",
                        {"organization": "x", "person_name": "张三"}).status_code == 403
