"""The back office: staff only, rows scoped, guessed ids and pages never a 500."""

import json
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from registry.extensions import db
from registry.models import Region, User
from registry.volunteers.bulk import seed_volunteers
from registry.volunteers.models import Volunteer
from tests.conftest import Browser


def test_anonymous_goes_to_login(app):
    response = app.test_client().get("/admin/")
    assert response.status_code == 302 and "/login" in response.location
    response = app.test_client().get("/admin/user/")
    assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("role, region", [("volunteer", "511302001"), ("org_admin", "511302")])
def test_non_staff_get_403(browser, make_user, role, region):
    browser.login(make_user(role, region))
    assert browser.get("/admin/").status_code == 403
    assert browser.get("/admin/user/").status_code == 403
    assert "没有权限" in browser.get("/admin/user/").get_data(as_text=True)


def test_each_role_sees_only_its_menu_and_language(app, make_user):
    """The menu is drawn once per role, language and page: a second role, a second language
    and a second page of the same worker each get their own."""
    from tests.conftest import Browser

    def menu(role, region, url="/admin/", lang=None):
        browser = Browser(app.test_client())
        browser.login(make_user(role, region))
        if lang:
            browser.get(f"/lang/{lang}")
        page = browser.get(url).get_data(as_text=True)
        return page.split('navbar-nav mr-auto">', 1)[1].split("navbar-right", 1)[0], page

    city, _ = menu("city_official", "511300")
    system, _ = menu("system_admin", "511300")
    assert 'href="/admin/volunteer/"' in city and 'href="/admin/region/"' not in city
    assert 'href="/admin/region/"' in system and 'href="/admin/volunteer/"' not in system
    english, _ = menu("city_official", "511300", lang="en")
    assert "Volunteer" in english and "志愿者" not in english and "志愿者" in city
    _, page = menu("city_official", "511300", url="/admin/volunteer/")
    active = re.search(r'<a class="dropdown-item active[^"]*" href="([^"]+)"', page)
    assert active and active.group(1) == "/admin/volunteer/"


def test_admin_pages_are_chinese(browser, make_user):
    browser.login(make_user("system_admin", "511300"))
    page = browser.get("/admin/user/").get_data(as_text=True)
    assert "用户名" in page and "列表" in page


@pytest.mark.parametrize(
    "role, region, url, status",
    [
        ("county_official", "511302", "/admin/user/", 403),
        ("county_official", "511302", "/admin/region/", 403),
        ("auditor", "511300", "/admin/user/", 403),
        ("auditor", "511300", "/admin/auditentry/", 200),
        ("city_official", "511300", "/admin/auditentry/", 200),
        ("county_official", "511302", "/admin/auditentry/", 403),
        ("system_admin", "511300", "/admin/auditentry/", 403),
        ("system_admin", "511300", "/admin/region/", 200),
    ],
)
def test_each_role_reaches_only_its_views(browser, make_user, role, region, url, status):
    browser.login(make_user(role, region))
    assert browser.get(url).status_code == status


@pytest.mark.parametrize(
    "url",
    [
        "/admin/user/edit/?id=abc",
        "/admin/user/edit/?id=-1",
        "/admin/user/edit/?id=99999999999999999999999",
        "/admin/user/details/?id=%00",
        "/admin/user/?page=-3",
        "/admin/user/?page=99999999",
        "/admin/user/?page=abc",
        "/admin/region/edit/?id=999999",
    ],
)
def test_guessed_or_malformed_ids_never_500(browser, make_user, url):
    browser.login(make_user("system_admin", "511300"))
    response = browser.get(url)
    assert response.status_code in (200, 400, 404)


def test_audit_log_is_read_only_in_the_back_office(browser, make_user):
    browser.login(make_user("auditor", "511300"))
    assert browser.get("/admin/auditentry/").status_code == 200
    for url in ("/admin/auditentry/new/", "/admin/auditentry/edit/?id=1"):
        response = browser.get(url)
        assert response.status_code in (302, 403, 404)
    response = browser.post("/admin/auditentry/delete/", {"id": "1"})
    assert response.status_code in (302, 403, 404, 405)
    assert browser.get("/admin/auditentry/details/?id=1").status_code == 200


def test_admin_created_user_gets_a_temporary_password(app, browser, make_user):
    browser.login(make_user("system_admin", "511300"))
    browser.refresh_token("/admin/user/new/")
    response = browser.post("/admin/user/new/", {
        "username": "newcounty", "display_name": "新干事", "role": "county_official",
        "region_code": "511303", "phone": "", "active": "y"}, follow_redirects=True)
    assert "临时密码" in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "newcounty"))
        assert user.must_change_password


def test_security_admin_refuses_a_role_at_the_wrong_level(app, browser, make_user):
    target = make_user("unassigned", "511300")
    browser.login(make_user("security_admin", "511300"))
    with app.app_context():
        target_id = db.session.scalar(select(User.id).where(User.username == target))
    url = f"/admin/user-roles/edit/?id={target_id}"
    browser.refresh_token(url)
    page = browser.post(url, {"role": "station_admin", "region_code": "511302"},
                        follow_redirects=True).get_data(as_text=True)
    assert "乡镇（街道）级" in page
    with app.app_context():
        assert db.session.get(User, target_id).role == "unassigned"


def test_admin_refuses_a_taken_username_without_sql(browser, make_user):
    taken = make_user("county_official", "511302")
    browser.login(make_user("system_admin", "511300"))
    browser.refresh_token("/admin/user/new/")
    page = browser.post("/admin/user/new/", {
        "username": taken, "display_name": "重名", "role": "county_official",
        "region_code": "511302", "phone": "", "active": "y"}).get_data(as_text=True)
    assert ("已被使用" in page or "已经存在" in page) and "INSERT" not in page


def test_admin_refuses_a_bad_phone(browser, make_user):
    browser.login(make_user("system_admin", "511300"))
    browser.refresh_token("/admin/user/new/")
    page = browser.post("/admin/user/new/", {
        "username": "badphone", "display_name": "电话", "role": "county_official",
        "region_code": "511302", "phone": "12345", "active": "y"}).get_data(as_text=True)
    assert "手机号码应为 11 位" in page


# --- Lists at city size: capped counts, prefix search, indexed filters (issue 9) ---


@contextmanager
def captured_sql():
    """The SQL statements (text, parameters) run inside the block."""
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((" ".join(statement.split()), parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _counts(statements):
    return [sql for sql, _params in statements if "count(" in sql.lower()]


def test_a_long_back_office_list_says_more_than_1000_without_counting_them_all(
        app, browser, make_user):
    with app.app_context():
        seed_volunteers(1_001)
        db.session.commit()
    browser.login(make_user("city_official", "511300"))
    with app.app_context(), captured_sql() as statements:
        page = browser.get("/admin/volunteer/").get_data(as_text=True)
    assert "超过 1,000 条" in page
    assert _counts(statements) and all("LIMIT" in sql for sql in _counts(statements))


def test_a_list_over_the_cap_is_not_counted_again_for_a_while(app, browser, make_user):
    """OVER_CAP_SECONDS: the same person's same list stays "more than 1,000" uncounted;
    another filter, another person and a short list are counted."""
    app.config["OVER_CAP_SECONDS"] = 60
    with app.app_context():
        seed_volunteers(1_001)
        db.session.commit()
    city = make_user("city_official", "511300")
    browser.login(city)
    assert "超过 1,000 条" in browser.get("/admin/volunteer/").get_data(as_text=True)
    with app.app_context(), captured_sql() as statements:
        again = browser.get("/admin/volunteer/?page=1&sort=0").get_data(as_text=True)
        filtered = browser.get("/admin/volunteer/?search=zz").get_data(as_text=True)
        filtered_again = browser.get("/admin/volunteer/?search=zz").get_data(as_text=True)
    assert "超过 1,000 条" in again
    assert "共 0 条" in filtered and "共 0 条" in filtered_again
    assert len(_counts(statements)) == 2  # the two searches, not the list already over the cap
    colleague = Browser(app.test_client())
    colleague.login(make_user("city_official", "511300"))
    with app.app_context(), captured_sql() as statements:
        assert "超过 1,000 条" in colleague.get("/admin/volunteer/").get_data(as_text=True)
    assert len(_counts(statements)) == 1


def test_a_short_back_office_list_shows_its_exact_count(app, browser, make_user):
    with app.app_context():
        seed_volunteers(30)
        db.session.commit()
        in_county = db.session.scalar(select(func.count()).select_from(Volunteer).join(
            Region, Region.code == Volunteer.township_code).where(Region.county_code == "511302"))
    browser.login(make_user("county_official", "511302"))
    page = browser.get("/admin/volunteer/").get_data(as_text=True)
    assert f"共 {in_county} 条" in page


def test_back_office_search_finds_names_by_their_start(app, browser, make_user):
    with app.app_context():
        seed_volunteers(300)
        db.session.commit()
        surname_of = [name[0] for name in db.session.scalars(select(Volunteer.name))]
        name = db.session.scalars(select(Volunteer.name).order_by(Volunteer.id)).first()
    browser.login(make_user("city_official", "511300"))
    with app.app_context(), captured_sql() as statements:
        page = browser.get(f"/admin/volunteer/?search={name[0]}").get_data(as_text=True)
    assert name in page
    assert f"共 {surname_of.count(name[0])} 条" in page
    values = [v for _sql, params in statements
              for v in (params.values() if isinstance(params, dict) else params or ())]
    patterns = [v for v in values if isinstance(v, str) and name[0] in v]
    assert patterns and not any(v.startswith("%") for v in patterns)  # no ILIKE '%张%' scan
    assert "ILIKE" not in " ".join(sql for sql, _params in statements).upper()


def test_back_office_offers_no_contains_filters(browser, make_user):
    """A "contains" filter (ILIKE '%x%') would read all 3M audit rows; equals and lists remain."""
    browser.login(make_user("auditor", "511300"))
    page = browser.get("/admin/auditentry/").get_data(as_text=True)
    groups = json.loads(re.search(r'id="filter-groups-data"[^>]*>([^<]*)<', page).group(1))
    operations = {f["operation"] for f in groups["操作人"]}
    assert "等于" in operations and not {"包含", "不包含"} & operations


@pytest.mark.parametrize("view_model", ["Volunteer", "AuditEntry"])
def test_every_filter_and_search_of_the_big_lists_leads_an_index(app, view_model):
    with app.app_context():
        view = next(v for v in app.extensions["admin"][0]._views
                    if getattr(v, "model", None) is not None
                    and v.model.__name__ == view_model)
        leading = {index.columns[0].name for index in view.model.__table__.indexes}
        leading |= {c.columns[0].name for c in view.model.__table__.constraints
                    if hasattr(c, "columns") and len(c.columns)}
        wanted = set(view.column_filters) | set(view.column_searchable_list)
        assert wanted - leading == set()


def test_a_renamed_region_shows_its_new_name_at_once_where_names_are_kept(app, make_user):
    """Workers keep region names (regions.kept); a rename in the back office is shown at once
    by that worker, on every page that names the region."""
    from registry import regions
    from tests.conftest import Browser

    app.config["REGION_TREE_SECONDS"] = 60
    regions.forget()
    try:
        official = Browser(app.test_client())
        official.login(make_user("county_official", "511302"))
        assert "顺庆区" in official.get("/").get_data(as_text=True)
        admin = Browser(app.test_client())
        admin.login(make_user("system_admin", "511300"))
        admin.refresh_token("/admin/region/edit/?id=511302")
        response = admin.post("/admin/region/edit/?id=511302", data={
            "name": "顺庆区（新）", "effective_year": "2024"})
        assert response.status_code == 302
        assert "顺庆区（新）" in official.get("/").get_data(as_text=True)
    finally:
        regions.forget()


def _table_body(page: str) -> str:
    start = page.index("</thead>")
    body = page[start:page.index("</table>", start)]
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", body))


def _table_head(page: str) -> str:
    start = page.index("<thead>")
    head = page[start:page.index("</thead>", start)]
    return re.sub(r"\s*([<>])\s*", r"\1", head)


@pytest.mark.parametrize(("path", "role"), [("/admin/volunteer/", "city_official"),
                                            ("/admin/user/", "system_admin"),
                                            ("/admin/auditentry/", "auditor")])
def test_list_rows_drawn_in_python_match_flask_admins_own(app, browser, make_user, monkeypatch,
                                                          path, role):
    """admin_rows.rows_html draws the same cells, links and escaping as Flask-Admin's macros
    (which still draw any list whose rows it cannot)."""
    from registry import admin_rows

    with app.app_context():
        seed_volunteers(25)
        db.session.commit()
    make_user("county_official", "511302", display_name="<b>张&三</b>")
    browser.login(make_user(role, "511300"))
    ours = browser.get(path).get_data(as_text=True)
    monkeypatch.setattr(admin_rows, "rows_html", lambda *args, **kwargs: None)
    theirs = browser.get(path).get_data(as_text=True)
    assert _table_body(ours).count("<tr") == _table_body(theirs).count("<tr") > 1
    assert _table_body(ours) == _table_body(theirs)
    assert "<b>张" not in ours


@pytest.mark.parametrize("args", ["", "?sort=1", "?sort=1&desc=1", "?search=%E5%BC%A0&sort=0"])
@pytest.mark.parametrize(("path", "role"), [("/admin/volunteer/", "city_official"),
                                            ("/admin/user/", "system_admin")])
def test_list_headers_drawn_in_python_match_flask_admins_own(browser, make_user, monkeypatch,
                                                             path, role, args):
    """admin_rows.header_html draws the same labels and sort links as Flask-Admin's macros,
    whatever the list is sorted and searched by."""
    browser.login(make_user(role, "511300"))
    ours = browser.get(path + args).get_data(as_text=True)
    import flask_admin.model.base

    monkeypatch.setattr(flask_admin.model.base.BaseModelView, "render",
                        lambda view, template, **kwargs: flask_admin.base.BaseView.render(
                            view, "admin/model/list.html", **kwargs))
    theirs = browser.get(path + args).get_data(as_text=True)
    assert "<thead>" in ours, ours[ours.find("<body"):][:4000]
    assert _table_head(ours).count("<th") == _table_head(theirs).count("<th") > 3
    assert "sort=" in _table_head(ours)
    assert _table_head(ours) == _table_head(theirs)
