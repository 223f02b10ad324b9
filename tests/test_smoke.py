"""The app starts on a migrated database and answers its bare pages."""


def test_healthz(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_login_page_is_chinese(browser):
    response = browser.get("/login")
    assert response.status_code == 200
    assert "登录" in response.get_data(as_text=True)


def test_login_and_home(browser, make_user):
    username = make_user("county_official", "511302", display_name="李干事")
    response = browser.login(username)
    assert response.status_code == 302
    page = browser.get("/").get_data(as_text=True)
    assert "李干事" in page and "顺庆区" in page
