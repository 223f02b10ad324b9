"""The directory on every route: the public page and API, the editor pages, the officials'
API, the back office and the commands; a published edition is frozen on each of them."""

import base64

import pytest

from registry.extensions import db
from tests.conftest import Browser
from tests.test_purchasing_dir_helpers import count, dirworld, edition, item, snapshot, xlsx

pytestmark = pytest.mark.usefixtures("dirworld")
assert dirworld


def ids(app, year, code=None):
    with app.app_context():
        return item(year, code).id if code else edition(year).id


def frozen(app):
    with app.app_context():
        return snapshot(2025)


# --- public --------------------------------------------------------------------------------

def test_the_public_page_shows_the_edition_in_force_and_past_ones(app, browser):
    page = browser.get("/directory/").get_data(as_text=True)
    assert "上门助餐" in page and "测试编码，非官方" in page and "现行版本" in page
    assert browser.get("/directory/?year=2025").status_code == 200
    assert browser.get("/directory/?year=2026").status_code == 404  # a draft is not public
    assert browser.get("/directory/?year=1999").status_code == 404
    searched = browser.get("/directory/?q=%E6%B3%95%E5%BE%8B").get_data(as_text=True)
    assert "法律服务" in searched and "上门助餐" not in searched


def test_the_public_api_gives_the_tree(app, api):
    body = api.get("/api/v1/public/directory").get_json()
    assert body["edition"]["year"] == 2025 and body["in_force"] is True
    assert body["edition"]["code_note"] == "测试编码，非官方"
    a = next(node for node in body["items"] if node["code"] == "A")
    leaf = a["children"][0]["children"][0]["children"][0]
    assert (leaf["code"], leaf["level"], leaf["parent_code"]) == ("A010101", 4, "A0101")
    found = api.get("/api/v1/public/directory?q=%E6%B3%95%E5%BE%8B").get_json()["items"]
    assert [n["code"] for n in found] == ["B"] and found[0]["children"][0]["code"] == "B01"
    assert api.get("/api/v1/public/directory?year=2026").status_code == 404
    bad = api.get("/api/v1/public/directory?year=99999")
    assert bad.status_code == 422 and "year" in bad.get_json()["error"]["fields"]


def test_the_diff_page_and_api_compare_editions(app, browser, api, make_user):
    browser.login("dircity")
    draft, old = ids(app, 2026), ids(app, 2025)
    browser.post(f"/directory/editions/{draft}/items/new",
                 {"code": "B02", "level": "2", "parent_code": "B", "name": "评估服务"})
    page = browser.get(f"/directory/diff?old={old}&new={draft}").get_data(as_text=True)
    assert "评估服务" in page and "新增 1" in page
    # anyone reads published editions only: the draft is not offered to the public
    public = Browser(app.test_client()).get(f"/directory/diff?old={old}&new={draft}")
    assert "评估服务" not in public.get_data(as_text=True)
    api.token("dircity")
    body = api.get(f"/api/v1/directory/diff?old={old}&new={draft}").get_json()
    assert [r["code"] for r in body["added"]] == ["B02"]
    api.token("dircounty")
    assert api.get(f"/api/v1/directory/diff?old={old}&new={draft}").status_code == 404


# --- freezing on every route ---------------------------------------------------------------

def test_no_page_edits_a_published_edition(app, browser):
    browser.login("dircity")
    published, leaf = ids(app, 2025), ids(app, 2025, "A010101")
    before = frozen(app)
    assert browser.get(f"/directory/editions/{published}/items/new").status_code == 409
    assert browser.get(f"/directory/items/{leaf}/edit").status_code == 409
    answers = [
        browser.post(f"/directory/editions/{published}/items/new",
                     {"code": "Z", "level": "1", "name": "新"}),
        browser.post(f"/directory/items/{leaf}/edit",
                     {"code": "A010101", "level": "4", "parent_code": "A0101", "name": "改"}),
        browser.post(f"/directory/items/{leaf}/remove"),
        browser.post(f"/directory/editions/{published}/publish"),
        browser.post(f"/directory/editions/{published}/import",
                     {"file": (__import__("io").BytesIO(xlsx([("Z", 1, "", "x")])), "a.xlsx")},
                     content_type="multipart/form-data"),
    ]
    assert [r.status_code for r in answers] == [409] * 5
    assert frozen(app) == before
    page = browser.get(f"/directory/editions/{published}").get_data(as_text=True)
    assert "已冻结" in page and "新增条目" not in page


def test_no_api_call_edits_a_published_edition(app, api):
    api.token("dircity")
    published, leaf = ids(app, 2025), ids(app, 2025, "A010101")
    before = frozen(app)
    content = base64.b64encode(xlsx([("Z", 1, "", "x")])).decode()
    answers = [
        api.post(f"/api/v1/directory/editions/{published}/items",
                 json={"code": "Z", "level": 1, "name": "新"}),
        api.patch(f"/api/v1/directory/items/{leaf}", json={"name": "改"}),
        api.delete(f"/api/v1/directory/items/{leaf}"),
        api.post(f"/api/v1/directory/editions/{published}/publish"),
        api.post(f"/api/v1/directory/editions/{published}/import",
                 json={"content_base64": content}),
    ]
    assert [r.status_code for r in answers] == [409] * 5
    assert all(r.get_json()["error"]["code"] == "conflict" for r in answers)
    assert frozen(app) == before


def test_the_back_office_reads_published_editions_and_edits_only_drafts(app, browser):
    browser.login("dircity")
    published, draft = ids(app, 2025, "A01"), ids(app, 2026, "A01")
    before = frozen(app)
    assert browser.get("/admin/directoryitem/").status_code == 200
    assert browser.get("/admin/directoryedition/").status_code == 200
    url = f"/admin/directoryitem/edit/?id={published}"
    browser.refresh_token(url)
    browser.post(url, {"name": "后台偷改", "description": "", "purchasing_department": "",
                       "requirements": ""})
    assert frozen(app) == before
    url = f"/admin/directoryitem/edit/?id={draft}"
    browser.refresh_token(url)
    browser.post(url, {"name": "后台改名", "description": "", "purchasing_department": "",
                       "requirements": ""})
    with app.app_context():
        assert item(2026, "A01").name == "后台改名"
    assert browser.get(f"/admin/directoryedition/edit/?id={ids(app, 2025)}").status_code in (
        302, 403, 404)


def test_no_command_edits_a_published_edition(app, tmp_path):
    runner = app.test_cli_runner()
    before = frozen(app)
    path = tmp_path / "changes.xlsx"
    path.write_bytes(xlsx([("Z", 1, "", "x")]))
    result = runner.invoke(args=["directory-import", "--user", "dircity", "--year", "2025",
                                 str(path)])
    assert result.exit_code != 0 and "已发布" in result.output
    result = runner.invoke(args=["directory-publish", "--user", "dircity", "--year", "2025"])
    assert result.exit_code != 0
    assert frozen(app) == before
    result = runner.invoke(args=["directory-import", "--user", "dircounty", "--year", "2026",
                                 str(path)])
    assert result.exit_code != 0 and "city_official" in result.output
    result = runner.invoke(args=["directory-import", "--user", "dircity", "--year", "2026",
                                 str(path)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["directory-publish", "--user", "dircity", "--year", "2026"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["directory-copy", "--user", "dircity"])
    assert result.exit_code == 0 and "2027" in result.output
    out = tmp_path / "out.xlsx"
    result = runner.invoke(args=["directory-export", "--user", "dircounty", "--year", "2025",
                                 str(out)])
    assert result.exit_code != 0  # commands act as city officials
    result = runner.invoke(args=["directory-export", "--user", "dircity", "--year", "2025",
                                 str(out)])
    assert result.exit_code == 0 and out.stat().st_size > 0


# --- the editor: a draft's round trip, import errors, roles --------------------------------

def test_the_city_drafts_imports_publishes_and_reads_the_diff(app, browser):
    browser.login("dircity")
    response = browser.post("/directory/editions/new", {"year": "2027", "source": "",
                                                        "title": ""})
    assert response.status_code == 302
    draft = ids(app, 2026)
    upload = xlsx([("B02", 2, "B", "评估服务"), ("A02", 2, "A", "社会救助（改）", "社会救助的说明"),
                   ("A010101", "", "", "", "", "", "", "删除")])
    response = browser.post(f"/directory/editions/{draft}/import",
                            {"file": (__import__("io").BytesIO(upload), "changes.xlsx")},
                            content_type="multipart/form-data")
    assert response.status_code == 302
    assert browser.post(f"/directory/editions/{draft}/publish").status_code == 302
    with app.app_context():
        assert edition(2026).status == "published" and item(2026, "A010101") is None
    page = browser.get("/directory/diff").get_data(as_text=True)  # newest published vs before
    assert "评估服务" in page and "社会救助（改）" in page and "上门助餐" in page
    export = browser.get(f"/directory/editions/{draft}/export.xlsx")
    assert export.status_code == 200 and export.mimetype.endswith("sheet")


def test_the_import_page_lists_each_bad_row_and_saves_nothing(app, browser):
    browser.login("dircity")
    draft = ids(app, 2026)
    with app.app_context():
        before = snapshot(2026)
    upload = xlsx([("C", "", "", "缺层级"), ("C01", 2, "NOPE", "无上级"), ("C", 1, "", "重复")])
    response = browser.post(f"/directory/editions/{draft}/import",
                            {"file": (__import__("io").BytesIO(upload), "changes.xlsx")},
                            content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "第 2 行" in page and "第 3 行" in page and "第 4 行" in page
    assert "请填写层级" in page and "不存在" in page and "重复" in page
    renamed = browser.post(f"/directory/editions/{draft}/import",
                           {"file": (__import__("io").BytesIO(b"name\nx\n"), "fake.xlsx")},
                           content_type="multipart/form-data")
    assert renamed.status_code == 422 and "不是 Excel" in renamed.get_data(as_text=True)
    with app.app_context():
        assert snapshot(2026) == before
    assert browser.get("/directory/import-template.xlsx").status_code == 200


def test_the_api_edits_a_draft_and_reports_bad_rows_by_number(app, api):
    api.token("dircity")
    draft = ids(app, 2026)
    added = api.post(f"/api/v1/directory/editions/{draft}/items",
                     json={"code": "B02", "level": 2, "parent_code": "B", "name": "评估服务"})
    assert added.status_code == 201, added.get_json()
    moved = api.patch(f"/api/v1/directory/items/{added.get_json()['id']}",
                      json={"parent_code": "A", "name": "评估"})
    assert moved.status_code == 200 and moved.get_json()["parent_code"] == "A"
    bad = api.post(f"/api/v1/directory/editions/{draft}/items",
                   json={"code": "B03", "level": 3, "parent_code": "B", "name": "x"})
    assert bad.status_code == 422 and "parent_code" in bad.get_json()["error"]["fields"]
    content = base64.b64encode(xlsx([("C", "", "", "缺层级")])).decode()
    bad = api.post(f"/api/v1/directory/editions/{draft}/import", json={"content_base64": content})
    assert bad.status_code == 422 and "row_2" in bad.get_json()["error"]["fields"]
    assert api.post(f"/api/v1/directory/editions/{draft}/import",
                    json={"content_base64": "%%%"}).status_code == 422
    assert api.delete(f"/api/v1/directory/items/{added.get_json()['id']}").status_code == 204
    detail = api.get(f"/api/v1/directory/editions/{draft}").get_json()
    assert [i["code"] for i in detail["items"]][:3] == ["A", "A01", "A0101"]
    copy = api.post("/api/v1/directory/editions", json={"copy_from_id": draft})
    assert copy.status_code == 201 and copy.get_json()["year"] == 2027
    assert api.post(f"/api/v1/directory/editions/{draft}/publish").status_code == 200
    with app.app_context():
        assert count(2026) == count(2025)


@pytest.mark.parametrize("login", ["dircounty", "dirstation", "dirorg"])
def test_only_city_officials_edit(app, browser, api, login):
    draft, leaf = ids(app, 2026), ids(app, 2026, "A010101")
    browser.login(login)
    assert browser.get(f"/directory/editions/{draft}/items/new").status_code == 403
    assert browser.post(f"/directory/items/{leaf}/remove").status_code == 403
    assert browser.post(f"/directory/editions/{draft}/publish").status_code == 403
    api.token(login)
    assert api.post(f"/api/v1/directory/editions/{draft}/items",
                    json={"code": "Z", "level": 1, "name": "x"}).status_code == 403
    assert api.delete(f"/api/v1/directory/items/{leaf}").status_code == 403
    with app.app_context():
        assert item(2026, "A010101") is not None


def test_county_officials_read_published_editions_but_not_drafts(app, browser, api):
    browser.login("dircounty")
    assert browser.get("/directory/editions").status_code == 200
    assert browser.get(f"/directory/editions/{ids(app, 2025)}").status_code == 200
    assert browser.get(f"/directory/editions/{ids(app, 2026)}").status_code == 404
    api.token("dircounty")
    years = [e["year"] for e in api.get("/api/v1/directory/editions").get_json()["items"]]
    assert years == [2025]
    assert api.get(f"/api/v1/directory/editions/{ids(app, 2026)}").status_code == 404
    anonymous = Browser(app.test_client())
    assert anonymous.get("/directory/editions").status_code == 302


def test_a_large_export_runs_as_a_job(app, browser):
    app.config["JOBS_THRESHOLD"] = 3
    browser.login("dircity")
    response = browser.get(f"/directory/editions/{ids(app, 2025)}/export.xlsx")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    assert "已完成" in browser.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        db.session.rollback()
