"""Volunteer review: return (退回修改) and reject (不予通过) with a reason, on the page and the
API; the volunteer reads the reason, fixes the registration and resubmits."""

from sqlalchemy import select

from registry.extensions import db
from registry.models import AuditEntry, User
from registry.volunteers.models import Volunteer
from tests.test_volunteers_pages import PASSWORD, add_volunteer, make_id

PHONE = "13800000021"


def status_of(app, vid):
    with app.app_context():
        volunteer = db.session.get(Volunteer, vid)
        return volunteer.status, volunteer.review_reason


def test_return_fix_and_resubmit_through_pages(app, browser, make_user):
    vid = add_volunteer(app)
    admin = make_user("station_admin", "511302001")
    browser.login(admin)
    page = browser.get(f"/volunteers/{vid}").get_data(as_text=True)
    assert "退回修改" in page and "不予通过" in page
    # The reason is required: nothing moves without it.
    response = browser.post(f"/volunteers/{vid}/move/return", data={"comment": "  "},
                            follow_redirects=True)
    assert "须填写意见或理由" in response.get_data(as_text=True)
    assert status_of(app, vid) == ("pending", "")
    browser.post(f"/volunteers/{vid}/move/return", data={"comment": "姓名与身份证不一致"})
    assert status_of(app, vid) == ("returned", "姓名与身份证不一致")
    # A returned registration can neither be approved nor rejected until it comes back.
    browser.post(f"/volunteers/{vid}/move/approve", data={})
    assert status_of(app, vid)[0] == "returned"

    volunteer = type(browser)(app.test_client())
    volunteer.login(PHONE, PASSWORD)
    for url in ("/", "/me/", "/me/profile"):
        text = volunteer.get(url).get_data(as_text=True)
        assert "注册被退回修改" in text and "姓名与身份证不一致" in text, url
    volunteer.refresh_token("/me/profile")
    bad = volunteer.post("/me/profile/resubmit", data={
        "name": "王小明", "township_code": "511302001", "id_number": "123"})
    assert bad.status_code == 422 and "身份证号码" in bad.get_data(as_text=True)
    assert status_of(app, vid)[0] == "returned"
    response = volunteer.post("/me/profile/resubmit", data={
        "name": "王晓明", "township_code": "511302002", "skills": "急救"})
    assert response.status_code == 302
    with app.app_context():
        record = db.session.get(Volunteer, vid)
        assert (record.status, record.review_reason, record.name) == ("pending", "", "王晓明")
        assert record.township_code == "511302002"
        account = db.session.get(User, record.user_id)
        # The new township's station reviews it; the account follows.
        assert account.region_code == "511302002" and account.display_name == "王晓明"
    text = volunteer.get("/").get_data(as_text=True)
    assert "注册审核中" in text
    # Now the first township's station no longer sees it.
    assert browser.get(f"/volunteers/{vid}").status_code == 404


def test_reject_is_final_and_shown(app, browser, make_user):
    vid = add_volunteer(app)
    browser.login(make_user("county_official", "511302"))
    browser.post(f"/volunteers/{vid}/move/reject", data={"comment": "冒用他人身份证件"})
    assert status_of(app, vid) == ("rejected", "冒用他人身份证件")
    for move in ("approve", "return", "resume"):
        browser.post(f"/volunteers/{vid}/move/{move}", data={"comment": "x"})
        assert status_of(app, vid)[0] == "rejected"
    volunteer = type(browser)(app.test_client())
    volunteer.login(PHONE, PASSWORD)
    text = volunteer.get("/").get_data(as_text=True)
    assert "注册未通过审核" in text and "冒用他人身份证件" in text
    # A rejected registration cannot be resubmitted.
    volunteer.refresh_token("/me/profile")
    volunteer.post("/me/profile/resubmit", data={"name": "王小明",
                                                 "township_code": "511302001"})
    assert status_of(app, vid)[0] == "rejected"


def test_review_through_the_api(app, api, make_user):
    vid = add_volunteer(app)
    other = add_volunteer(app, phone="13800000022", seq="902")
    foreign = add_volunteer(app, township="511303001", region="511303", phone="13800000023",
                            seq="903")
    api.token(make_user("station_admin", "511302001"))
    missing = api.post(f"/api/v1/volunteers/{vid}/return", json={})
    assert missing.status_code == 422 and missing.get_json()["error"]["fields"]["comment"]
    assert api.post(f"/api/v1/volunteers/{foreign}/return",
                    json={"comment": "x"}).status_code == 404
    body = api.post(f"/api/v1/volunteers/{vid}/return", json={"comment": "照片不清晰"})
    assert body.status_code == 200
    assert body.get_json()["status"] == "returned"
    assert body.get_json()["review_reason"] == "照片不清晰"
    assert api.post(f"/api/v1/volunteers/{vid}/reject",
                    json={"comment": "x"}).status_code == 409
    rejected = api.post(f"/api/v1/volunteers/{other}/reject", json={"comment": "年龄不符"})
    assert rejected.get_json()["status"] == "rejected"
    # Staff cannot resubmit for the volunteer, nor edit their record.
    assert api.post(f"/api/v1/volunteers/{vid}/submit", json={}).status_code == 403
    assert api.patch(f"/api/v1/volunteers/{vid}", json={"name": "李四"}).status_code == 403

    api.token(PHONE, PASSWORD)
    own = api.get(f"/api/v1/volunteers/{vid}").get_json()
    assert own["review_reason"] == "照片不清晰"
    assert api.patch(f"/api/v1/volunteers/{other}", json={"name": "李四"}).status_code == 404
    bad = api.patch(f"/api/v1/volunteers/{vid}", json={"township_code": "999"})
    assert bad.status_code == 422 and "township_code" in bad.get_json()["error"]["fields"]
    taken = api.patch(f"/api/v1/volunteers/{vid}",
                      json={"id_number": make_id(seq="902")})
    assert taken.status_code == 422 and "id_number" in taken.get_json()["error"]["fields"]
    fixed = api.patch(f"/api/v1/volunteers/{vid}", json={"id_number": make_id(seq="911")})
    assert fixed.status_code == 200
    assert fixed.get_json()["id_number"] == make_id(seq="911")
    response = api.post(f"/api/v1/volunteers/{vid}/submit", json={})
    assert response.status_code == 200 and response.get_json()["status"] == "pending"
    assert response.get_json()["review_reason"] == ""
    assert api.post(f"/api/v1/volunteers/{vid}/submit", json={}).status_code == 409
    # Registration fields only while returned.
    assert api.patch(f"/api/v1/volunteers/{vid}", json={"name": "李四"}).status_code == 409
    with app.app_context():
        moves = list(db.session.scalars(select(AuditEntry.comment).where(
            AuditEntry.object_type == "Volunteer", AuditEntry.object_id == str(vid),
            AuditEntry.action == "transition").order_by(AuditEntry.id)))
        assert moves == ["退回修改：照片不清晰", "重新提交"]


def test_minor_resubmission_needs_guardian(app, browser, make_user):
    vid = add_volunteer(app)
    browser.login(make_user("station_admin", "511302001"))
    browser.post(f"/volunteers/{vid}/move/return", data={"comment": "身份证号码有误"})
    volunteer = type(browser)(app.test_client())
    volunteer.login(PHONE, PASSWORD)
    volunteer.refresh_token("/me/profile")
    minor = make_id(birth="20100101", seq="931")
    response = volunteer.post("/me/profile/resubmit", data={
        "name": "王小明", "township_code": "511302001", "id_number": minor})
    assert response.status_code == 422 and "监护人" in response.get_data(as_text=True)
    assert status_of(app, vid)[0] == "returned"
    response = volunteer.post("/me/profile/resubmit", data={
        "name": "王小明", "township_code": "511302001", "id_number": minor,
        "guardian_name": "王大明", "guardian_phone": "13800000099", "guardian_consent": "y"})
    assert response.status_code == 302
    with app.app_context():
        record = db.session.get(Volunteer, vid)
        assert record.status == "pending" and record.guardian_consent_at is not None
        assert record.birth_date.year == 2010
