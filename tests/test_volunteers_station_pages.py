"""Stations: coverage for officials, one station per township, admins, dashboard, scoping."""

from conftest import Browser
from sqlalchemy import func, select

from registry.extensions import db
from registry.models import User
from registry.volunteers.models import Station


def test_county_coverage_highlights_missing(app, browser, make_user):
    with app.app_context():
        db.session.add(Station(name="中城街道志愿服务站", township_code="511302001"))
        db.session.add(Station(name="白塔街道志愿服务站", township_code="511303001"))
        db.session.commit()
    make_user("station_admin", "511302001", display_name="陈站长")
    browser.login(make_user("county_official", "511302"))
    page = browser.get("/stations/").get_data(as_text=True)
    assert "中城街道志愿服务站" in page and "陈站长" in page
    assert "白塔街道志愿服务站" not in page  # 高坪区
    assert page.count("missing-station") >= 18  # 19 townships in 顺庆区, one with a station
    only = browser.get("/stations/?missing=1").get_data(as_text=True)
    assert "中城街道志愿服务站" not in only and "北城街道" in only


def test_city_coverage_county_filter(app, browser, make_user):
    browser.login(make_user("city_official", "511300"))
    page = browser.get("/stations/?county=511303").get_data(as_text=True)
    assert "白塔街道" in page and "中城街道" not in page
    assert browser.get("/stations/?county=999999").status_code == 302


def test_create_station_once(app, browser, make_user):
    browser.login(make_user("county_official", "511302"))
    response = browser.post("/stations/new", data={"township_code": "511302001",
                                                   "contact_phone": "138 0000 1111"})
    assert response.status_code == 302
    again = browser.post("/stations/new", data={"township_code": "511302001"})
    assert "只设一个站" in again.get_data(as_text=True)
    foreign = browser.post("/stations/new", data={"township_code": "511303001"})
    assert "管辖范围" in foreign.get_data(as_text=True)
    bad = browser.post("/stations/new", data={"township_code": "511302002",
                                              "contact_phone": "12", "name": "x" * 5000})
    assert bad.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Station)) == 1
        assert db.session.scalar(select(Station.contact_phone)) == "13800001111"


def test_appoint_admin_shows_password_once(app, browser, make_user):
    with app.app_context():
        station = Station(name="北城街道志愿服务站", township_code="511302002")
        db.session.add(station)
        db.session.commit()
        station_id = station.id
    browser.login(make_user("county_official", "511302"))
    response = browser.post(f"/stations/{station_id}/admins",
                            data={"username": "beicheng2", "display_name": "刘明"},
                            follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "临时密码" in text
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "beicheng2"))
        assert user.role == "station_admin" and user.region_code == "511302002"
        assert user.must_change_password
    dup = browser.post(f"/stations/{station_id}/admins",
                       data={"username": "beicheng2", "display_name": "刘明"},
                       follow_redirects=True)
    assert "已被使用" in dup.get_data(as_text=True)
    assert "Tmp-" not in browser.get(f"/stations/{station_id}").get_data(as_text=True)


def test_station_scoping_and_roles(app, browser, make_user):
    with app.app_context():
        mine = Station(name="中城街道志愿服务站", township_code="511302001")
        other = Station(name="白塔街道志愿服务站", township_code="511303001")
        db.session.add_all([mine, other])
        db.session.commit()
        mine_id, other_id = mine.id, other.id
    browser.login(make_user("county_official", "511302"))
    assert browser.get(f"/stations/{other_id}").status_code == 404
    assert browser.post(f"/stations/{other_id}/admins",
                        data={"username": "x1", "display_name": "刘明"}).status_code == 404
    station_admin = make_user("station_admin", "511302001")
    browser = Browser(app.test_client())
    browser.login(station_admin)
    assert browser.get("/stations/").status_code == 302
    assert browser.get(f"/stations/{mine_id}").status_code == 200
    assert browser.get(f"/stations/{other_id}").status_code == 404
    assert browser.get("/stations/new").status_code == 403
    assert browser.post(f"/stations/{mine_id}/admins", data={}).status_code == 403
    response = browser.post(f"/stations/{mine_id}", data={"name": "中城街道新时代文明实践站",
                                                          "contact_phone": "bad"})
    assert "手机号码" in response.get_data(as_text=True)


def test_dashboard_counts_from_stats(app, browser, make_user, api):
    from registry.clock import today_local
    from registry.volunteers import township_counters

    with app.app_context():
        station = Station(name="中城街道志愿服务站", township_code="511302001")
        db.session.add(station)
        township_counters.bump("511302001", today_local().year, volunteers=3, activities=2,
                            service_minutes=600)
        db.session.commit()
        station_id = station.id
    user = make_user("station_admin", "511302001")
    browser.login(user)
    page = browser.get(f"/stations/{station_id}").get_data(as_text=True)
    assert "10.0" in page
    api.token(user)
    body = api.get(f"/api/v1/stations/{station_id}/dashboard").get_json()
    assert body["active_volunteers"] == 3 and body["activities"] == 2
    assert body["service_minutes"] == 600
    coverage = api.get("/api/v1/stations/coverage").get_json()
    assert coverage["townships"] == 1 and coverage["without_station"] == 0
    api.token(make_user("county_official", "511303"))
    assert api.get(f"/api/v1/stations/{station_id}/dashboard").status_code == 404
    assert api.get("/api/v1/stations/coverage?only_missing=true").get_json()["townships"] == 19
