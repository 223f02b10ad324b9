"""The home pages' work from the volunteers area: pending volunteers (station admin and
officials) and townships without a station (officials), each a capped count that links to the
list of exactly those rows; a pending volunteer's home page says where they stand."""

import re

from sqlalchemy import select

from registry.extensions import db
from registry.volunteers.models import Station
from tests.home_cards import work_cards
from tests.test_activities_helpers import make_station
from tests.test_volunteers_pages import PASSWORD, add_volunteer

PENDING = "待审核的志愿者"
MISSING = "未设站的乡镇（街道）"


def rows_in_list(browser, url: str) -> int:
    page = browser.get(url).get_data(as_text=True)
    return len(re.findall(r'href="/volunteers/\d+"', page))


def seed(app):
    add_volunteer(app, phone="13800000021", seq="901")
    add_volunteer(app, phone="13800000022", seq="902")
    add_volunteer(app, phone="13800000023", seq="903", status="active")
    add_volunteer(app, township="511302002", phone="13800000024", seq="904")
    add_volunteer(app, township="511303001", region="511303", phone="13800000025", seq="905")


def test_station_admin_sees_pending_volunteers(app, browser, make_user):
    seed(app)
    with app.app_context():
        make_station("511302001")
        db.session.commit()
    browser.login(make_user("station_admin", "511302001"))
    page = browser.get("/").get_data(as_text=True)
    assert "今日待办" in page
    cards = work_cards(page)
    count, link = cards[PENDING]
    assert count == "2" and link == "/volunteers/?status=pending"
    assert rows_in_list(browser, link) == 2
    assert MISSING not in cards  # not a station admin's work


def test_county_official_sees_pending_and_missing_stations(app, browser, make_user):
    seed(app)
    with app.app_context():
        make_station("511302001")
        make_station("511303001")
        db.session.commit()
        townships = db.session.scalar(select(db.func.count()).select_from(
            db.text("region")).where(db.text("level = 'township' AND county_code = '511302'")))
    browser.login(make_user("county_official", "511302"))
    cards = work_cards(browser.get("/").get_data(as_text=True))
    assert cards[PENDING] == ("3", "/volunteers/?status=pending")
    assert rows_in_list(browser, cards[PENDING][1]) == 3
    count, link = cards[MISSING]
    assert int(count) == townships - 1 and link == "/stations/?missing=1"
    listed = browser.get(link).get_data(as_text=True)
    assert listed.count('href="/stations/new?township=') == townships - 1
    assert "待审查的社会组织" in cards

    city = type(browser)(app.test_client())
    city.login(make_user("city_official", "511300"))
    cards = work_cards(city.get("/").get_data(as_text=True))
    assert cards[PENDING][0] == "4"
    with app.app_context():
        all_townships = db.session.scalar(select(db.func.count()).select_from(
            db.text("region")).where(db.text("level = 'township'")))
        stations = db.session.scalar(select(db.func.count(Station.id)))
    assert int(cards[MISSING][0]) == all_townships - stations


def test_counts_are_capped(app, browser, make_user):
    app.config["HOME_COUNT_CAP"] = 2
    seed(app)
    browser.login(make_user("county_official", "511302"))
    cards = work_cards(browser.get("/").get_data(as_text=True))
    assert cards[PENDING][0] == "2+"


def test_pending_volunteer_home_says_what_next(app, browser):
    add_volunteer(app)
    browser.login("13800000021", PASSWORD)
    page = browser.get("/").get_data(as_text=True)
    assert "注册审核中" in page
    assert "尚未设站" in page  # no station yet: the county reviews
    with app.app_context():
        make_station("511302001", name="中城街道志愿服务站")
        db.session.commit()
    page = browser.get("/").get_data(as_text=True)
    assert "正在等待 中城街道志愿服务站 审核" in page
    assert "正在等待 中城街道志愿服务站 审核" in browser.get("/me/").get_data(as_text=True)
    active = type(browser)(app.test_client())
    add_volunteer(app, phone="13800000022", seq="902", status="active")
    active.login("13800000022", PASSWORD)
    assert "review-state" not in active.get("/").get_data(as_text=True)
