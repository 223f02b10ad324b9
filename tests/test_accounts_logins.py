"""Login names: each names exactly one account (a mobile number is a volunteer's phone, a
username never looks like one), volunteers' usernames carry no phone, existing rows are
migrated; an unknown name answers exactly like a real one."""

from datetime import date

import flask_migrate
import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from stdnum.cn import ric

from registry import accounts, create_app, crypto
from registry.clock import utcnow
from registry.extensions import db
from registry.masking import mask_id_number
from registry.models import LoginFailure, User
from registry.regions import load_regions
from registry.volunteers import operations as volunteers
from registry.volunteers.models import Volunteer
from tests.conftest import PASSWORD

PHONE = "13800000011"
VOL_PASSWORD = "Vol#Passw0rd"


def make_id(seq="001"):
    base = "51130219950307" + seq
    return base + ric.calc_check_digit(base + "0")


def register_volunteer(api, phone=PHONE, seq="001"):
    response = api.post("/api/v1/public/volunteers", json={
        "name": "张三", "id_number": make_id(seq), "phone": phone,
        "township_code": "511302001", "password": VOL_PASSWORD})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_a_username_shaped_like_a_volunteers_phone_is_refused(app, api, browser):
    register_volunteer(api)
    browser.refresh_token("/registry/signup")
    for username in (PHONE, "0086" + PHONE, "138-0000-0011"):
        page = browser.post("/registry/signup", {
            "username": username, "display_name": "冒名者", "phone": "13900000000",
            "password": "Other#Passw0rd", "confirm": "Other#Passw0rd"}).get_data(as_text=True)
        assert "用户名不能是手机号码" in page
    with app.app_context():
        assert db.session.scalar(select(User).where(User.role == "org_admin")) is None
    # The volunteer's own password still opens their account, on the page and in the API.
    assert browser.login(PHONE, VOL_PASSWORD).status_code == 302
    api.token(PHONE, VOL_PASSWORD)
    assert api.get("/api/v1/me").get_json()["role"] == "volunteer"


def test_the_system_administrator_cannot_use_a_phone_as_username(browser, make_user):
    browser.login(make_user("system_admin", "511300"))
    browser.refresh_token("/admin/user/new/")
    page = browser.post("/admin/user/new/", {"username": "13912345678", "display_name": "某人",
                                             "phone": ""}).get_data(as_text=True)
    assert "用户名不能是手机号码" in page


def test_volunteer_usernames_carry_no_phone_and_login_is_by_phone(app, api):
    volunteer_id = register_volunteer(api)
    api.token(PHONE, VOL_PASSWORD)
    me = api.get("/api/v1/me").get_json()
    with app.app_context():
        volunteer = db.session.get(Volunteer, volunteer_id)
        assert me["username"] == volunteer.volunteer_no
        assert PHONE not in me["username"]


def test_staff_opening_a_login_uses_the_volunteer_number(app, ctx):
    staff, _ = accounts.create_user("zhanzhang1", PASSWORD, "station_admin", "511302001", "站长")
    volunteer, password = volunteers.register_by_staff(staff, {
        "name": "李四", "id_number": make_id("003"), "phone": "13800000033",
        "township_code": "511302001"}, create_login=False)
    password = volunteers.create_login(staff, volunteer)
    user = db.session.get(User, volunteer.user_id)
    assert user.username == volunteer.volunteer_no and "13800000033" not in user.username
    assert accounts.authenticate("13800000033", password).id == user.id
    other, _ = volunteers.register_by_staff(staff, {
        "name": "王五", "id_number": make_id("005"), "phone": "13800000055",
        "township_code": "511302001"})
    assert db.session.get(User, other.user_id).username == other.volunteer_no


def test_the_database_refuses_a_second_volunteer_account_with_the_same_phone(ctx):
    accounts.create_user("vol.one", VOL_PASSWORD, "volunteer", "511302001", "甲", phone=PHONE)
    db.session.flush()
    db.session.add(User(username="vol.two", display_name="乙", role="volunteer",
                        region_code="511302001", phone=PHONE, password_hash="x"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_migration_renames_usernames_that_carry_phones(tmp_path):
    """Rows written under 0008 (usernames "v" + phone, a phone as a username) are renamed."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.db",
                                 "UPLOAD_DIR": str(tmp_path)})
    with app.app_context():
        flask_migrate.upgrade(revision="0008")
        load_regions()
        # As create_login and register_self named it before; the volunteer row is written
        # with the columns 0008 has (today's model has more).
        user = User(username="v" + PHONE, display_name="张三", role="volunteer",
                    region_code="511302001", phone=PHONE,
                    password_hash=accounts.hash_password(VOL_PASSWORD))
        squatter = User(username="13900000099", display_name="代表", role="org_admin",
                        region_code="511300", password_hash="x")
        db.session.add_all([user, squatter])
        db.session.flush()
        id_number, number = make_id(), "V51130200100000001"
        row = {"user_id": user.id, "volunteer_no": number, "name": "张三",
               "id_number_encrypted": crypto.encrypt(id_number),
               "id_number_hash": crypto.lookup_hash(id_number),
               "id_number_masked": mask_id_number(id_number), "gender": "M",
               "birth_date": date(1995, 3, 7), "phone": PHONE, "township_code": "511302001",
               "status": "pending", "skills": "", "guardian_name": "", "guardian_phone": "",
               "total_minutes": 0, "source": "self", "created_at": utcnow()}
        db.session.execute(sa.table("volunteer", *map(sa.column, row)).insert().values(row))
        db.session.commit()
        squatter_id = squatter.id
        db.session.remove()
        flask_migrate.upgrade(revision="heads")
        names = set(db.session.scalars(select(User.username)))
        assert names == {number, f"user{squatter_id}"}
        assert accounts.authenticate(PHONE, VOL_PASSWORD).username == number
        db.engine.dispose()


def _messages(browser, login, tries=6):
    return [browser.login(login, "Wrong#Passw0rd").get_data(as_text=True) for _ in range(tries)]


def _error(page):
    start = page.index("invalid-feedback") if "invalid-feedback" in page else 0
    for text in ("再错", "已锁定"):
        if text in page[start:]:
            at = page.index(text, start)
            return page[at - 30:at + 30]
    return ""


def test_an_unknown_name_answers_exactly_like_a_real_one(app, browser, api, make_user):
    real = make_user("county_official", "511302")
    real_pages = [_error(page) for page in _messages(browser, real)]
    unknown_pages = [_error(page) for page in _messages(browser, "nobody.here")]
    assert real_pages == unknown_pages
    assert "再错 4 次将锁定账号" in real_pages[0] and "再错 1 次" in real_pages[3]
    assert "账号已锁定 30 分钟" in real_pages[4] and "分钟后再试" in real_pages[5]
    # The API too, and for a name that looks like a phone no volunteer has.
    bodies = [api.client.post("/api/v1/auth/token", json={"login": "13999999999",
                                                            "password": "Wrong#Passw0rd"})
              for _ in range(6)]
    assert [r.status_code for r in bodies] == [401] * 6
    messages = [r.get_json()["error"]["message"] for r in bodies]
    assert "再错 4 次将锁定账号" in messages[0]
    assert "账号已锁定 30 分钟" in messages[4] and "分钟后再试" in messages[5]
    with app.app_context():
        keys = set(db.session.scalars(select(LoginFailure.name_hash)))
        assert len(keys) == 2 and not any("13999999999" in k or "nobody" in k for k in keys)


def test_expired_unknown_name_counters_are_purged(app, browser):
    browser.login("ghost.name", "Wrong#Passw0rd")
    with app.app_context():
        row = db.session.scalar(select(LoginFailure))
        row.failed_window_start -= app.config["LOCKOUT_WINDOW"] * 2
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["login-failures-purge"])
    assert result.exit_code == 0 and "已删除 1 条" in result.output
    with app.app_context():
        assert db.session.scalar(select(LoginFailure)) is None
