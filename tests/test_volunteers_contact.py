"""A volunteer's own contact details on /me/profile and PATCH /volunteers/{id}: the phone is
also the login (one account per login), masked in the audit log and to staff."""

from sqlalchemy import select

from registry import accounts
from registry.extensions import db
from registry.models import AuditEntry, User
from registry.volunteers.models import Volunteer
from tests.test_volunteers_pages import PASSWORD, add_volunteer

PHONE = "13800000021"
CONTACT = {"phone": PHONE, "address": "顺庆区和平路 8 号", "emergency_contact_name": "王大明",
           "emergency_contact_phone": "13800000077"}


def test_contact_edit_on_the_page(app, browser, make_user):
    vid = add_volunteer(app, status="active")
    add_volunteer(app, phone="13800000022", seq="902")
    browser.login(PHONE, PASSWORD)
    page = browser.get("/me/profile").get_data(as_text=True)
    assert "联系方式" in page and PHONE in page
    browser.refresh_token("/me/profile")
    for changes, field_text in (
        ({"phone": "13800000022"}, "该手机号码已被其他志愿者使用"),
        ({"phone": "1234"}, "手机号码应为 11 位"),
        ({"emergency_contact_phone": ""}, "请填写紧急联系人的手机号码"),
        ({"emergency_contact_phone": PHONE}, "不能是本人的号码"),
        ({"address": "x\x07y"}, "联系地址"),
    ):
        response = browser.post("/me/profile/contact", data={**CONTACT, **changes})
        assert response.status_code == 422, changes
        assert field_text in response.get_data(as_text=True), changes
        with app.app_context():
            assert db.session.get(Volunteer, vid).address == "", changes  # nothing saved
    response = browser.post("/me/profile/contact", data={**CONTACT, "phone": "138 0000 0031"})
    assert response.status_code == 302
    with app.app_context():
        volunteer = db.session.get(Volunteer, vid)
        assert (volunteer.phone, volunteer.address) == ("13800000031", CONTACT["address"])
        assert volunteer.emergency_contact_name == "王大明"
        assert db.session.get(User, volunteer.user_id).phone == "13800000031"
        # The new number is the login; the old one names no account any more.
        assert accounts.find_by_login("13800000031").id == volunteer.user_id
        assert accounts.find_by_login(PHONE) is None
        rows = db.session.scalars(select(AuditEntry.changes).where(
            AuditEntry.object_type == "Volunteer", AuditEntry.object_id == str(vid)))
        text = " ".join(str(row) for row in rows)
        assert "13800000031" not in text and "13800000077" not in text and "和平路" not in text
    # Staff in the jurisdiction see the emergency contact, the phone masked.
    staff = type(browser)(app.test_client())
    staff.login(make_user("station_admin", "511302001"))
    page = staff.get(f"/volunteers/{vid}").get_data(as_text=True)
    assert "王大明" in page and "138****0077" in page and "13800000077" not in page


def test_contact_edit_through_the_api(app, api, make_user):
    vid = add_volunteer(app)
    other = add_volunteer(app, phone="13800000022", seq="902")
    api.token(PHONE, PASSWORD)
    assert api.patch(f"/api/v1/volunteers/{other}", json={"address": "x"}).status_code == 404
    taken = api.patch(f"/api/v1/volunteers/{vid}", json={"phone": "13800000022"})
    assert taken.status_code == 422 and "phone" in taken.get_json()["error"]["fields"]
    unknown = api.patch(f"/api/v1/volunteers/{vid}", json={"status": "active"})
    assert unknown.status_code == 422
    # A pending volunteer keeps their contact details current too; only the fields sent change.
    body = api.patch(f"/api/v1/volunteers/{vid}", json={"address": "嘉陵区 1 号"})
    assert body.status_code == 200
    assert body.get_json()["address"] == "嘉陵区 1 号" and body.get_json()["phone"] == PHONE
    assert body.get_json()["status"] == "pending"
    body = api.patch(f"/api/v1/volunteers/{vid}", json={
        "emergency_contact_name": "李四", "emergency_contact_phone": "13800000066"})
    assert body.get_json()["emergency_contact_phone"] == "13800000066"
    # Registration fields of a pending (not returned) registration: refused, nothing saved.
    mixed = api.patch(f"/api/v1/volunteers/{vid}", json={"name": "改名", "address": "x"})
    assert mixed.status_code == 409
    with app.app_context():
        assert db.session.get(Volunteer, vid).address == "嘉陵区 1 号"
    api.token(make_user("station_admin", "511302001"))
    listed = api.get(f"/api/v1/volunteers/{vid}").get_json()
    assert listed["emergency_contact_phone"] == "138****0066"
    assert listed["address"] != "嘉陵区 1 号"


def test_phone_change_keeps_one_account_per_login(app, api, make_user):
    """A phone held by another volunteer account only (no volunteer record) is refused too."""
    vid = add_volunteer(app)
    with app.app_context():
        accounts.create_user("V51130200199999999", PASSWORD, "volunteer", "511302001", "孤儿账号",
                             phone="13800000055")
        db.session.commit()
    api.token(PHONE, PASSWORD)
    response = api.patch(f"/api/v1/volunteers/{vid}", json={"phone": "13800000055"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Volunteer, vid).phone == PHONE
