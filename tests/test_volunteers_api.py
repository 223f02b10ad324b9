"""The volunteer and station API: self-registration, scoped masked lists, approval, stations."""

from datetime import date

from stdnum.cn import ric

from registry.extensions import db
from registry.models import STATION_ADMIN
from registry.volunteers import operations as volunteers
from registry.volunteers.models import Station, TownshipYearStats, Volunteer

PASSWORD = "Vol#Passw0rd"


def make_id(region="511302", birth="19950307", seq="001"):
    base = region + birth + seq
    return base + ric.calc_check_digit(base + "0")


def body(**over):
    data = {"name": "张三", "id_number": make_id(), "phone": "13800000011",
            "township_code": "511302001", "password": PASSWORD}
    data.update(over)
    return data


def test_register_public_then_login_by_phone(app, api):
    response = api.post("/api/v1/public/volunteers", json=body())
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "pending"
    api.token("13800000011", PASSWORD)
    me = api.get(f"/api/v1/volunteers/{response.get_json()['id']}").get_json()
    assert me["id_number"] == make_id()  # own record unmasked
    assert me["phone"] == "13800000011"


def test_register_bad_checksum_422(api):
    bad = make_id()[:-1] + ("1" if make_id()[-1] != "1" else "2")
    response = api.post("/api/v1/public/volunteers", json=body(id_number=bad))
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert fields["id_number"][0].startswith("身份证号码校验位不正确")


def test_register_collects_field_errors(api):
    response = api.post("/api/v1/public/volunteers",
                        json=body(name="x" * 5000 if False else "1", phone="12345",
                                  township_code="511302", password="short"))
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert {"name", "phone", "township_code"} <= set(fields)


def test_register_refuses_unknown_and_wrong_types(api):
    assert api.post("/api/v1/public/volunteers", json=body(extra=1)).status_code == 422
    assert api.post("/api/v1/public/volunteers", json=body(name=12)).status_code == 422
    assert api.post("/api/v1/public/volunteers", json=body(name="张" * 5000)).status_code == 422
    assert api.post("/api/v1/public/volunteers", data=b"\xff\xfe",
                    headers={"Content-Type": "application/json"}).status_code in (400, 422)


def test_duplicate_id_number_and_phone(api):
    assert api.post("/api/v1/public/volunteers", json=body()).status_code == 201
    again = api.post("/api/v1/public/volunteers", json=body(phone="13800000012"))
    assert again.status_code == 422
    assert "已注册" in again.get_json()["error"]["fields"]["id_number"][0]
    other = api.post("/api/v1/public/volunteers",
                     json=body(id_number=make_id(seq="003")))
    assert "phone" in other.get_json()["error"]["fields"]


def test_minor_needs_guardian_and_child_refused(api):
    year = date.today().year
    minor = make_id("511321", f"{year - 16}0615", "002")
    response = api.post("/api/v1/public/volunteers", json=body(id_number=minor))
    assert response.status_code == 422
    assert {"guardian_name", "guardian_phone"} <= set(response.get_json()["error"]["fields"])
    ok = api.post("/api/v1/public/volunteers",
                  json=body(id_number=minor, guardian_name="张父", guardian_phone="13900000001"))
    assert ok.status_code == 201
    child = make_id("511321", f"{year - 10}0615", "004")
    refused = api.post("/api/v1/public/volunteers",
                       json=body(id_number=child, phone="13800000013"))
    assert refused.status_code == 422
    assert "14" in refused.get_json()["error"]["fields"]["id_number"][0]


def test_future_birth_date(api):
    future = make_id("511302", f"{date.today().year + 1}0101", "001")
    response = api.post("/api/v1/public/volunteers", json=body(id_number=future))
    assert response.status_code == 422
    assert "未来" in response.get_json()["error"]["fields"]["id_number"][0]


def test_list_is_scoped_masked_and_approve(app, api, make_user):
    first = api.post("/api/v1/public/volunteers", json=body()).get_json()["id"]
    other = api.post("/api/v1/public/volunteers",
                     json=body(id_number=make_id("511303", "19900101", "005"),
                               phone="13800000014", township_code="511303001")).get_json()["id"]
    shunqing = make_user("county_official", "511302")
    api.token(shunqing)
    listed = api.get("/api/v1/volunteers").get_json()
    assert [v["id"] for v in listed["items"]] == [first]
    assert listed["items"][0]["id_number"] == make_id()[:6] + "********" + make_id()[-4:]
    assert listed["items"][0]["phone"] == "138****0011"
    assert api.get(f"/api/v1/volunteers/{other}").status_code == 404
    assert api.post(f"/api/v1/volunteers/{other}/approve", json={}).status_code == 404
    station = make_user(STATION_ADMIN, "511302001")
    api.token(station)
    response = api.post(f"/api/v1/volunteers/{first}/approve", json={})
    assert response.status_code == 200 and response.get_json()["status"] == "active"
    assert api.post(f"/api/v1/volunteers/{first}/approve", json={}).status_code == 409
    assert api.post(f"/api/v1/volunteers/{first}/suspend", json={}).status_code == 422
    with app.app_context():
        row = db.session.get(TownshipYearStats, ("511302001", date.today().year))
        assert row.volunteers == 1
    assert api.post(f"/api/v1/volunteers/{first}/suspend",
                    json={"comment": "多次无故缺席"}).status_code == 200
    with app.app_context():
        row = db.session.get(TownshipYearStats, ("511302001", date.today().year))
        assert row.volunteers == 0


def test_list_filters_and_cursor(app, api, make_user):
    for i in range(5):
        assert api.post("/api/v1/public/volunteers", json=body(
            name="李" + "四五六七八"[i], id_number=make_id(seq=f"{11 + 2 * i:03d}"),
            phone=f"1380000010{i}")).status_code == 201
    api.token(make_user("city_official", "511300"))
    page = api.get("/api/v1/volunteers?per_page=2").get_json()
    assert page["total"] == 5 and page["next_cursor"]
    deeper = api.get(f"/api/v1/volunteers?per_page=2&cursor={page['next_cursor']}").get_json()
    assert deeper["items"][0]["id"] < page["items"][-1]["id"]
    assert api.get("/api/v1/volunteers?q=李五").get_json()["total"] == 1
    search = "/api/v1/volunteers/search"
    assert api.post(search, json={"q": "13800000103"}).get_json()["total"] == 1
    assert api.post(search, json={"q": make_id(seq="013")}).get_json()["total"] == 1
    assert api.get("/api/v1/volunteers?q=%25").get_json()["total"] == 0
    assert api.get("/api/v1/volunteers?status=bogus").status_code == 422
    assert api.get("/api/v1/volunteers?per_page=0").status_code == 422
    assert api.get("/api/v1/volunteers?cursor=zzz").status_code == 422
    assert api.get("/api/v1/volunteers?status=pending&township_code=511303001"
                   ).get_json()["total"] == 0


def test_search_by_phone_or_id_number_goes_in_a_post_body(app, api, make_user):
    """A phone or ID number in a URL stays in access logs: GET refuses it and points to the POST
    search, which takes the same filters and paging in its body (PIPL, issue 9)."""
    for i, township in enumerate(("511302001", "511302001", "511303001")):
        assert api.post("/api/v1/public/volunteers", json=body(
            name="赵" + "一二三"[i], id_number=make_id(seq=f"{31 + 2 * i:03d}"),
            phone=f"1380000020{i}", township_code=township)).status_code == 201
    api.token(make_user("county_official", "511302"))
    for value in ("13800000200", "138 0000 0200", make_id(seq="031"), make_id(seq="031").lower()):
        refused = api.get("/api/v1/volunteers", query_string={"q": value})
        error = refused.get_json()["error"]
        assert refused.status_code == 422 and error["code"] == "validation_error"
        assert "POST /api/v1/volunteers/search" in error["message"]
        assert list(error["fields"]) == ["q"]
    assert api.get("/api/v1/volunteers?q=赵").get_json()["total"] == 2  # names stay in GET
    search = "/api/v1/volunteers/search"
    found = api.post(search, json={"q": "13800000200"}).get_json()
    assert [v["name"] for v in found["items"]] == ["赵一"]
    assert found["items"][0]["phone"] == "138****0200"
    assert api.post(search, json={"q": make_id(seq="033")}).get_json()["items"][0]["name"] == "赵二"
    assert api.post(search, json={"q": "13800000202"}).get_json()["total"] == 0  # 高坪区
    first = api.post(search, json={"q": "赵", "per_page": 1}).get_json()
    assert first["total"] == 2 and first["next_cursor"]
    second = api.post(search, json={"q": "赵", "per_page": 1, "cursor": first["next_cursor"]})
    assert second.get_json()["items"][0]["id"] < first["items"][0]["id"]
    assert api.post(search, json={"status": "bogus"}).status_code == 422
    assert api.post(search, json={"per_page": 0}).status_code == 422
    assert api.post(search, json={"phone": "13800000200"}).status_code == 422  # unknown field
    assert app.test_client().post(search, json={"q": "赵"}).status_code == 401
    api.token("13800000200", PASSWORD)
    assert api.post(search, json={"q": "13800000200"}).status_code == 403
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert "post" in spec["paths"][search]


def test_volunteer_cannot_list(api):
    api.post("/api/v1/public/volunteers", json=body())
    api.token("13800000011", PASSWORD)
    assert api.get("/api/v1/volunteers").status_code == 403
    assert api.post("/api/v1/stations", json={"township_code": "511302001"}).status_code == 403


def test_stations_create_once_and_scope(app, api, make_user):
    api.token(make_user("county_official", "511302"))
    response = api.post("/api/v1/stations", json={"township_code": "511302001",
                                                  "contact_phone": "13800001111"})
    assert response.status_code == 201
    assert response.get_json()["name"] == "中城街道志愿服务站"
    again = api.post("/api/v1/stations", json={"township_code": "511302001"})
    assert again.status_code == 409 and "只设一个站" in again.get_json()["error"]["message"]
    foreign = api.post("/api/v1/stations", json={"township_code": "511303001"})
    assert foreign.status_code == 422
    assert api.post("/api/v1/stations", json={"township_code": "511302"}).status_code == 422
    assert api.get("/api/v1/stations").get_json()["total"] == 1
    with app.app_context():
        db.session.add(Station(name="白塔街道志愿服务站", township_code="511303001"))
        db.session.commit()
    assert api.get("/api/v1/stations").get_json()["total"] == 1
    public = app.test_client().get("/api/v1/public/stations").get_json()
    assert public["total"] == 2
    assert {"township_code", "address", "contact_phone"} <= set(public["items"][0])


def test_openapi_lists_endpoints(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/stations", "/api/v1/public/stations", "/api/v1/volunteers",
                 "/api/v1/volunteers/{volunteer_id}", "/api/v1/volunteers/{volunteer_id}/approve",
                 "/api/v1/public/volunteers"):
        assert path in spec["paths"], path


def test_stored_encrypted(app, api):
    api.post("/api/v1/public/volunteers", json=body())
    with app.app_context():
        volunteer = db.session.query(Volunteer).one()
        assert make_id() not in volunteer.id_number_encrypted
        assert volunteer.id_number_masked == make_id()[:6] + "********" + make_id()[-4:]


def test_deep_page_numbers_refused(api, make_user):
    api.token(make_user("city_official", "511300"))
    response = api.get("/api/v1/volunteers?page=51")
    assert response.status_code == 422 and "page" in response.get_json()["error"]["fields"]
    assert api.get("/api/v1/volunteers?page=50").status_code == 200


def test_race_on_same_id_is_a_conflict(app, monkeypatch):
    """If the look-up misses a registration made at the same moment, the unique index answers
    409, not 500."""

    client = app.test_client()
    assert client.post("/api/v1/public/volunteers", json=body()).status_code == 201
    monkeypatch.setattr(volunteers, "id_number_taken", lambda id_number: False)
    response = client.post("/api/v1/public/volunteers", json=body(phone="13800000019"))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
