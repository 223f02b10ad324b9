"""At phone width (375 px), in a real browser: the key pages of a station admin, a volunteer
and a visitor scroll only up and down, no table column squeezes text below ~3 CJK characters,
buttons are thumb-sized, and the public list's county select brings its townships."""
# ruff: noqa: F811  (live_url: a fixture imported from test_browser)

import pytest
from sqlalchemy import select
from test_browser import ARGS, CHROMIUM, live_url, pytestmark  # noqa: F401  (fixture, marker)

from registry.activities.models import Activity
from registry.demo import DEMO_PASSWORD
from registry.extensions import db

PHONE = {"width": 375, "height": 812}

# Layout problems on the page, measured as a person would see them.
MEASURE = """() => {
  const problems = [];
  const overflow = document.documentElement.scrollWidth - window.innerWidth;
  if (overflow > 0) problems.push('scrolls sideways by ' + overflow + ' px');
  for (const cell of document.querySelectorAll('main td, main th')) {
    const box = cell.getBoundingClientRect();
    const text = cell.innerText.trim();
    if (!box.width || !text) continue;
    const size = parseFloat(getComputedStyle(cell).fontSize);
    if (box.width < 2.8 * size) problems.push('narrow cell ' + text.slice(0, 10) + ': '
                                              + box.width);
  }
  const targets = document.querySelectorAll('main .btn, main .form-control, main .form-select');
  for (const target of targets) {
    const box = target.getBoundingClientRect();
    if (box.width && box.height < 43.5) problems.push('small target '
        + target.innerText.trim().slice(0, 10) + ': ' + box.height);
  }
  return problems;
}"""


@pytest.fixture
def phone():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=PHONE)
        page.problems = []
        page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
        page.on("response", lambda r: page.problems.append(f"{r.status} {r.url}")
                if r.status >= 400 else None)
        yield page
        browser.close()


def log_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/login")
    page.fill("#login", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.locator(".jurisdiction-bar").wait_for()


def check(page, url: str) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    assert page.evaluate(MEASURE) == [], url


def test_key_pages_fit_a_phone(app, live_url, phone):
    with app.app_context():
        ids = list(db.session.scalars(select(Activity.id).where(
            Activity.township_code == "511302001").order_by(Activity.id)))
    assert ids
    for url in ("/", "/activities/", "/activities/?county=511302", "/login"):
        check(phone, live_url + url)

    log_in(phone, live_url, "zhongcheng")  # 中城街道's station admin
    for url in ["/", "/activities/", "/activities/new"] + [
            f"/activities/{i}{tail}" for i in ids for tail in ("", "/service")]:
        check(phone, live_url + url)
    # The check-in list is cards: each person's name on one line, a full-width button.
    phone.goto(f"{live_url}/activities/{ids[-1]}")
    if phone.locator("#signups ~ .table-responsive tbody tr td.stack-title").count():
        name = phone.locator("#signups ~ .table-responsive td.stack-title .cjk-name").first
        assert name.bounding_box()["height"] < 2 * 24  # one line, not one character a line

    log_in(phone, live_url, "13800000001")  # a volunteer of 中城街道
    for url in ("/", "/activities/", "/me/", "/me/activities", "/me/service", "/me/points",
                f"/activities/{ids[0]}"):
        check(phone, live_url + url)
    assert phone.problems == []


def test_public_list_chooses_county_then_township(live_url, phone):
    phone.goto(live_url + "/activities/")
    assert phone.locator("#township").is_disabled()
    with phone.expect_navigation():
        phone.select_option("#county", label="顺庆区")  # the nonce'd script submits the form
    assert "county=511302" in phone.url
    townships = phone.locator("#township option").all_inner_texts()
    assert "中城街道" in townships and "白塔街道" not in townships
    with phone.expect_navigation():
        phone.select_option("#township", label="中城街道")
        phone.click("#region-filter button[type=submit]")
    assert "township=511302001" in phone.url
    cards = phone.locator("main .card").all_inner_texts()
    assert cards and all("中城街道" in card for card in cards)
    assert all("剩余" in card or "已满" in card for card in cards)
    assert phone.evaluate(MEASURE) == []
    assert phone.problems == []


def test_the_menu_bar_fits_a_desktop_in_both_languages(live_url):
    """At 1280 px every role's menu bar stays inside the page, in Chinese and in English (the
    longer English labels wrap onto a second line instead of pushing the page sideways)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for username in (None, "city", "shunqing", "zhongcheng", "13800000001", "sysadmin",
                         "secadmin", "auditor"):
            if username:
                log_in(page, live_url, username)
            else:
                page.context.clear_cookies()
            for code in ("zh_Hans_CN", "en"):
                page.goto(f"{live_url}/lang/{code}?next=/")
                page.goto(live_url + "/")
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, (username, code, overflow)
                # Chinese, the platform's first language, keeps the bar on one line.
                if code == "zh_Hans_CN":
                    assert page.evaluate("document.querySelector('nav.navbar').offsetHeight") < 70
        browser.close()
