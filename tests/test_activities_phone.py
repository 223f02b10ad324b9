"""The public activity list's county and township filter (chosen by name) and places left;
the staff list's places taken; the list pages' card markup for phones."""
# ruff: noqa: F811  (the browser fixture is imported from test_activities_helpers)

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from test_activities_helpers import (  # noqa: F401  (browser: a fixture)
    browser,
    make_activity,
    make_admin,
    make_station,
    make_volunteer,
)

from registry.activities import operations as activities
from registry.activities import signups
from registry.extensions import db
from registry.models import User


def text(response) -> str:
    return response.get_data(as_text=True)


def sign_up(activity, township="511302001"):
    """A new volunteer signs up; returns their sign-up."""
    _, username = make_volunteer(township)
    user = db.session.scalar(select(User).where(User.username == username))
    return signups.sign_up(user, activity)


@pytest.fixture
def places(app):
    """Three published activities in 中城街道, 北城街道 (顺庆区) and 白塔街道 (高坪区)."""
    with app.app_context():
        ids = {}
        for township, title in (("511302001", "中城护河"), ("511302002", "北城助老"),
                                ("511303001", "白塔义诊")):
            make_station(township)
            admin = make_admin(township)
            ids[title] = make_activity(admin, title=title, capacity=2).id
        db.session.commit()
    return ids


def listed(page: str) -> set[str]:
    return {title for title in ("中城护河", "北城助老", "白塔义诊") if title in page}


def test_public_list_filters_by_county_then_township(browser, places):
    page = text(browser.get("/activities/"))
    assert listed(page) == {"中城护河", "北城助老", "白塔义诊"}
    # The county select offers names; no field asks for a statistical code.
    assert re.search(r'<option value="511302"\s*>顺庆区</option>', page)
    assert 'name="region_code"' not in page and "511302" not in re.sub(r"<option[^>]*>", "", page)
    assert re.search(r'<select[^>]*name="township"[^>]*disabled', page)

    page = text(browser.get("/activities/?county=511302"))
    assert listed(page) == {"中城护河", "北城助老"}
    assert re.search(r'<option value="511302" selected>顺庆区</option>', page)
    assert ">中城街道</option>" in page and ">北城街道</option>" in page
    assert ">白塔街道</option>" not in page  # only the chosen county's townships

    page = text(browser.get("/activities/?county=511302&township=511302002"))
    assert listed(page) == {"北城助老"}
    assert re.search(r'<option value="511302002" selected>北城街道</option>', page)

    page = text(browser.get("/activities/?county=511303"))
    assert listed(page) == {"白塔义诊"}
    assert ">白塔街道</option>" in page and ">中城街道</option>" not in page


def test_changing_the_county_without_scripts_drops_the_old_township(browser, places):
    """A form without scripts sends the new county with the old county's township."""
    page = text(browser.get("/activities/?county=511303&township=511302002"))
    assert listed(page) == {"白塔义诊"}
    assert re.search(r'<option value="511303" selected>', page)
    assert not re.search(r'<option value="511302002" selected>', page)


def test_a_township_alone_selects_its_county(browser, places):
    page = text(browser.get("/activities/?township=511302001"))
    assert listed(page) == {"中城护河"}
    assert re.search(r'<option value="511302" selected>顺庆区</option>', page)
    assert re.search(r'<option value="511302001" selected>中城街道</option>', page)


@pytest.mark.parametrize("query", [
    "county=zzz", "county=511302001", "county=999999", "county=" + "9" * 400,
    "township=511302", "township=abc", "county=511302&township=511300",
    "county=511300",  # the city is not a county: 全市 is the empty choice
])
def test_bad_filter_values_show_everything_with_a_message(browser, places, query):
    response = browser.get("/activities/?" + query)
    assert response.status_code == 200
    page = text(response)
    assert listed(page) == {"中城护河", "北城助老", "白塔义诊"}
    assert "请选择" in page
    assert "selected" not in page.split('id="township"')[0].split('id="county"')[1]


def test_the_api_keeps_its_region_code_filter(app, api, places):
    body = api.get("/api/v1/public/activities?region_code=511302002").get_json()
    assert [item["title"] for item in body["items"]] == ["北城助老"]
    body = api.get("/api/v1/public/activities?region_code=511302").get_json()
    assert {item["title"] for item in body["items"]} == {"中城护河", "北城助老"}
    assert api.get("/api/v1/public/activities?region_code=zzz").status_code == 422


def test_places_left_and_full(app, browser, places):
    with app.app_context():
        river = db.session.get(activities.Activity, places["中城护河"])
        elder = db.session.get(activities.Activity, places["北城助老"])
        sign_up(river)
        for _ in range(3):  # two take the places, the third waits
            sign_up(elder, "511302002")
        cancelled = sign_up(elder, "511302002")  # waitlisted, then cancelled: takes nothing
        cancelled.status = "cancelled"
        db.session.commit()
        assert activities.places_taken([river.id, elder.id, places["白塔义诊"]]) == {
            river.id: 1, elder.id: 2}
        assert activities.places_taken([]) == {}
    page = text(browser.get("/activities/"))
    cards = {title: page.split(title, 1)[1].split('class="col-md-6"')[0]
             for title in ("中城护河", "北城助老", "白塔义诊")}
    assert "剩余 1 个名额" in cards["中城护河"]
    assert "剩余 2 个名额" in cards["白塔义诊"]
    assert "已满" in cards["北城助老"] and "可报名候补" in cards["北城助老"]
    assert "剩余" not in cards["北城助老"]
    detail = text(browser.get(f"/activities/{places['北城助老']}"))
    assert "已满" in detail and "名额已满，加入候补" not in detail  # anonymous: log in first
    assert "剩余 1 个名额" in text(browser.get(f"/activities/{places['中城护河']}"))


def test_staff_list_shows_places_taken_as_cards(app, browser, places, make_user):
    with app.app_context():
        sign_up(db.session.get(activities.Activity, places["中城护河"]))
        db.session.commit()
    browser.login(make_user("county_official", "511302"))
    page = text(browser.get("/activities/"))
    row = page.split("中城护河", 1)[1].split("</tr>")[0]
    assert re.search(r'data-label="已报名/招募">1 / 2', row)
    assert 'class="table table-sm table-hover align-middle bg-white table-stack"' in page


def test_my_pages_are_card_lists(app, browser):
    with app.app_context():
        _, username = make_volunteer()
        db.session.commit()
    browser.login(username)
    for url in ("/me/", "/me/activities", "/me/service", "/me/points"):
        page = text(browser.get(url))
        assert "table-stack" in page, url


def test_activity_pages_stack_their_tables(app, browser):
    with app.app_context():
        make_station("511302001")
        admin = make_admin("511302001")
        activity = make_activity(admin, start_in=timedelta(minutes=-30))
        sign_up(activity)
        db.session.commit()
        username, activity_id = admin.username, activity.id
    browser.login(username)
    detail = text(browser.get(f"/activities/{activity_id}"))
    assert 'class="table table-sm align-middle bg-white table-stack"' in detail
    assert 'data-label="编号"' in detail and 'class="action-bar"' in detail
    service = text(browser.get(f"/activities/{activity_id}/service"))
    assert service.count("table-stack") == 2 and 'data-label="服务时长（分钟）"' in service
