"""API skeleton: tokens, /me, the error shape, pagination, the OpenAPI document."""

import pytest
from flask import Flask

from registry.extensions import db
from registry.models import User
from registry.pagination import encode_cursor, paginate_query
from registry.scoping import visible_select


def assert_error(response, status, code):
    assert response.status_code == status
    assert response.is_json
    body = response.get_json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_token_me_and_revoke(api, make_user):
    username = make_user("county_official", "511302", display_name="李干事", phone="13900001111")
    response = api.client.post("/api/v1/auth/token", json={"login": username,
                                                          "password": "Test#Passw0rd"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["expires_at"].endswith("+08:00")
    assert body["user"]["role"] == "county_official" and body["user"]["region_code"] == "511302"
    api.bearer = body["token"]
    me = api.get("/api/v1/me").get_json()
    assert me["display_name"] == "李干事" and me["phone"] == "13900001111"
    assert api.delete("/api/v1/auth/token").status_code == 204
    assert_error(api.get("/api/v1/me"), 401, "unauthorized")


def test_volunteer_logs_in_with_mobile_number(api, make_user):
    make_user("volunteer", "511302001", phone="13712345678")
    api.token("13712345678")
    assert api.get("/api/v1/me").get_json()["role"] == "volunteer"


def test_wrong_password_counts_toward_lockout(api, make_user):
    username = make_user("county_official", "511302")
    for _ in range(4):
        error = assert_error(api.post("/api/v1/auth/token",
                                      json={"login": username, "password": "Wrong#1234x"}),
                             401, "unauthorized")
    error = assert_error(api.post("/api/v1/auth/token",
                                  json={"login": username, "password": "Wrong#1234x"}),
                         401, "unauthorized")
    assert "锁定" in error["message"]
    error = assert_error(api.post("/api/v1/auth/token",
                                  json={"login": username, "password": "Test#Passw0rd"}),
                         401, "unauthorized")
    assert "锁定" in error["message"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "login"),
        ({"login": 5, "password": "x"}, "login"),
        ({"login": "x" * 10_000, "password": "x"}, "login"),
        ({"login": "a", "password": "b", "extra": 1}, "extra"),
    ],
)
def test_token_bad_bodies_are_422_with_fields(api, body, field):
    error = assert_error(api.post("/api/v1/auth/token", json=body), 422, "validation_error")
    assert field in error["fields"]
    assert all(all(ord(c) < 128 for c in m) is False or m for m in error["fields"][field])


def test_missing_data_message_is_chinese(api):
    error = assert_error(api.post("/api/v1/auth/token", json={"password": "x"}), 422,
                         "validation_error")
    assert error["fields"]["login"] == ["此项为必填项"]


def test_not_json_and_broken_json(api):
    response = api.client.post("/api/v1/auth/token", data=b"\xff\xfe{not json",
                               content_type="application/json")
    assert response.status_code in (400, 422) and "error" in response.get_json()
    response = api.client.post("/api/v1/auth/token", data="login=a", content_type="text/plain")
    assert response.status_code in (400, 415, 422) and "error" in response.get_json()


def test_unknown_path_and_bad_token_are_json(api):
    assert_error(api.get("/api/v1/nope"), 404, "not_found")
    api.bearer = "forged"
    assert_error(api.get("/api/v1/me"), 401, "unauthorized")
    api.bearer = "x" * 5000
    assert_error(api.get("/api/v1/me"), 401, "unauthorized")


def test_wrong_method_is_json(api):
    response = api.client.put("/api/v1/me")
    assert response.status_code == 405 and response.get_json()["error"]["code"] == "bad_request"


def test_token_rate_limit_is_json_429(app, api):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    for _ in range(2):
        api.post("/api/v1/auth/token", json={"login": "nobody", "password": "x"})
    assert_error(api.post("/api/v1/auth/token", json={"login": "nobody", "password": "x"}),
                 429, "rate_limited")


def test_openapi_document_lists_the_skeleton(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/auth/token", "/api/v1/me"):
        assert path in spec["paths"]
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_healthz_is_outside_the_api(app):
    assert app.test_client().get("/healthz").get_json() == {"status": "ok"}


def _users(app, n):
    from registry import accounts

    with app.app_context():
        for i in range(n):
            accounts.create_user(f"pageuser{i:02d}", "Test#Passw0rd", "county_official", "511302",
                                 f"用户{i}")
        db.session.commit()


def test_pagination_pages_and_cursor_agree(app):
    _users(app, 25)
    with app.app_context():
        admin = User(id=0, role="system_admin", region_code="511300", username="x",
                     display_name="x", password_hash="x", active=True)
        stmt = visible_select(admin, User).order_by(User.id.desc())
        first = paginate_query(stmt, User.id, {"per_page": "10"})
        assert first.total == 25 and len(first.items) == 10 and first.next_cursor
        second = paginate_query(stmt, User.id, {"per_page": "10", "cursor": first.next_cursor})
        by_page = paginate_query(stmt, User.id, {"per_page": "10", "page": "2"})
        assert [u.id for u in second.items] == [u.id for u in by_page.items]
        last = paginate_query(stmt, User.id, {"per_page": "10", "page": "3"})
        assert len(last.items) == 5 and last.next_cursor is None


def test_pagination_count_cap(app):
    _users(app, 25)
    with app.app_context():
        admin = User(id=0, role="system_admin", region_code="511300", username="x",
                     display_name="x", password_hash="x", active=True)
        stmt = visible_select(admin, User).order_by(User.id.desc())
        capped = paginate_query(stmt, User.id, {"per_page": "10"}, count_cap=20)
        assert capped.total is None and capped.extra == {"total_capped": True}
        exact = paginate_query(stmt, User.id, {"per_page": "10"}, count_cap=30)
        assert exact.total == 25 and exact.extra == {}
        deep = paginate_query(stmt, User.id, {"cursor": capped.next_cursor}, count_cap=30)
        assert deep.total is None and len(deep.items) == 15


@pytest.mark.parametrize(
    "args, field",
    [
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"per_page": "101"}, "per_page"),
        ({"per_page": "-1"}, "per_page"),
        ({"cursor": "!!!"}, "cursor"),
        ({"cursor": encode_cursor(-5)}, "cursor"),
    ],
)
def test_bad_paging_is_a_validation_error(app, args, field):
    from registry.errors import ValidationFailed

    with app.app_context():
        admin = User(id=0, role="system_admin", region_code="511300", username="x",
                     display_name="x", password_hash="x", active=True)
        with pytest.raises(ValidationFailed) as error:
            paginate_query(visible_select(admin, User).order_by(User.id.desc()), User.id, args)
        assert field in error.value.fields


def test_production_refuses_to_start_without_secrets(monkeypatch):
    from config import ProductionConfig
    from registry import create_app

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError) as error:
        create_app("production")
    assert "REGISTRY_SECRET_KEY" in str(error.value)


def test_production_never_loads_demo_data(monkeypatch, database_url):
    from config import ProductionConfig, TestingConfig
    from registry import create_app

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "k" * 32)
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", database_url)
    monkeypatch.setattr(ProductionConfig, "ENCRYPTION_KEY", TestingConfig.ENCRYPTION_KEY)
    monkeypatch.setattr(ProductionConfig, "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(ProductionConfig, "AUDIT_KEY", TestingConfig.AUDIT_KEY)
    app = create_app("production")
    assert isinstance(app, Flask)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1 and "生产" in result.output
    with app.app_context():
        db.engine.dispose()


def test_security_headers_on_pages_and_api(app):
    client = app.test_client()
    for url in ("/login", "/api/v1/me", "/healthz"):
        headers = client.get(url).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_session_cookie_is_httponly_and_samesite(browser, make_user):
    browser.login(make_user("county_official", "511302"))
    cookie = browser.client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_no_page_loads_anything_from_the_internet(browser, make_user):
    browser.login(make_user("city_official", "511300"))
    for url in ("/", "/login", "/audit/", "/admin/"):
        page = browser.get(url).get_data(as_text=True)
        assert "http://" not in page.replace("http://127.0.0.1", "") or "cdn" not in page
        assert "cdn." not in page and "googleapis" not in page


def test_me_gives_a_volunteer_their_own_full_record(app, api):
    app.test_cli_runner().invoke(args=["seed-demo"])
    api.token("13800000001", "Nanchong#2026")
    me = api.get("/api/v1/me").get_json()
    record = me["volunteer"]
    assert record["phone"] == "13800000001"
    assert "*" not in record["id_number"] and len(record["id_number"]) == 18
    assert record["created_at"].endswith("+08:00")


def test_me_has_no_volunteer_record_for_staff(api, make_user):
    api.token(make_user("county_official", "511302"))
    assert api.get("/api/v1/me").get_json()["volunteer"] is None
