"""Volunteer pages: public registration, scoped lists, ID view audit, workflow, import/export."""

import html
import io
import re
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from stdnum.cn import ric

from registry.extensions import db
from registry.models import AuditEntry, User
from registry.volunteers import operations as volunteers
from registry.volunteers import spreadsheets
from registry.volunteers.models import Volunteer

PASSWORD = "Vol#Passw0rd"


def make_id(region="511302", birth="19950307", seq="901"):
    base = region + birth + seq
    return base + ric.calc_check_digit(base + "0")


def add_volunteer(app, township="511302001", phone="13800000021", seq="901", region="511302",
                  status="pending", name="王小明"):
    """A volunteer registered online (pending), optionally approved."""
    with app.app_context():
        volunteer = volunteers.register_self({
            "name": name, "id_number": make_id(region, seq=seq), "phone": phone,
            "township_code": township, "password": PASSWORD})
        if status == "active":
            staff = db.session.scalar(select(User).where(User.role == "city_official"))
            if staff is None:
                from registry import accounts

                staff, _ = accounts.create_user("cityx", PASSWORD, "city_official", "511300",
                                                "市")
            volunteers.transition(volunteer, "approve", staff)
        db.session.commit()
        return volunteer.id


def test_public_registration(app, browser):
    assert browser.get("/volunteers/register").status_code == 200
    data = {"name": "李华", "id_number": make_id(), "phone": "13800000031",
            "township_code": "511302001", "password": PASSWORD, "confirm": PASSWORD, "agree": "y"}
    response = browser.post("/volunteers/register", data=data)
    assert response.status_code == 302 and "/register/done" in response.location
    with app.app_context():
        volunteer = db.session.scalar(select(Volunteer))
        assert volunteer.status == "pending" and volunteer.user.phone == "13800000031"
    again = browser.post("/volunteers/register", data={**data, "phone": "13800000032"})
    assert "已注册为志愿者" in again.get_data(as_text=True)


@pytest.mark.parametrize("override, message", [
    ({"id_number": make_id()[:-1] + "0" if make_id()[-1] != "0" else make_id()[:-1] + "1"},
     "校验位不正确"),
    ({"phone": "2380000003"}, "手机号码应为 11 位"),
    ({"name": "张" * 5000}, "姓名过长"),
    ({"township_code": "999999999"}, "不存在"),
    ({"confirm": "other"}, "两次输入的密码不一致"),
    ({"agree": ""}, "同意个人信息使用说明"),
    ({"password": "abc", "confirm": "abc"}, "密码至少 10 个字符"),
])
def test_registration_errors_at_field(app, browser, override, message):
    data = {"name": "李华", "id_number": make_id(), "phone": "13800000031",
            "township_code": "511302001", "password": PASSWORD, "confirm": PASSWORD, "agree": "y"}
    data.update(override)
    response = browser.post("/volunteers/register", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Volunteer)) == 0
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_minor_page_requires_guardian_consent(app, browser):
    minor = make_id("511321", f"{date.today().year - 15}0101", "902")
    data = {"name": "李小华", "id_number": minor, "phone": "13800000031",
            "township_code": "511321001", "password": PASSWORD, "confirm": PASSWORD,
            "agree": "y", "guardian_name": "李大华", "guardian_phone": "13900000000"}
    response = browser.post("/volunteers/register", data=data)
    assert "须经监护人同意" in response.get_data(as_text=True)
    response = browser.post("/volunteers/register", data={**data, "guardian_consent": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Volunteer.guardian_consent_at)) is not None


def test_list_scoped_and_masked(app, browser, make_user):
    mine = add_volunteer(app)
    other = add_volunteer(app, "511303001", "13800000022", "903", "511303", name="赵小刚")
    browser.login(make_user("county_official", "511302"))
    page = browser.get("/volunteers/").get_data(as_text=True)
    assert "王小明" in page and "赵小刚" not in page
    assert "138****0021" in page and "13800000021" not in page
    assert make_id() not in page
    assert browser.get(f"/volunteers/{other}").status_code == 404
    assert browser.get("/volunteers/999999").status_code == 404
    assert browser.post(f"/volunteers/{other}/move/approve", data={}).status_code == 404
    assert browser.post(f"/volunteers/{other}/show-id", data={}).status_code == 404
    assert browser.get(f"/volunteers/{mine}").status_code == 200
    assert browser.get("/volunteers/?q=王").status_code == 200
    assert browser.get("/volunteers/?status=bogus").status_code == 302


def _links(page: str) -> list[str]:
    return [html.unescape(url) for url in re.findall(r'(?:href|action|src)="([^"]*)"', page)]


def test_search_by_phone_or_id_never_puts_them_in_a_url(app, browser, make_user, caplog):
    """The search form posts; the result page, its pager and its export link carry a token
    that only this browser's session turns back into the phone or ID number (issue 9)."""
    caplog.set_level("DEBUG")
    for i in range(21):
        add_volunteer(app, phone=f"138000001{i:02d}", seq=f"{101 + i:03d}",
                      name="王" + "甲乙丙丁戊己庚辛壬癸"[i % 10] + "一二三"[i // 10])
    browser.login(make_user("county_official", "511302"))
    for value, name in (("13800000105", "王己一"), ("138 0000 0105", "王己一"),
                        (make_id(seq="103"), "王丙一")):
        response = browser.post("/volunteers/", data={"q": value})
        assert response.status_code == 302 and "search=" in response.location
        assert value not in response.location and value.replace(" ", "") not in response.location
        page = browser.get(response.location).get_data(as_text=True)
        assert name in page and "王甲一" not in page
        assert not [url for url in _links(page) if value.replace(" ", "") in url]
        export = next(url for url in _links(page) if "export.xlsx" in url)
        rows = list(load_workbook(io.BytesIO(browser.get(export).data)).active.values)
        assert [row[1] for row in rows[1:]] == [name]
    response = browser.post("/volunteers/", data={"q": "王", "status": "pending"})
    first = browser.get(response.location).get_data(as_text=True)
    assert "共 21 条" in first
    following = next(url for url in _links(first) if "cursor=" in url)
    assert "search=" in following and "q=" not in following
    assert "王甲一" in browser.get(following).get_data(as_text=True)
    stranger = type(browser)(app.test_client())  # another browser: the token means nothing
    stranger.login(make_user("county_official", "511302"))
    expired = stranger.get(response.location, follow_redirects=True).get_data(as_text=True)
    assert "查询条件已过期" in expired and "王甲一" not in expired
    assert browser.get("/volunteers/?q=13800000105").status_code == 422
    assert browser.post("/volunteers/", data={"q": "王", "csrf_token": ""}).status_code == 400
    assert "13800000105" not in caplog.text and make_id(seq="103") not in caplog.text


def test_show_full_id_is_audited(app, browser, make_user):
    mine = add_volunteer(app)
    browser.login(make_user("station_admin", "511302001"))
    detail = browser.get(f"/volunteers/{mine}").get_data(as_text=True)
    assert make_id() not in detail
    shown = browser.post(f"/volunteers/{mine}/show-id").get_data(as_text=True)
    assert make_id() in shown
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "view_id_number"))
        assert entry is not None and entry.object_id == str(mine)


def test_approve_suspend_by_page(app, browser, make_user):
    mine = add_volunteer(app)
    browser.login(make_user("station_admin", "511302001"))
    browser.post(f"/volunteers/{mine}/move/approve", data={})
    with app.app_context():
        assert db.session.get(Volunteer, mine).status == "active"
    response = browser.post(f"/volunteers/{mine}/move/suspend", data={"comment": ""},
                            follow_redirects=True)
    assert "须填写意见或理由" in response.get_data(as_text=True)
    browser.post(f"/volunteers/{mine}/move/suspend", data={"comment": "长期未参加活动"})
    with app.app_context():
        assert db.session.get(Volunteer, mine).status == "suspended"
    response = browser.post(f"/volunteers/{mine}/move/bogus", data={}, follow_redirects=True)
    assert response.status_code == 200


def test_volunteer_cannot_reach_staff_pages(app, browser):
    mine = add_volunteer(app)
    browser.login("13800000021", PASSWORD)
    for url in ("/volunteers/", "/volunteers/new", "/volunteers/import", "/volunteers/export.xlsx"):
        assert browser.get(url).status_code == 403, url
    assert browser.get(f"/volunteers/{mine}").status_code == 302
    me = browser.get("/volunteers/me", follow_redirects=True).get_data(as_text=True)
    assert make_id() in me and "13800000021" in me


def test_staff_registers_on_behalf(app, browser, make_user):
    browser.login(make_user("station_admin", "511302001"))
    data = {"name": "陈静", "id_number": make_id(seq="905"), "phone": "13800000041",
            "township_code": "511302001", "create_login": "y", "checked": "y"}
    response = browser.post("/volunteers/new", data=data, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "临时密码" in text
    with app.app_context():
        volunteer = db.session.scalar(select(Volunteer))
        assert volunteer.status == "active" and volunteer.source == "station"
    foreign = browser.post("/volunteers/new", data={**data, "township_code": "511303001",
                                                    "id_number": make_id(seq="907"),
                                                    "phone": "13800000042"})
    assert "管辖范围" in foreign.get_data(as_text=True)


def xlsx(rows, header=None):
    book = Workbook()
    sheet = book.active
    sheet.append(header or [h for _, h, _, _ in spreadsheets.IMPORT_COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def upload(browser, data, name="v.xlsx"):
    return browser.post("/volunteers/import", data={"file": (data, name)},
                        content_type="multipart/form-data", follow_redirects=True)


def test_import_all_or_nothing(app, browser, make_user):
    browser.login(make_user("station_admin", "511302001"))
    template = browser.get("/volunteers/import/template.xlsx")
    assert template.status_code == 200
    header = [c.value for c in load_workbook(io.BytesIO(template.data)).active[1]]
    assert header[:3] == ["姓名", "身份证号码", "手机号码"]
    bad = xlsx([
        ["刘一", make_id(seq="911"), "13800000051", "", "", "", "", ""],
        ["刘二", make_id(seq="911"), "13800000052", "", "", "", "", ""],
        ["", "123", "1380000005", "511303001", "", "", "", ""],
    ])
    text = upload(browser, bad).get_data(as_text=True)
    assert "整个文件未导入" in text
    assert "第 3 行" in text and "与第 2 行的身份证号码重复" in text
    assert "第 4 行" in text and "请填写真实姓名" not in text  # the domain's message
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Volunteer)) == 0
    good = xlsx([
        ["刘一", make_id(seq="911"), "13800000051", "", "医疗救护", "", "", ""],
        ["刘二", make_id(seq="913"), 13800000052, "511302001", "", "", "", ""],
    ])
    response = upload(browser, good)
    assert "已导入 2 名志愿者" in response.get_data(as_text=True)
    with app.app_context():
        rows = db.session.scalars(select(Volunteer)).all()
        assert {v.status for v in rows} == {"active"} and {v.source for v in rows} == {"import"}


@pytest.mark.parametrize("payload, message", [
    (io.BytesIO(b""), "文件是空的"),
    (io.BytesIO(b"name,id\n"), "不是 Excel .xlsx 格式"),
    (io.BytesIO(b"PK\x03\x04broken"), "无法读取"),
])
def test_import_bad_files(app, browser, make_user, payload, message):
    browser.login(make_user("county_official", "511302"))
    assert message in upload(browser, payload).get_data(as_text=True)


def test_import_header_empty_and_cap(app, browser, make_user, monkeypatch):
    browser.login(make_user("county_official", "511302"))
    assert "表头与模板不一致" in upload(browser, xlsx([], header=["a", "b"])).get_data(
        as_text=True)
    assert "没有数据行" in upload(browser, xlsx([])).get_data(as_text=True)
    app.config["IMPORT_MAX_ROWS"] = 2
    rows = [["刘一", make_id(seq=f"{921 + 2 * i}"), f"1380000006{i}", "511302001"]
            for i in range(3)]
    assert "超过 2 行" in upload(browser, xlsx(rows)).get_data(as_text=True)


def test_export_is_scoped_and_masked(app, browser, make_user):
    add_volunteer(app)
    add_volunteer(app, "511303001", "13800000022", "903", "511303", name="赵小刚")
    browser.login(make_user("county_official", "511302"))
    response = browser.get("/volunteers/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == "王小明"
    assert rows[1][3] == make_id()[:6] + "********" + make_id()[-4:]
    assert rows[1][4] == "138****0021"
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
