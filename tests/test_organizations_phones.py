"""Office phones (stations, organizations) take landlines as well as mobiles; personal phones
stay mobile-only (issue 10.6); a landline, the office's public number, is shown unmasked."""

import pytest
from sqlalchemy import select

from registry.errors import ValidationFailed
from registry.extensions import db
from registry.masking import mask_office_phone
from registry.organizations.demo import sample_data
from registry.organizations.models import Organization
from registry.validators import normalize_office_phone, normalize_phone
from registry.volunteers.models import Station

LANDLINES = {"0817-2221234": "0817-2221234", "(0817)2221234": "0817-2221234",
             "（0817）2221234": "0817-2221234", "08172221234": "0817-2221234",
             "0817 222 1234": "0817-2221234", "0817-2221234-123": "0817-2221234-123",
             "0817-2221234转8": "0817-2221234-8", "010-62345678": "010-62345678",
             "+86 817 2221234": "0817-2221234", "138 0000 1111": "13800001111"}
NOT_PHONES = ("0817-222123", "0817-1221234", "021-2345678", "(0817-2221234", "2221234",
              "0817-2221234-1234567", "12", "0817-2221234\x00", "0" * 500)


@pytest.mark.parametrize("raw,stored", LANDLINES.items())
def test_office_phone_accepts_landlines_and_mobiles(raw, stored):
    assert normalize_office_phone(raw) == stored


@pytest.mark.parametrize("raw", NOT_PHONES)
def test_office_phone_refuses_the_rest(raw):
    with pytest.raises(ValidationFailed) as error:
        normalize_office_phone(raw)
    assert "contact_phone" in error.value.fields


def test_personal_phones_stay_mobile():
    for raw in ("0817-2221234", "08172221234", "(0817)2221234"):
        with pytest.raises(ValidationFailed):
            normalize_phone(raw)


def test_landline_shown_whole_mobile_masked():
    assert mask_office_phone("0817-2221234-123") == "0817-2221234-123"
    assert mask_office_phone("13800001111") == "138****1111"
    assert mask_office_phone("") == ""


def test_station_landline_by_page_api_and_back_office(app, browser, api, make_user):
    browser.login(make_user("county_official", "511302", "sq1"))
    response = browser.post("/stations/new", data={"township_code": "511302001",
                                                   "contact_phone": "(0817)2221234"})
    assert response.status_code == 302
    api.token("sq1")
    response = api.post("/api/v1/stations", json={"township_code": "511302002",
                                                  "contact_phone": "0817-2225678-12"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["contact_phone"] == "0817-2225678-12"
    bad = api.post("/api/v1/stations", json={"township_code": "511302003",
                                             "contact_phone": "0817-22"})
    assert bad.status_code == 422 and "contact_phone" in bad.get_json()["error"]["fields"]
    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.township_code == "511302001"))
        assert station.contact_phone == "0817-2221234"
        sid = station.id
    page = browser.get(f"/stations/{sid}").get_data(as_text=True)
    response = browser.post(f"/stations/{sid}", data={"name": "中城街道志愿服务站",
                                                      "contact_phone": "08172229999"})
    assert response.status_code == 302, page[:200]
    browser.refresh_token(f"/admin/station/edit/?id={sid}")
    response = browser.post(f"/admin/station/edit/?id={sid}", data={
        "name": "中城街道志愿服务站", "address": "", "contact_name": "",
        "contact_phone": "(0817)2223333"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Station, sid).contact_phone == "0817-2223333"
    listing = browser.get("/admin/station/").get_data(as_text=True)
    assert "0817-2223333" in listing  # a landline is the office's public number


def test_organization_landline_by_api_and_page(app, api, browser, make_user):
    make_user("county_official", "511302", "sq1")
    api.token("sq1")
    response = api.post("/api/v1/organizations", json={
        **sample_data(contact_phone="(0817)2221234-88"), "founded_on": None})
    assert response.status_code == 201, response.get_json()
    oid = response.get_json()["id"]
    listing = api.get("/api/v1/organizations").get_json()["items"][0]
    assert listing["contact_phone"] == "0817-2221234-88"  # not masked: an office number
    response = api.patch(f"/api/v1/organizations/{oid}", json={"contact_phone": "0817-22"})
    assert response.status_code == 422
    browser.login("sq1")
    form = {**sample_data(name="南充市顺庆区第二服务中心", contact_phone="0817 2220000"),
            "registered_capital_fen": "30000", "founded_on": "", "action": "save"}
    del form["is_volunteer_org"]
    assert browser.post("/organizations/new", form).status_code == 302
    with app.app_context():
        phones = set(db.session.scalars(select(Organization.contact_phone)))
        assert phones == {"0817-2221234-88", "0817-2220000"}
    assert "0817-2220000" in browser.get("/organizations/export.csv").get_data(as_text=True)


def test_volunteer_phone_stays_mobile(api):
    response = api.post("/api/v1/public/volunteers", json={
        "name": "张三", "id_number": "511302199503070010", "phone": "0817-2221234",
        "township_code": "511302001", "password": "Vol#Passw0rd"})
    assert response.status_code == 422 and "phone" in response.get_json()["error"]["fields"]
