"""The API obeys the pages' password rules: a token of an account that must change its
password reaches only POST /me/password and DELETE /auth/token; logout can end every token."""

from datetime import timedelta

from sqlalchemy import select

from registry import accounts
from registry.extensions import db
from registry.models import User
from tests.conftest import PASSWORD, ApiClient, Browser

NEW = "Brand#New2026x"


def temporary_account(app):
    with app.app_context():
        _, password = accounts.create_user("tempstaff", None, "county_official", "511302", "临时")
        db.session.commit()
    return password


def test_a_temporary_password_token_can_only_change_the_password(app, api):
    temp = temporary_account(app)
    response = api.client.post("/api/v1/auth/token", json={"login": "tempstaff",
                                                           "password": temp})
    assert response.get_json()["must_change_password"] is True
    api.bearer = response.get_json()["token"]
    for call in (lambda: api.get("/api/v1/me"), lambda: api.get("/api/v1/volunteers"),
                 lambda: api.get("/api/v1/stats/overview")):
        answer = call()
        assert answer.status_code == 403
        assert answer.get_json()["error"]["code"] == "password_change_required"
    wrong = api.post("/api/v1/me/password", json={"current_password": "nope",
                                                  "new_password": NEW})
    assert wrong.status_code == 422 and "current_password" in wrong.get_json()["error"]["fields"]
    weak = api.post("/api/v1/me/password", json={"current_password": temp,
                                                 "new_password": "weak"})
    assert weak.status_code == 422 and "new_password" in weak.get_json()["error"]["fields"]
    # Another token and a web session opened with the temporary password end on the change.
    other = ApiClient(app.test_client())
    other.token("tempstaff", temp)
    page = Browser(app.test_client())
    page.login("tempstaff", temp)
    assert api.post("/api/v1/me/password", json={"current_password": temp,
                                                 "new_password": NEW}).status_code == 204
    assert api.get("/api/v1/me").status_code == 200  # the token it was changed with stays
    assert other.get("/api/v1/me").status_code == 401
    assert page.get("/account/password").status_code == 302
    ApiClient(app.test_client()).token("tempstaff", NEW)


def test_an_expired_staff_password_blocks_the_api_too(app, api, make_user):
    username = make_user("county_official", "511302")
    api.token(username)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        user.password_changed_at -= timedelta(days=91)
        db.session.commit()
    answer = api.get("/api/v1/volunteers")
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "password_change_required"
    assert api.delete("/api/v1/auth/token").status_code == 204
    assert api.get("/api/v1/me").status_code == 401


def test_logout_everywhere_ends_every_token(app, make_user):
    username = make_user("station_admin", "511302001")
    first, second, third = (ApiClient(app.test_client()) for _ in range(3))
    for client in (first, second, third):
        client.token(username)
    assert first.delete("/api/v1/auth/token").status_code == 204
    assert first.get("/api/v1/me").status_code == 401
    assert second.get("/api/v1/me").status_code == 200  # only the one sent
    assert second.delete("/api/v1/auth/token?all=1").status_code == 204
    assert third.get("/api/v1/me").status_code == 401
    ApiClient(app.test_client()).token(username, PASSWORD)
