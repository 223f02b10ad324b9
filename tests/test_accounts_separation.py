"""三员分立 and account rules found by the i9 security probe: the system administrator cannot
take over accounts by resetting their passwords; usernames hold no ID number or phone and do
not take a volunteer's number; no account changes its own region; a token that must change
its password reaches nothing else; wrong current passwords count toward the lockout."""

import re

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.models import ApiToken, User

DEMO = "Nanchong#2026"
ID_NO = "511302199001011234"
FLASH_PW = re.compile(r"临时密码[：:]\s*(\S+?)[（(]")


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return app


def _user(app, username):
    with app.app_context():
        return db.session.scalar(select(User).where(User.username == username))


def _reset(browser, user, url="/admin/user/edit/"):
    return browser.post(f"{url}?id={user.id}", {
        "username": user.username, "display_name": user.display_name, "phone": "",
        "active": "y", "reset_password": "y", "role": user.role,
        "region_code": user.region_code}, follow_redirects=True).get_data(as_text=True)


@pytest.mark.parametrize("username", ["secadmin", "auditor"])
def test_sysadmin_cannot_reset_an_administrators_password(demo, browser, username):
    target = _user(demo, username)
    browser.login("sysadmin", DEMO)
    form = browser.get(f"/admin/user/edit/?id={target.id}").get_data(as_text=True)
    assert 'name="reset_password"' not in form
    assert not FLASH_PW.search(_reset(browser, target))
    assert _user(demo, username).password_hash == target.password_hash


def test_sysadmin_cannot_reset_a_volunteers_password(demo, browser):
    with demo.app_context():
        target = db.session.scalar(select(User).where(User.phone == "13800000001",
                                                      User.role == "volunteer"))
    browser.login("sysadmin", DEMO)
    assert not FLASH_PW.search(_reset(browser, target))
    assert _user(demo, target.username).password_hash == target.password_hash


def test_sysadmin_still_resets_an_officials_password(demo, browser):
    target = _user(demo, "shunqing")
    browser.login("sysadmin", DEMO)
    assert FLASH_PW.search(_reset(browser, target))
    assert _user(demo, "shunqing").must_change_password


def test_security_admin_resets_the_system_administrators_password(demo, browser):
    target = _user(demo, "sysadmin")
    browser.login("secadmin", DEMO)
    assert FLASH_PW.search(_reset(browser, target, "/admin/user-roles/edit/"))
    own = _user(demo, "secadmin")
    form = browser.get(f"/admin/user-roles/edit/?id={own.id}").get_data(as_text=True)
    assert 'name="reset_password"' not in form


@pytest.mark.parametrize("where", ["admin_new", "org_signup", "station_appoint"])
@pytest.mark.parametrize("username", [ID_NO, "zs" + ID_NO[:-1] + "X", "V51130200112345678"])
def test_usernames_hold_no_id_number_nor_a_volunteer_number(demo, browser, where, username):
    if where == "admin_new":
        browser.login("sysadmin", DEMO)
        browser.post("/admin/user/new/", {"username": username, "display_name": "张三",
                                          "phone": ""}, follow_redirects=True)
    elif where == "org_signup":
        browser.refresh_token("/registry/signup")
        browser.post("/registry/signup", {
            "username": username, "display_name": "张三", "phone": "13700000011",
            "password": "Abcdef#12345", "confirm": "Abcdef#12345"}, follow_redirects=True)
    else:
        from registry.volunteers.models import Station
        with demo.app_context():
            sid = db.session.scalar(select(Station.id).where(
                Station.township_code == "511302001"))
        browser.login("shunqing", DEMO)
        browser.post(f"/stations/{sid}/admins", {"username": username, "display_name": "张三",
                                                  "phone": ""}, follow_redirects=True)
    assert _user(demo, username) is None


def test_a_volunteer_number_stays_free_for_the_volunteers_login(demo, browser):
    from registry.volunteers.models import Station, Volunteer
    with demo.app_context():
        vol = db.session.scalar(select(Volunteer).where(
            Volunteer.user_id.is_(None), Volunteer.township_code == "511302001"))
        if vol is None:
            pytest.skip("no volunteer without a login in 中城街道")
        vid, number = vol.id, vol.volunteer_no
        sid = db.session.scalar(select(Station.id).where(Station.township_code == "511302001"))
    browser.login("shunqing", DEMO)
    browser.post(f"/stations/{sid}/admins", {"username": number, "display_name": "王五",
                                              "phone": ""})
    assert _user(demo, number) is None
    from tests.conftest import Browser
    station = Browser(demo.test_client())
    station.login("zhongcheng", DEMO)
    assert station.post(f"/volunteers/{vid}/create-login", {}).status_code < 400
    assert _user(demo, number).role == "volunteer"


def test_a_representatives_application_keeps_their_region(demo, make_user, api):
    from registry.organizations.demo import sample_data
    rep = make_user("org_admin", "511300")
    api.token(rep)
    data = sample_data(region_code="511303")
    data["founded_on"] = None
    response = api.post("/api/v1/organizations", json=data)
    assert response.status_code == 201, response.get_json()
    user = _user(demo, rep)
    assert user.region_code == "511300"
    assert user.organization_id == response.get_json()["id"]
    with demo.app_context():
        assert db.session.scalar(select(ApiToken.id).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))


@pytest.mark.parametrize("url", ["/api/v1/public/stations", "/api/v1/public/organizations",
                                 "/api/v1/public/activities"])
def test_a_token_that_must_change_its_password_reaches_no_public_route(demo, api, url):
    api.token("shunqing", DEMO)
    assert api.get(url).status_code == 200
    with demo.app_context():
        db.session.scalar(select(User).where(User.username == "shunqing")
                          ).must_change_password = True
        db.session.commit()
    response = api.get(url)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "password_change_required"


def test_wrong_current_passwords_count_toward_the_lockout(demo, api):
    api.token("shunqing", DEMO)
    answers = [api.post("/api/v1/me/password", json={
        "current_password": f"Guess#{i:04d}xx", "new_password": "Brand#New2026x"}).status_code
        for i in range(5)]
    assert answers[:4] == [422] * 4 or answers[:4] == [400] * 4, answers
    assert _user(demo, "shunqing").locked_until is not None
    assert api.get("/api/v1/me").status_code == 401  # the lock ended the token


def test_wrong_current_passwords_on_the_page_count_too(demo, browser):
    browser.login("shunqing", DEMO)
    for i in range(5):
        browser.post("/account/password", {"current_password": f"Guess#{i:04d}xx",
                                            "new_password": "Brand#New2026x",
                                            "confirm": "Brand#New2026x"})
    assert _user(demo, "shunqing").locked_until is not None
