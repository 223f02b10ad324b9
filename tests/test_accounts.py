"""Login, lockout, password policy, idle timeout and ending sessions, through the web pages."""

import time

import pytest
from sqlalchemy import select

from registry import accounts
from registry.errors import ValidationFailed
from registry.extensions import db
from registry.models import User
from registry.validators import check_password
from tests.conftest import PASSWORD


def test_login_lands_on_home_with_role_and_jurisdiction(browser, make_user):
    username = make_user("county_official", "511303", display_name="赵干事")
    assert browser.login(username).status_code == 302
    page = browser.get("/").get_data(as_text=True)
    assert "赵干事" in page and "高坪区" in page and "县级民政干部" in page


def test_wrong_password_is_refused_in_chinese(browser, make_user):
    username = make_user("station_admin", "511302001")
    response = browser.login(username, "Wrong#Passw0rd")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert browser.get("/audit/").status_code == 302  # still anonymous: sent to login


def test_five_failures_lock_the_account_for_30_minutes(app, browser, make_user):
    username = make_user("county_official", "511302")
    for _ in range(4):
        browser.login(username, "Wrong#Passw0rd")
    page = browser.login(username, "Wrong#Passw0rd").get_data(as_text=True)
    assert "锁定" in page
    # Even the right password is refused while locked.
    page = browser.login(username, PASSWORD).get_data(as_text=True)
    assert "锁定" in page
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        assert user.locked_until is not None
        user.locked_until = None  # 30 minutes later
        db.session.commit()
    assert browser.login(username, PASSWORD).status_code == 302


def test_failures_outside_the_window_do_not_lock(app, browser, make_user, monkeypatch):
    username = make_user("county_official", "511302")
    for _ in range(4):
        browser.login(username, "Wrong#Passw0rd")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        from datetime import timedelta

        user.failed_window_start -= timedelta(minutes=16)
        db.session.commit()
    page = browser.login(username, "Wrong#Passw0rd").get_data(as_text=True)
    assert "已锁定" not in page
    assert browser.login(username, PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "password, message",
    [
        ("Short#1a", "至少 10 个字符"),
        ("alllowercase123", "至少三类"),
        ("Alice#Passw0rd", "不能包含用户名"),
        ("x" * 200, "不能超过"),
    ],
)
def test_password_policy(password, message):
    with pytest.raises(ValidationFailed) as error:
        check_password(password, "alice")
    assert message in error.value.message


def test_password_policy_accepts_three_classes():
    assert check_password("nanchong-2026x", "alice")


def test_first_login_with_temporary_password_must_change_it(app, browser):
    with app.app_context():
        user, temp = accounts.create_user("newstaff", None, "station_admin", "511302001", "新员工")
        db.session.commit()
    browser.login("newstaff", temp)
    response = browser.get("/")
    assert response.status_code == 302 and "/account/password" in response.location
    page = browser.post("/account/password", {"current_password": temp, "new_password": "weak",
                                              "confirm": "weak"}).get_data(as_text=True)
    assert "至少 10 个字符" in page
    response = browser.post("/account/password", {"current_password": temp,
                                                  "new_password": "Brand#New2026",
                                                  "confirm": "Brand#New2026"})
    assert response.status_code == 302
    assert browser.get("/").status_code == 200


def test_staff_password_expires_after_90_days(app, browser, make_user):
    username = make_user("county_official", "511302")
    with app.app_context():
        from datetime import timedelta

        user = db.session.scalar(select(User).where(User.username == username))
        user.password_changed_at -= timedelta(days=91)
        db.session.commit()
    browser.login(username)
    response = browser.get("/")
    assert response.status_code == 302 and "/account/password" in response.location


def test_staff_session_expires_after_15_idle_minutes(browser, make_user, monkeypatch):
    username = make_user("county_official", "511302")
    browser.login(username)
    assert browser.get("/").status_code == 200
    later = time.time() + 16 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    response = browser.get("/")
    assert response.status_code == 302 and "/login" in response.location


def test_activity_keeps_a_staff_session_alive_without_a_new_cookie_per_page(
        browser, make_user, monkeypatch):
    username = make_user("county_official", "511302")
    browser.login(username)
    start = time.time()
    clock = {"now": start}
    monkeypatch.setattr(time, "time", lambda: clock["now"])
    assert browser.get("/").status_code == 200
    # Within the minute the session is unchanged: no cookie to sign and send again.
    clock["now"] = start + 30
    assert "Set-Cookie" not in browser.get("/").headers
    # Each page after that moves the idle clock: 10 + 10 minutes of use stays signed in.
    clock["now"] = start + 10 * 60
    assert browser.get("/").status_code == 200
    clock["now"] = start + 20 * 60
    assert browser.get("/").status_code == 200
    clock["now"] = start + 36 * 60
    response = browser.get("/")
    assert response.status_code == 302 and "/login" in response.location


def test_logout_kills_a_copied_session_cookie(app, make_user):
    username = make_user("county_official", "511302")
    from tests.conftest import Browser

    first = Browser(app.test_client())
    first.login(username)
    cookie = first.client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/").status_code == 200
    assert "已退出" in first.post("/logout", follow_redirects=True).get_data(as_text=True)
    response = thief.get("/audit/")
    assert response.status_code == 302 and "/login" in response.location


def test_password_change_ends_other_sessions(app, make_user):
    from tests.conftest import Browser

    username = make_user("county_official", "511302")
    laptop, phone = Browser(app.test_client()), Browser(app.test_client())
    laptop.login(username)
    phone.login(username)
    response = laptop.post("/account/password", {"current_password": PASSWORD,
                                                 "new_password": "Another#Pass2026",
                                                 "confirm": "Another#Pass2026"})
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 200  # home is public...
    assert "登录" in phone.get("/").get_data(as_text=True)
    assert phone.get("/account/password").status_code == 302  # ...but the session is gone


def test_no_open_redirect_after_login(browser, make_user):
    username = make_user("county_official", "511302")
    browser.refresh_token("/login")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = browser.client.post("/login", data={"login": username, "password": PASSWORD,
                                                       "csrf_token": browser.token,
                                                       "next": target})
        assert response.status_code == 302, response.get_data(as_text=True)[-600:]
        assert "evil" not in response.location
        browser.refresh_token("/account/password")
        assert browser.post("/logout").status_code == 302
        browser.refresh_token("/login")


def test_login_form_without_csrf_token_is_refused(app, make_user):
    username = make_user("county_official", "511302")
    response = app.test_client().post("/login", data={"login": username, "password": PASSWORD})
    assert response.status_code in (200, 400)
    assert app.test_client().get("/audit/").status_code == 302


@pytest.mark.parametrize("login", ["", "x" * 10_000, "\x01\x02", "名字" * 40])
def test_login_bad_input_is_a_clear_message(browser, login):
    response = browser.post("/login", {"login": login, "password": "whatever"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "请填写用户名" in page or "用户名过长" in page or "用户名或密码错误" in page


def test_nul_characters_are_refused_everywhere(browser, api):
    response = browser.post("/login", {"login": "a\x00b", "password": "whatever"})
    assert response.status_code == 400 and "无效字符" in response.get_data(as_text=True)
    assert browser.get("/audit/?actor=%00").status_code == 400
    response = api.post("/api/v1/auth/token", json={"login": "a\u0000", "password": "x"})
    assert response.status_code == 400 and "无效字符" in response.get_json()["error"]["message"]


def test_login_non_utf8_bytes(browser):
    browser.refresh_token("/login")
    body = b"login=%FF%FE%FD&password=%FF&csrf_token=" + browser.token.encode()
    response = browser.client.post("/login", data=body,
                                   content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_login_rate_limit_per_ip(app, browser):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    statuses = [browser.post("/login", {"login": "nobody", "password": "x"}).status_code
                for _ in range(4)]
    assert statuses[-1] == 429
    assert "请求过于频繁" in browser.post("/login", {"login": "n", "password": "x"}).get_data(
        as_text=True)


def test_chosen_language_survives_login_and_logout(browser, make_user):
    username = make_user("county_official", "511302")
    browser.get("/lang/en")
    browser.login(username)
    with browser.client.session_transaction() as session:
        assert session["lang"] == "en"
    browser.post("/logout")
    with browser.client.session_transaction() as session:
        assert session["lang"] == "en"
