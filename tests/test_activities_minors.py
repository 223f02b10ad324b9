"""Minors (《志愿服务条例》第十五条): an activity says whether it suits minors (no for night hours
or risky categories, the organizer may say no but not yes for those), and a volunteer under 18
on the activity's day takes no place in one that does not suit them, on any path."""

import re
from datetime import date, timedelta

import flask_migrate
import pytest
from sqlalchemy import text
from test_activities_helpers import (
    activity_data,
    browser,  # noqa: F401  (the fixture)
    make_admin,
    make_station,
)
from test_activities_helpers import make_volunteer as _make_volunteer

from registry.activities import operations as activities
from registry.activities import service_records, signups
from registry.activities.models import Activity, Signup
from registry.clock import today_local, utcnow
from registry.errors import Conflict, ValidationFailed
from registry.extensions import db

ARTICLE = "第十五条"


def at(days: int, start: str, end: str, end_days: int | None = None) -> dict:
    """Local times `days` from today, e.g. at(2, "20:00", "23:00")."""
    first = today_local() + timedelta(days=days)
    last = today_local() + timedelta(days=end_days if end_days is not None else days)
    return {"starts_at": f"{first}T{start}", "ends_at": f"{last}T{end}"}


def years_ago(years: int, days: int = 0) -> date:
    today = today_local()
    return today.replace(year=today.year - years, day=min(today.day, 28)) - timedelta(days=days)


def make_volunteer(birth: date | None = None, **kwargs):
    volunteer, username = _make_volunteer(**kwargs)
    if birth is not None:
        volunteer.birth_date = birth
        db.session.flush()
    return volunteer, username


@pytest.fixture
def admin(ctx):
    make_station("511302001")
    return make_admin("511302001")


def create(admin, publish=True, **changes):
    return activities.create_activity(admin, activity_data(**changes), publish=publish)


@pytest.mark.parametrize(("times", "category", "suits"), [
    (at(2, "09:00", "11:00"), "elderly", True),
    (at(2, "06:00", "22:00"), "community", True),   # the night starts at 22:00, ends at 6:00
    (at(2, "20:00", "22:01"), "community", False),
    (at(2, "05:30", "07:00"), "community", False),
    (at(2, "23:00", "01:00", 3), "community", False),
    (at(2, "09:00", "09:00", 3), "community", False),  # a whole day and night
    (at(2, "09:00", "11:00"), "emergency", False),   # 应急救援 is a risky category
])
def test_default_follows_night_and_category(admin, times, category, suits):
    activity = create(admin, category=category, **times)
    assert activity.suitable_for_minors is suits


def test_organizer_may_say_no_but_not_yes_for_night_or_risky(admin):
    assert create(admin, suitable_for_minors="no", **at(2, "09:00", "11:00")) \
        .suitable_for_minors is False
    with pytest.raises(ValidationFailed) as error:
        create(admin, suitable_for_minors="yes", **at(2, "21:00", "23:00"))
    assert "suitable_for_minors" in error.value.fields and "夜间" in error.value.message
    with pytest.raises(ValidationFailed) as error:
        create(admin, suitable_for_minors=True, category="emergency")
    assert "suitable_for_minors" in error.value.fields
    # Editing a day activity into the night keeps the rule too.
    activity = create(admin, suitable_for_minors="yes", **at(2, "09:00", "11:00"))
    db.session.commit()
    with pytest.raises(ValidationFailed):
        activities.update_activity(admin, activity, activity_data(
            suitable_for_minors="yes", **at(2, "21:00", "23:00")))
    db.session.rollback()


def test_age_on_the_day_of_the_activity(admin):
    night = create(admin, **at(10, "19:00", "23:00"))
    assert night.suitable_for_minors is False
    minor, _ = make_volunteer(birth=years_ago(17, days=-1), name="李小华")
    turns_18_before, _ = make_volunteer(birth=years_ago(18, days=-5), name="王小明")
    adult, _ = make_volunteer(name="张大山")
    with pytest.raises(Conflict) as error:
        signups.sign_up(minor.user, night)
    assert ARTICLE in error.value.message and "未成年" in error.value.message
    # 17 today, 18 on the activity's day (ten days ahead): may sign up.
    assert signups.sign_up(turns_18_before.user, night).status == "signed_up"
    assert signups.sign_up(adult.user, night).status == "signed_up"
    day = create(admin, **at(10, "09:00", "11:00"))
    assert signups.sign_up(minor.user, day).status == "signed_up"


def test_walk_ins_refused(admin):
    drill = create(admin, category="emergency", start_in=timedelta(minutes=-10),
                   length=timedelta(hours=2))
    minor, _ = make_volunteer(birth=years_ago(16), name="李小华")
    with pytest.raises(Conflict) as error:
        signups.scan(minor.user, drill, signups.checkin_code(drill))
    assert ARTICLE in error.value.message
    with pytest.raises(Conflict) as error:
        service_records.confirm_service(admin, drill, minor, 60, "现场参加")
    assert ARTICLE in error.value.message
    assert db.session.scalar(db.select(db.func.count()).select_from(Signup)) == 0


def test_waitlist_promotion_skips_minors(admin):
    activity = create(admin, capacity=1, category="emergency")
    first, _ = make_volunteer(name="张大山")
    minor, _ = make_volunteer(birth=years_ago(15), name="李小华")
    adult, _ = make_volunteer(name="王五")
    signups.sign_up(first.user, activity)
    # A minor on the waiting list from before the rule (a row written directly).
    queued = utcnow() - timedelta(hours=1)
    db.session.add(Signup(activity_id=activity.id, volunteer_id=minor.id, status="waitlisted",
                          township_code=activity.township_code, queued_at=queued))
    db.session.flush()
    assert signups.sign_up(adult.user, activity).status == "waitlisted"
    signups.cancel_signup(first.user, activity)
    status = dict(db.session.execute(db.select(Signup.volunteer_id, Signup.status).where(
        Signup.activity_id == activity.id)).all())
    assert status[adult.id] == "signed_up" and status[minor.id] == "waitlisted"


def test_cannot_make_unsuitable_while_minors_are_signed_up(admin):
    activity = create(admin, **at(3, "09:00", "11:00"))
    minor, _ = make_volunteer(birth=years_ago(16), name="李小华")
    signups.sign_up(minor.user, activity)
    db.session.commit()
    for changes in ({"suitable_for_minors": "no"}, at(3, "20:00", "23:00"),
                    {"category": "emergency"}):
        data = activity_data(**{**at(3, "09:00", "11:00"), **changes})
        with pytest.raises(Conflict) as error:
            activities.update_activity(admin, activity, data)
        assert "未成年" in error.value.message
        db.session.rollback()
    assert db.session.get(Activity, activity.id).suitable_for_minors is True
    signups.cancel_signup(minor.user, activity)
    activities.update_activity(admin, activity, activity_data(
        suitable_for_minors="no", **at(3, "09:00", "11:00")))
    assert activity.suitable_for_minors is False


def test_pages(app, browser):  # noqa: F811
    with app.app_context():
        make_station("511302001")
        admin = make_admin("511302001")
        minor, minor_login = make_volunteer(birth=years_ago(16), name="李小华")
        db.session.commit()
        admin_login = admin.username
    browser.login(admin_login)
    form = {**activity_data(**at(4, "20:00", "23:00")), "publish": "1",
            "suitable_for_minors": "yes"}
    response = browser.post("/activities/new", form)
    assert response.status_code == 200 and "不能设为适合未成年人参加" in response.get_data(True)
    form["suitable_for_minors"] = "auto"
    response = browser.post("/activities/new", form)
    assert response.status_code == 302
    activity_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    edit = browser.get(f"/activities/{activity_id}/edit").get_data(True)
    select = re.search(r'<select[^>]*name="suitable_for_minors".*?</select>', edit, re.S)
    selected = re.search(r'<option[^>]*\bselected\b[^>]*>', select.group(0))
    assert selected and 'value="no"' in selected.group(0)
    browser.login(minor_login)
    page = browser.get(f"/activities/{activity_id}").get_data(True)
    assert "适合未成年人参加" in page and ARTICLE in page
    assert f"/activities/{activity_id}/signup" not in page
    response = browser.post(f"/activities/{activity_id}/signup", {})
    flashed = browser.get(f"/activities/{activity_id}").get_data(True)
    assert response.status_code == 302 and "未满 18 周岁的志愿者不能报名" in flashed
    public = browser.client.get("/activities/").get_data(True)
    assert "不适合未成年人参加" in public
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Signup)) == 0


def test_api(api, app):
    with app.app_context():
        make_station("511302001")
        admin = make_admin("511302001")
        minor, minor_login = make_volunteer(birth=years_ago(16), name="李小华")
        db.session.commit()
        admin_login = admin.username
    api.token(admin_login)
    times = at(4, "21:00", "23:00")
    body = {"title": "夜间巡河", "address": "嘉陵江", "capacity": 5,
            "starts_at": times["starts_at"] + ":00+08:00",
            "ends_at": times["ends_at"] + ":00+08:00"}
    refused = api.post("/api/v1/activities", json={**body, "suitable_for_minors": True})
    assert refused.status_code == 422
    assert "suitable_for_minors" in refused.get_json()["error"]["fields"]
    created = api.post("/api/v1/activities", json=body)
    assert created.status_code == 201 and created.get_json()["suitable_for_minors"] is False
    activity_id = created.get_json()["id"]
    public = api.client.get("/api/v1/public/activities").get_json()["items"]
    assert public[0]["suitable_for_minors"] is False
    api.token(minor_login)
    response = api.post(f"/api/v1/activities/{activity_id}/signups")
    assert response.status_code == 409
    assert ARTICLE in response.get_json()["error"]["message"]


def test_migration_gives_existing_activities_the_rule(app):
    """0012minors: existing night and 应急救援 activities do not suit minors, others do."""
    with app.app_context():
        station = make_station("511302001")
        db.session.commit()
        flask_migrate.downgrade(revision="0011")
        rows = [  # title, category, starts_at, ends_at (naive UTC: Beijing − 8 h)
            ("day", "elderly", "2026-05-01 01:00:00", "2026-05-01 03:00:00"),   # 09–11
            ("evening", "elderly", "2026-05-01 12:00:00", "2026-05-01 15:00:00"),  # 20–23
            ("dawn", "community", "2026-05-01 21:30:00", "2026-05-01 23:00:00"),  # 05:30–07
            ("drill", "emergency", "2026-05-01 01:00:00", "2026-05-01 03:00:00"),
            ("long", "community", "2026-05-01 01:00:00", "2026-05-03 01:00:00"),
        ]
        for title, category, starts, ends in rows:
            db.session.execute(text(
                "INSERT INTO activity (station_id, township_code, title, content, address, "
                "category, starts_at, ends_at, capacity, points_per_hour, status, created_at) "
                "VALUES (:s, '511302001', :t, '', 'x', :c, :a, :b, 5, 0, 'published', :a)"),
                {"s": station.id, "t": title, "c": category, "a": starts, "b": ends})
        db.session.commit()
        flask_migrate.upgrade(revision="heads")
        flags = dict(db.session.execute(text(
            "SELECT title, suitable_for_minors FROM activity")).all())
        assert {title: bool(flag) for title, flag in flags.items()} == {
            "day": True, "evening": False, "dawn": False, "drill": False, "long": False}
