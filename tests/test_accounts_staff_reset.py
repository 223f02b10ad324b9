"""Regional staff reset a forgotten password to a temporary one (no SMS): a station admin the
township's volunteers, a county official the county's volunteers and station admins; never
their own, never an official's or an administrator's; shown once, audited without it, to be
changed at the first login."""

import re

import pytest
from sqlalchemy import select

from registry import accounts
from registry.extensions import db
from registry.models import AuditEntry, User
from registry.volunteers.models import Volunteer
from tests.test_activities_helpers import make_station
from tests.test_volunteers_pages import PASSWORD, add_volunteer

PHONE = "13800000021"
TEMP = re.compile(r"Tmp-[\w-]+7a")


def user_id(app, username):
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def volunteer_user(app, vid):
    with app.app_context():
        return db.session.get(Volunteer, vid).user_id


def audit_text(app, uid) -> str:
    with app.app_context():
        rows = db.session.execute(select(AuditEntry.action, AuditEntry.comment,
                                         AuditEntry.changes).where(
            AuditEntry.object_type == "User", AuditEntry.object_id == str(uid))).all()
        return " ".join(str(row) for row in rows)


def test_station_admin_resets_a_volunteer_on_the_page(app, browser, make_user):
    vid = add_volunteer(app, status="active")
    foreign = add_volunteer(app, township="511302002", phone="13800000022", seq="902")
    browser.login(make_user("station_admin", "511302001"))
    page = browser.get(f"/volunteers/{vid}").get_data(as_text=True)
    assert "重置登录密码" in page
    response = browser.post(f"/volunteers/{vid}/reset-password", follow_redirects=True)
    text = response.get_data(as_text=True)
    password = TEMP.search(text).group(0)
    assert "只显示这一次" in text
    # Shown once: the next view of the page does not show it again.
    assert password not in browser.get(f"/volunteers/{vid}").get_data(as_text=True)
    # Another township's volunteer: as if it did not exist.
    assert browser.post(f"/volunteers/{foreign}/reset-password").status_code == 404
    uid = volunteer_user(app, vid)
    logged = audit_text(app, uid)
    assert "reset_password" in logged and password not in logged
    # The old password no longer works; the temporary one must be changed first.
    volunteer = type(browser)(app.test_client())
    assert volunteer.login(PHONE, PASSWORD).status_code != 302
    response = volunteer.login(PHONE, password)
    assert response.status_code == 302
    assert volunteer.get("/me/").status_code == 302
    assert "/account/password" in volunteer.get("/me/").location


def test_volunteer_without_login(app, browser, make_user):
    with app.app_context():
        from tests.test_activities_helpers import make_volunteer
        volunteer, _ = make_volunteer(login=False)
        db.session.commit()
        vid = volunteer.id
    browser.login(make_user("station_admin", "511302001"))
    response = browser.post(f"/volunteers/{vid}/reset-password", follow_redirects=True)
    assert "尚未开通登录账号" in response.get_data(as_text=True)


def test_county_official_resets_station_admins_not_officials(app, browser, make_user):
    admin = make_user("station_admin", "511302001")
    other_county_admin = make_user("station_admin", "511303001")
    county = make_user("county_official", "511302")
    with app.app_context():
        station = make_station("511302001")
        other = make_station("511303001")
        db.session.commit()
        sid, other_sid = station.id, other.id
    browser.login(county)
    page = browser.get(f"/stations/{sid}").get_data(as_text=True)
    assert "重置登录密码" in page
    admin_id = user_id(app, admin)
    response = browser.post(f"/stations/{sid}/admins/{admin_id}/reset-password",
                            follow_redirects=True)
    assert TEMP.search(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(User, admin_id).must_change_password
    foreign_id = user_id(app, other_county_admin)
    assert browser.post(f"/stations/{other_sid}/admins/{foreign_id}/reset-password"
                        ).status_code == 404
    assert browser.post(f"/stations/{sid}/admins/{foreign_id}/reset-password"
                        ).status_code == 404
    # A city official resets none (the county and the township are nearer).
    city = type(browser)(app.test_client())
    city.login(make_user("city_official", "511300"))
    assert "重置登录密码" not in city.get(f"/stations/{sid}").get_data(as_text=True)
    response = city.post(f"/stations/{sid}/admins/{admin_id}/reset-password",
                         follow_redirects=True)
    assert "不能重置" in response.get_data(as_text=True)


@pytest.mark.parametrize("actor_role, actor_region, target_role, target_region, allowed", [
    ("station_admin", "511302001", "volunteer", "511302001", True),
    ("station_admin", "511302001", "volunteer", "511302002", False),
    ("station_admin", "511302001", "station_admin", "511302001", False),
    ("county_official", "511302", "volunteer", "511302002", True),
    ("county_official", "511302", "station_admin", "511302002", True),
    ("county_official", "511302", "volunteer", "511303001", False),
    ("county_official", "511302", "county_official", "511302", False),
    ("county_official", "511302", "org_admin", "511302", False),
    ("county_official", "511302", "system_admin", "511300", False),
    ("county_official", "511302", "auditor", "511300", False),
    ("city_official", "511300", "volunteer", "511302001", False),
    ("city_official", "511300", "county_official", "511302", False),
])
def test_reset_rule_through_the_api(app, api, make_user, actor_role, actor_region,
                                    target_role, target_region, allowed):
    actor = make_user(actor_role, actor_region)
    phone = "13800000088" if target_role == "volunteer" else None
    target = make_user(target_role, target_region, phone=phone)
    target_id = user_id(app, target)
    api.token(actor)
    response = api.post(f"/api/v1/users/{target_id}/reset-password")
    if actor_role == "city_official":  # not among the endpoint's roles... or not resettable
        assert response.status_code in (403, 404)
    else:
        assert response.status_code == (200 if allowed else 404), response.get_json()
    with app.app_context():
        user = db.session.get(User, target_id)
        assert user.must_change_password is allowed
    if allowed:
        password = response.get_json()["temporary_password"]
        assert response.get_json()["must_change_password"] is True
        assert password not in audit_text(app, target_id)
        login = target if target_role != "volunteer" else phone
        api.token(login, password)
        assert api.get("/api/v1/me/points").status_code == 403  # must change it first


def test_never_ones_own(app, api, make_user):
    county = make_user("county_official", "511302")
    api.token(county)
    response = api.post(f"/api/v1/users/{user_id(app, county)}/reset-password")
    assert response.status_code == 403
    with app.app_context():
        assert not accounts.may_reset_password(*[db.session.get(User, user_id(app, county))] * 2)


def test_volunteer_reset_endpoint(app, api, make_user):
    vid = add_volunteer(app, status="active")
    foreign = add_volunteer(app, township="511303001", region="511303", phone="13800000022",
                            seq="902")
    api.token(make_user("county_official", "511302"))
    assert api.post(f"/api/v1/volunteers/{foreign}/reset-password").status_code == 404
    response = api.post(f"/api/v1/volunteers/{vid}/reset-password")
    assert response.status_code == 200
    body = response.get_json()
    assert body["user_id"] == volunteer_user(app, vid) and TEMP.fullmatch(
        body["temporary_password"])
    api.token(make_user("city_official", "511300"))
    assert api.post(f"/api/v1/volunteers/{vid}/reset-password").status_code == 403
