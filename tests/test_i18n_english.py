"""With English chosen, the key pages and the back office show no Chinese but data (names of
people, places, organizations, activities, what people typed); the API answers in English when
asked with Accept-Language: en, bearer token and no session."""

import re

import pytest
from conftest import Browser
from sqlalchemy import String, Text, select

from registry.demo import DEMO_PASSWORD, seed_demo
from registry.extensions import db
from registry.masking import mask_name
from registry.regions import load_regions

HAN = re.compile(r"[\u3400-\u9fff]+")
# Pages per demo account: home pages, lists, the audit log and the back office.
PAGES = {
    "city": ["/", "/organizations/", "/volunteers/", "/stations/", "/audit/",
             "/admin/", "/admin/organization/", "/admin/volunteer/", "/admin/auditentry/",
             "/admin/grant/", "/admin/station/", "/dashboards/", "/monthly-reports/",
             "/notifications/", "/suggestions/manage", "/suggestions/stats"],
    "auditor": ["/", "/audit/", "/audit/?object_type=Volunteer", "/admin/auditentry/"],
    "sysadmin": ["/", "/admin/", "/admin/user/", "/admin/region/?flt0_0=township"],
    "zhongcheng": ["/", "/activities/", "/volunteers/", "/admin/activity/", "/admin/signup/",
                   "/admin/pointsledgerentry/"],
    None: ["/login", "/registry/", "/activities/", "/suggestions/new", "/suggestions/public",
           "/suggestions/track", "/reports/new"],
}


def _data_strings() -> list[str]:
    """Every text value stored in the database (names, titles, addresses, comments ...) and
    its masked form: what pages may show in Chinese whatever the language."""
    values: set[str] = set()
    for mapper in db.Model.registry.mappers:
        table = mapper.class_.__table__
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for value in row:
                if value and HAN.search(value):
                    values.add(value)
                    values.add(mask_name(value))
                    values.update(value.split())
    return sorted(values, key=len, reverse=True)


@pytest.fixture
def demo(app):
    with app.app_context():
        load_regions()
        seed_demo()
        db.session.commit()
        # The language switcher names each language in itself ("中文"), by convention.
        return _data_strings() + list(app.config["LANGUAGES"].values())


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]*>", " ", html)
    return re.sub(r"&[a-z]+;|&#\d+;", " ", html)


def _chinese_left(text: str, data: list[str]) -> list[str]:
    for value in data:
        text = text.replace(value, " ")
    return HAN.findall(text)


@pytest.mark.parametrize("username", list(PAGES))
def test_pages_in_english_show_chinese_only_in_data(app, demo, username):
    browser = Browser(app.test_client())
    if username:
        browser.login(username, DEMO_PASSWORD)
    browser.get("/lang/en")
    leftovers = {}
    for url in PAGES[username]:
        response = browser.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert 'lang="en"' in html or "/admin/" in url, url
        left = _chinese_left(_visible_text(html), demo)
        if left:
            leftovers[url] = left[:10]
    assert leftovers == {}


def test_the_back_office_menu_and_texts_are_english(app, demo):
    browser = Browser(app.test_client())
    browser.login("city", DEMO_PASSWORD)
    browser.get("/lang/en")
    page = browser.get("/admin/organization/").get_data(as_text=True)
    assert "<title>Organizations - Organizations - Nanchong Social Governance" in page
    assert "Add Filter" in page and "Export" in page  # Flask-Admin's own texts
    assert "List" in page


def test_api_answers_in_english_with_accept_language(app, api, make_user):
    username = make_user("county_official", "511302")
    api.token(username)
    english = {"Accept-Language": "en-US,en;q=0.9"}
    missing = api.get("/api/v1/organizations/999999", headers=english)
    assert missing.status_code == 404
    assert not HAN.search(missing.get_json()["error"]["message"])
    bad = api.post("/api/v1/organizations", json={"name": ""}, headers=english)
    assert bad.status_code in (400, 422)
    error = bad.get_json()["error"]
    assert not HAN.search(error["message"])
    assert error["fields"] and not any(HAN.search(m) for ms in error["fields"].values()
                                       for m in ms)
    # Without the header (or asking for Chinese) the API stays Chinese.
    chinese = api.get("/api/v1/organizations/999999", headers={"Accept-Language": "zh-CN"})
    assert HAN.search(chinese.get_json()["error"]["message"])
    assert HAN.search(api.get("/api/v1/organizations/999999").get_json()["error"]["message"])


def test_review_grounds_read_in_the_reader_language(app, demo):
    """Why a record waits for a second approval is worded when shown, not as it was stored."""
    browser = Browser(app.test_client())
    browser.login("shunqing", DEMO_PASSWORD)
    browser.get("/lang/en")
    text = _visible_text(browser.get("/activities/approvals").get_data(as_text=True))
    assert "more than 8 hours" in text and "超过" not in text
