"""In a real browser (Playwright + the machine's Chromium): the pages load their vendored
assets under the Content-Security-Policy, and a person can log in and out."""

import shutil
import threading

import pytest
from conftest import requires
from werkzeug.serving import make_server

from registry.demo import DEMO_PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = requires(shutil.which("chromium"), "Debian's chromium (.ci/run installs it)")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_url(app):
    app.test_cli_runner().invoke(args=["seed-demo"])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.problems = []
        page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
        page.on("response", lambda r: page.problems.append(f"{r.status} {r.url}")
                if r.status >= 400 else None)
        yield page
        browser.close()


def test_login_logout_in_a_browser(live_url, page):
    page.goto(live_url + "/login")
    assert page.evaluate("getComputedStyle(document.querySelector('.btn-primary')).display")
    page.fill("#login", "gaoping")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    assert "高坪区" in page.inner_text(".jurisdiction-bar")
    page.click(".navbar-toggler")  # phone width: the menu collapses; Bootstrap's JS opens it
    page.locator("#mainNav.show").wait_for()  # the collapse has finished opening
    page.click("text=高坪区民政局 赵干事")
    page.locator("text=退出登录").wait_for(state="visible")
    page.click("text=退出登录")
    assert "已退出登录" in page.inner_text("main")
    assert page.problems == []


def test_wrong_password_shows_a_chinese_message(live_url, page):
    page.goto(live_url + "/login")
    page.fill("#login", "gaoping")
    page.fill("#password", "Wrong#Passw0rd")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.inner_text("form")


def admin_list_urls(app, username: str) -> list[str]:
    """Every back-office list the user can open."""
    from flask_admin.model import BaseModelView

    with app.app_context():
        admin = app.extensions["admin"][0]
        return [view.url + "/" for view in admin._views if isinstance(view, BaseModelView)]


def test_back_office_runs_under_the_csp(app, live_url, page):
    """Every list, its filter menu and its links work with no CSP violation (no inline
    handlers, no javascript: navigation)."""
    for username in ("sysadmin", "city"):
        page.goto(live_url + "/login")
        page.fill("#login", username)
        page.fill("#password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        opened = 0
        for url in admin_list_urls(app, username):
            response = page.goto(live_url + url)
            if response.status != 200:  # a view this role may not open
                page.problems.clear()
                continue
            opened += 1
            page.click("a.nav-link.active")  # the list tab is a "#" link: it must not navigate
            if page.locator("a.filter").count():
                page.click("text=添加过滤器" if page.locator("text=添加过滤器").count()
                           else ".field-filters >> xpath=..")
                page.locator("a.filter").first.click()
                assert page.locator(".filter-op").count() >= 1, url  # the filter row appeared
            assert page.problems == [], (username, url, page.problems)
        assert opened >= 2, username
        page.context.clear_cookies()
