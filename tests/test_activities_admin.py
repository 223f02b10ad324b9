"""Back-office views of the activity area: scoped, read-only where they must be."""
# ruff: noqa: F811  (the browser fixture is imported from test_activities_helpers)

from datetime import timedelta

import pytest
from sqlalchemy import select
from test_activities_helpers import (  # noqa: F401  (browser: a fixture)
    browser,
    make_activity,
    make_admin,
    make_station,
    make_volunteer,
)

from registry.activities import service_records
from registry.activities.models import Activity
from registry.extensions import db
from registry.points.models import PointsLedgerEntry

VIEWS = ("activity", "signup", "servicerecord", "servicecorrection", "pointsledgerentry",
         "servicecertificate")


@pytest.fixture
def data(app):
    with app.app_context():
        make_station("511302001")
        make_station("511303001")
        admin = make_admin("511302001")
        other = make_admin("511303001")
        activity = make_activity(admin, start_in=timedelta(hours=-3))
        foreign = make_activity(other, start_in=timedelta(hours=-3))
        volunteer, vname = make_volunteer()
        record = service_records.confirm_service(admin, activity, volunteer, 60, "现场参加")
        db.session.commit()
        entry = db.session.scalar(select(PointsLedgerEntry.id))
        return {"admin": admin.username, "other": other.username, "vol": vname,
                "activity": activity.id, "foreign": foreign.id, "record": record.id,
                "entry": entry}


@pytest.mark.parametrize("view", VIEWS)
def test_views_open_for_staff_and_closed_to_volunteers(browser, data, view):
    browser.login(data["admin"])
    assert browser.get(f"/admin/{view}/").status_code == 200


def test_volunteer_refused(browser, data):
    browser.login(data["vol"])
    assert browser.get("/admin/pointsledgerentry/").status_code == 403


def test_scoping_and_read_only(browser, data):
    browser.login(data["other"])
    listing = browser.get("/admin/servicerecord/").get_data(as_text=True)
    assert "社区敬老助餐" not in listing
    details = browser.get(f"/admin/activity/details/?id={data['activity']}")
    assert details.status_code in (302, 404)
    assert "新名称" not in browser.get(f"/admin/activity/edit/?id={data['activity']}").get_data(
        as_text=True)
    browser.login(data["admin"])
    edit = browser.get(f"/admin/pointsledgerentry/edit/?id={data['entry']}")
    assert edit.status_code in (302, 403, 404)
    delete = browser.post("/admin/pointsledgerentry/delete/", data={"id": data["entry"]})
    assert delete.status_code in (302, 403, 404, 405)


def test_activity_text_edit(browser, data, app):
    browser.login(data["admin"])
    url = f"/admin/activity/edit/?id={data['activity']}"
    assert browser.get(url).status_code == 200
    browser.post(url, data={"title": "", "content": "", "address": "x"})
    with app.app_context():
        assert db.session.get(Activity, data["activity"]).title == "社区敬老助餐"
    browser.post(url, data={"title": "新名称", "content": "内容", "address": "新地点"})
    with app.app_context():
        assert db.session.get(Activity, data["activity"]).title == "新名称"
