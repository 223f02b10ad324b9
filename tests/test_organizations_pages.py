"""Organization pages: the representative's sign-up and application, review by the county,
the public registry, and a 高坪区 official who sees none of it by any route."""

import re

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.models import User
from registry.organizations.demo import make_uscc
from registry.organizations.models import Organization
from tests.org_documents import hand_in, hand_in_page

# What a 社会服务机构 without a supervisory unit hands in (documents.REQUIRED_DOCUMENTS).
REQUIRED = ("application", "charter", "representative_id", "premises", "capital")

USCC = make_uscc("social_service", "511302", 42)
NAME = "南充市顺庆区春晖社会工作服务中心"
FORM = {
    "name": NAME, "org_type": "social_service", "category": "social_service",
    "region_code": "511302", "uscc": "", "legal_representative": "王小明",
    "supervisory_unit": "", "business_scope": "社区养老、儿童关爱服务",
    "registered_capital_fen": "50,000.00", "address": "顺庆区中城街道 8 号",
    "contact_name": "赵敏", "contact_phone": "13912345678", "founded_on": "",
    "party_org_status": "none", "party_member_count": "0", "party_instructor": "",
}


@pytest.fixture
def officials(make_user):
    make_user("county_official", "511302", "sq1")
    make_user("county_official", "511303", "gp1")
    make_user("city_official", "511300", "city1")


def org_id(app):
    with app.app_context():
        return db.session.scalar(select(Organization.id).where(Organization.name == NAME))


def sign_up(browser, username="rep_chunhui"):
    browser.refresh_token("/registry/signup")
    return browser.post("/registry/signup", {
        "username": username, "display_name": "王小明", "phone": "13912345678",
        "password": "Chunhui#2026x", "confirm": "Chunhui#2026x"})


def test_the_whole_story(app, browser, officials):
    response = sign_up(browser)
    assert response.status_code == 302 and response.location.endswith("/organizations/new")
    browser.refresh_token("/organizations/new")
    response = browser.post("/organizations/new", {**FORM, "action": "submit"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    oid = org_id(app)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "rep_chunhui"))
        org = db.session.get(Organization, oid)
        assert user.organization_id == oid and org.status == "submitted"
        assert org.registered_capital_fen == 5_000_000
    # Not public while under review.
    assert NAME not in app.test_client().get("/registry/?q=春晖").get_data(as_text=True)
    assert app.test_client().get(f"/registry/{oid}").status_code == 404

    official = type(browser)(app.test_client())
    official.login("sq1")
    page = official.get(f"/organizations/{oid}").get_data(as_text=True)
    assert NAME in page and "退回修改" in page and "13912345678" in page
    official.post(f"/organizations/{oid}/move/return", {"comment": "请补充住所使用证明"})
    with app.app_context():
        assert db.session.get(Organization, oid).status == "returned"

    page = browser.get(f"/organizations/{oid}").get_data(as_text=True)
    assert "请补充住所使用证明" in page
    browser.refresh_token(f"/organizations/{oid}/edit")
    response = browser.post(f"/organizations/{oid}/edit",
                            {**FORM, "address": "顺庆区中城街道 9 号", "action": "submit"})
    assert response.status_code == 302
    hand_in_page(browser, oid, REQUIRED)
    # Approving without a USCC answers at the field and changes nothing.
    response = official.post(f"/organizations/{oid}/move/approve",
                             {"comment": "", "uscc": "", "certificate_date": "2026-01-05",
                              "registration_authority": "顺庆区民政局"})
    assert response.status_code == 422 and "统一社会信用代码" in response.get_data(as_text=True)
    response = official.post(f"/organizations/{oid}/move/approve",
                             {"comment": "同意", "uscc": USCC, "certificate_date": "2026-01-05",
                              "registration_authority": "顺庆区民政局"})
    assert response.status_code == 302
    page = official.get(f"/organizations/{oid}").get_data(as_text=True)
    for text in ("提交申请", "退回修改", "请补充住所使用证明", "准予登记", "sq1"):
        assert text in page

    public = app.test_client().get("/registry/?q=春晖").get_data(as_text=True)
    assert NAME in public
    detail = app.test_client().get(f"/registry/{oid}").get_data(as_text=True)
    assert USCC in detail and "13912345678" not in detail

    # Registered this year: no year has ended since, so no annual report yet.
    browser.refresh_token(f"/organizations/{oid}")
    response = browser.post(f"/organizations/{oid}/reports", {
        "year": "2026", "income_fen": "1000", "expenditure_fen": "800.5",
        "net_assets_fen": "200", "staff_count": "3", "activities": "开展活动 10 次"})
    assert response.status_code == 422 and "年度尚未结束" in response.get_data(as_text=True)

    # 高坪区 sees nothing of it, by any route.
    gaoping = type(browser)(app.test_client())
    gaoping.login("gp1")
    for url in (f"/organizations/{oid}", f"/organizations/{oid}/edit",
                f"/organizations/hubs/{oid}", f"/admin/organization/details/?id={oid}",
                f"/organizations/{oid}/documents/1"):
        assert gaoping.get(url).status_code == 404, url
    # The back office edits nothing (changes go through the workflow pages).
    response = gaoping.get(f"/admin/organization/edit/?id={oid}")
    assert response.status_code in (302, 404) and NAME not in response.get_data(as_text=True)
    for url in (f"/organizations/{oid}/move/reject", f"/organizations/{oid}/move/deregister",
                f"/organizations/{oid}/grade", f"/organizations/{oid}/party"):
        assert gaoping.post(url, {"comment": "x"}).status_code == 404, url
    assert NAME not in gaoping.get("/organizations/").get_data(as_text=True)
    assert NAME not in gaoping.get("/organizations/export.csv").get_data(as_text=True)
    assert NAME not in gaoping.get("/admin/organization/").get_data(as_text=True)
    assert NAME not in gaoping.get("/organizations/party").get_data(as_text=True)

    # The city sees it in the party-building view and adds it to a hub.
    city = type(browser)(app.test_client())
    city.login("city1")
    assert NAME in city.get("/organizations/party?region_code=511302").get_data(as_text=True)
    with app.app_context():
        from registry import audit
        from registry.organizations import operations as organizations
        from registry.organizations import party_and_hubs
        from registry.organizations.demo import sample_data

        city_user = db.session.scalar(select(User).where(User.username == "city1"))
        audit.set_actor(city_user)
        hub = organizations.create_application(
            city_user, sample_data(name="南充市社会组织促进会", org_type="social_group",
                                   region_code="511300"), submit=True)
        hand_in(city_user, hub)
        organizations.approve(city_user, hub, uscc=make_uscc("social_group", "511300", 1))
        party_and_hubs.set_hub(city_user, hub, True)
        db.session.commit()
        hub_id = hub.id
    assert "加入该枢纽组织" in city.get(f"/organizations/{oid}").get_data(as_text=True)
    response = city.post(f"/organizations/{oid}/join-hub", {"hub_id": str(hub_id)})
    assert response.status_code == 302
    response = city.post(f"/organizations/hubs/{hub_id}", {"member": USCC})
    assert response.status_code == 422 and "已是该枢纽的成员" in response.get_data(as_text=True)
    assert NAME in city.get(f"/organizations/hubs/{hub_id}").get_data(as_text=True)
    assert "南充市社会组织促进会" in city.get("/organizations/hubs").get_data(as_text=True)


def test_bad_form_input_saves_nothing(app, browser, officials):
    browser.login("sq1")
    browser.refresh_token("/organizations/new")
    for field, value in (("name", ""), ("uscc", "52511302MJ1234561A"),
                         ("business_scope", "长" * 5000), ("registered_capital_fen", "-5"),
                         ("registered_capital_fen", "1.234"), ("founded_on", "2026-02-30"),
                         ("contact_phone", "abc"), ("party_member_count", "1.5"),
                         ("name", "\ufffd坏字符协会")):
        response = browser.post("/organizations/new", {**FORM, field: value})
        assert response.status_code == 200, field
        page = response.get_data(as_text=True)
        assert "invalid-feedback" in page, field
    with app.app_context():
        assert db.session.scalar(select(Organization.id)) is None


def test_all_bad_fields_are_reported_together(app, browser, officials):
    browser.login("sq1")
    browser.refresh_token("/organizations/new")
    response = browser.post("/organizations/new", {**FORM, "registered_capital_fen": "-3",
                                                   "contact_phone": "139", "uscc": "5X"})
    page = response.get_data(as_text=True)
    for message in ("注册资金不能为负数", "联系电话应为 11 位手机号码",
                    "统一社会信用代码应为 18 位"):
        assert message in page, message


def test_non_utf8_form_body(app, browser, officials):
    browser.login("sq1")
    browser.refresh_token("/organizations/new")
    body = ("csrf_token=" + browser.token + "&name=").encode() + b"\xff\xfe" + \
        b"&org_type=social_service&region_code=511302"
    response = browser.client.post("/organizations/new", data=body,
                                   content_type="application/x-www-form-urlencoded")
    # Werkzeug drops a form body that is not UTF-8: a Chinese 400 page, nothing saved.
    assert response.status_code == 400
    assert "请求格式不正确" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Organization.id)) is None


def test_roles_and_guessed_ids(app, browser, officials, make_user):
    make_user("station_admin", "511302001", "st1")
    browser.login("st1")
    assert browser.get("/organizations/").status_code == 403
    assert browser.get("/organizations/999999").status_code == 403
    anon = app.test_client()
    assert anon.get("/organizations/").status_code == 302
    official = type(browser)(app.test_client())
    official.login("sq1")
    assert official.get("/organizations/999999").status_code == 404
    assert official.get("/organizations/?status=bogus").status_code == 400
    assert official.get("/registry/999999").status_code == 404


def test_signup_refuses_bad_input(app, browser):
    browser.refresh_token("/registry/signup")
    response = browser.post("/registry/signup", {
        "username": "rep1", "display_name": "王小明", "phone": "123",
        "password": "Chunhui#2026x", "confirm": "Chunhui#2026x"})
    assert "手机号码" in response.get_data(as_text=True)
    response = browser.post("/registry/signup", {
        "username": "rep1", "display_name": "王小明", "phone": "13912345678",
        "password": "short", "confirm": "short"})
    assert "密码至少" in response.get_data(as_text=True)
    response = browser.post("/registry/signup", {
        "username": "rep1", "display_name": "王小明", "phone": "13912345678",
        "password": "Chunhui#2026x", "confirm": "Chunhui#2026y"})
    assert "不一致" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.username == "rep1")) is None


def test_public_pages_render(app, officials):
    client = app.test_client()
    assert client.get("/registry/").status_code == 200
    assert client.get("/registry/?region_code=x").status_code == 400
    page = client.get("/").get_data(as_text=True)
    assert "社会组织名录查询" in page
    assert re.search(r'href="/registry/signup"', page)


@pytest.mark.parametrize("role,region", [("system_admin", "511300"), ("auditor", "511300"),
                                         ("station_admin", "511302001"),
                                         ("volunteer", "511302001")])
def test_roles_without_organization_pages(app, browser, make_user, role, region):
    username = make_user(role, region)
    browser.login(username)
    for url in ("/organizations/", "/organizations/new", "/organizations/hubs",
                "/organizations/party", "/organizations/export.csv"):
        assert browser.get(url).status_code in (403, 302), url


def test_representative_limits(app, browser, officials):
    sign_up(browser)
    browser.refresh_token("/organizations/new")
    browser.post("/organizations/new", {**FORM, "action": "submit"})
    oid = org_id(app)
    for url in ("/organizations/hubs", "/organizations/party", "/organizations/export.csv"):
        assert browser.get(url).status_code == 403, url
    response = browser.post(f"/organizations/{oid}/move/approve", {"uscc": USCC})
    assert response.status_code == 403
    assert browser.post(f"/organizations/{oid}/grade", {"grade": "5A"}).status_code == 403
    # A second application from the same account is refused with a clear message.
    browser.refresh_token("/organizations/new")
    response = browser.post("/organizations/new", {**FORM, "name": "南充市顺庆区另一家服务中心"})
    assert "一个账号只办理一个组织" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Organization).count() == 1


def test_admin_export_is_scoped(app, browser, officials):
    with app.app_context():
        from registry import audit
        from registry.organizations import operations as organizations
        from registry.organizations.demo import sample_data

        sq = db.session.scalar(select(User).where(User.username == "sq1"))
        audit.set_actor(sq)
        organizations.create_application(sq, sample_data(name=NAME), submit=True)
        db.session.commit()
    browser.login("gp1")
    response = browser.get("/admin/organization/export/csv/")
    assert response.status_code == 200 and NAME not in response.get_data(as_text=True)
    city = type(browser)(app.test_client())
    city.login("city1")
    assert NAME in city.get("/admin/organization/export/csv/").get_data(as_text=True)
    assert NAME in city.get("/organizations/export.csv").get_data(as_text=True)
