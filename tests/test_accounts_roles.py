"""三员分立 (等保 2.0 level 3): the system administrator opens, disables and unlocks accounts;
only the security administrator grants roles and regions, never their own; a change ends the
user's sessions and tokens and is audited; the auditor sees both administrators' actions."""

from sqlalchemy import select

from registry.demo import DEMO_USERS
from registry.extensions import db
from registry.models import AuditEntry, User
from tests.conftest import PASSWORD, Browser


def user_id(app, username):
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def role_of(app, username):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        return user.role, user.region_code


def test_system_admin_opens_accounts_without_a_role(app, browser, make_user):
    browser.login(make_user("system_admin", "511300"))
    browser.refresh_token("/admin/user/new/")
    response = browser.post("/admin/user/new/", {
        "username": "newcomer", "display_name": "新干事", "phone": "",
        "role": "city_official", "region_code": "511300"}, follow_redirects=True)
    assert "临时密码" in response.get_data(as_text=True)
    assert role_of(app, "newcomer") == ("unassigned", "511300")


def test_system_admin_cannot_grant_roles_not_even_to_itself(app, browser, make_user):
    admin = make_user("system_admin", "511300")
    browser.login(admin)
    url = f"/admin/user/edit/?id={user_id(app, admin)}"
    browser.refresh_token(url)
    browser.post(url, {"username": admin, "display_name": "管理员", "phone": "", "active": "y",
                       "role": "city_official", "region_code": "511300"})
    assert role_of(app, admin) == ("system_admin", "511300")
    assert browser.get("/admin/user-roles/").status_code == 403
    assert browser.get("/volunteers/").status_code in (403, 404)


def test_security_admin_grants_a_role_which_ends_the_users_sessions(app, browser, api,
                                                                     make_user):
    target = make_user("unassigned", "511300")
    victim = Browser(app.test_client())
    victim.login(target)
    assert victim.get("/").status_code == 200
    api.token(target)
    browser.login(make_user("security_admin", "511300"))
    url = f"/admin/user-roles/edit/?id={user_id(app, target)}"
    browser.refresh_token(url)
    browser.post(url, {"role": "county_official", "region_code": "511303"})
    assert role_of(app, target) == ("county_official", "511303")
    response = victim.get("/account/password")  # a logged-in page
    assert response.status_code == 302 and "/login" in response.location
    assert api.get("/api/v1/me").status_code == 401
    with app.app_context():
        row = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "grant_role"))
        assert row.actor_role == "security_admin" and "county_official" in row.comment


def test_security_admin_cannot_change_its_own_role(app, browser, make_user):
    own = make_user("security_admin", "511300")
    browser.login(own)
    url = f"/admin/user-roles/edit/?id={user_id(app, own)}"
    browser.refresh_token(url)
    page = browser.post(url, {"role": "city_official", "region_code": "511300"},
                        follow_redirects=True).get_data(as_text=True)
    assert "不能修改自己的角色" in page
    assert role_of(app, own) == ("security_admin", "511300")


def test_security_admin_does_not_open_or_reset_accounts_nor_see_citizens(app, browser, api,
                                                                         make_user):
    secadmin = make_user("security_admin", "511300")
    browser.login(secadmin)
    assert browser.get("/admin/user/").status_code == 403
    assert browser.get("/admin/user-roles/new/").status_code in (302, 403, 404)
    assert browser.get("/admin/auditentry/").status_code == 403
    assert browser.get("/audit/").status_code == 403
    assert browser.get("/volunteers/").status_code in (403, 404)
    home = browser.get("/").get_data(as_text=True)
    assert "角色授权" in home and "安全管理员" in home
    api.token(secadmin)
    assert api.get("/api/v1/volunteers").status_code == 403
    assert api.get("/api/v1/organizations").status_code == 403


def test_volunteer_and_representative_roles_are_not_granted_here(app, browser, make_user):
    volunteer = make_user("volunteer", "511302001")
    browser.login(make_user("security_admin", "511300"))
    url = f"/admin/user-roles/edit/?id={user_id(app, volunteer)}"
    browser.refresh_token(url)
    browser.post(url, {"role": "city_official", "region_code": "511300"})
    assert role_of(app, volunteer)[0] == "volunteer"


def test_the_auditor_sees_both_administrators_actions(app, browser, make_user):
    sysadmin, secadmin = make_user("system_admin", "511300"), make_user("security_admin",
                                                                         "511300")
    browser.login(sysadmin)
    browser.refresh_token("/admin/user/new/")
    browser.post("/admin/user/new/", {"username": "fresh", "display_name": "新人", "phone": ""})
    second = Browser(app.test_client())
    second.login(secadmin)
    url = f"/admin/user-roles/edit/?id={user_id(app, 'fresh')}"
    second.refresh_token(url)
    second.post(url, {"role": "auditor", "region_code": "511300"})
    auditor = Browser(app.test_client())
    auditor.login(make_user("auditor", "511300"))
    for page in (auditor.get("/audit/").get_data(as_text=True),
                 auditor.get("/admin/auditentry/?page_size=100").get_data(as_text=True)):
        assert sysadmin in page and secadmin in page
        # The actions by their Chinese names (registry/audit_labels.py), not their codes.
        assert "开通账号" in page and "授予角色" in page


def test_demo_has_a_security_administrator():
    assert ("secadmin", "security_admin", "511300", "安全管理员") in DEMO_USERS


def test_unassigned_account_sees_nothing_but_a_notice(browser, make_user):
    browser.login(make_user("unassigned", "511300"), PASSWORD)
    assert "尚未授予角色" in browser.get("/").get_data(as_text=True)
    assert browser.get("/admin/").status_code == 403
