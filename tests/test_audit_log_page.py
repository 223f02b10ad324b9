"""The audit log page reads in Chinese (object types, actions, changes, filters), exports to
Excel (scoped, capped, formula-safe, audited, a job when large) and lets auditors check the
chain; labels are declared for every audited model and every recorded action."""

import ast
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from registry import audit, audit_labels
from registry.clock import to_local
from registry.extensions import db
from registry.models import AuditEntry, User
from registry.organizations import operations as orgs
from registry.organizations.demo import sample_data

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def log(app, make_user):
    """An auditor, a city official, and rows: an organization created and submitted (a workflow
    move), a user renamed, a row of another city and a formula-looking actor name."""
    make_user("auditor", "511300", "aud1")
    make_user("city_official", "511300", "city1")
    make_user("county_official", "511302", "sq1", display_name="张三")
    with app.app_context():
        sq = db.session.scalar(select(User).where(User.username == "sq1"))
        audit.set_actor(sq)
        org = orgs.create_application(sq, sample_data(name="南充市顺庆区示例协会"), submit=True)
        sq.display_name = "张三丰"
        db.session.commit()
        audit.set_actor(None)
        audit.record("login", object_type="User", object_id="999", region_code="510100",
                     comment="成都的记录")
        audit.set_actor(type("U", (), {"id": 1, "username": "=cmd|'/C calc'!A0", "role": ""})())
        audit.record("login", object_type="User", object_id="1", region_code="511302")
        db.session.commit()
        audit.set_actor(None)
        return {"org": org.id, "sq": sq.id}


def page_of(browser, url="/audit/"):
    response = browser.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_rows_read_in_chinese(app, browser, log):
    browser.login("aud1")
    html = page_of(browser)
    assert f"社会组织 {log['org']}" in html and f"用户 {log['sq']}" in html
    assert "流程办理" in html and "修改" in html and "新建" in html
    assert "状态: 草稿 → 已提交待审" in html or "状态: （空） → 已提交待审" in html
    assert "姓名: 张三 → 张三丰" in html
    # Never the identifiers or the raw JSON in what people read.
    text = re.sub(r"<[^>]*>", " ", html)
    assert "transition" not in text and "Organization" not in text
    assert f"Organization {log['org']}" not in html and '{"' not in html and '&#34;' not in html


def test_times_are_beijing_and_whole_seconds(app, browser, log):
    browser.login("aud1")
    html = page_of(browser, "/audit/?object_type=Organization")
    with app.app_context():
        row = db.session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "Organization")).first()
        shown = f"{to_local(row.created_at):%Y-%m-%d %H:%M:%S}"
    assert shown in html
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d", html)


def test_filters_offer_chinese_labels_and_filter(app, browser, log):
    browser.login("city1")
    html = page_of(browser)
    assert '<option value="Organization" >社会组织</option>' in html
    assert '<option value="transition" >流程办理</option>' in html
    filtered = page_of(browser, "/audit/?action=transition")
    assert "流程办理" in filtered and "姓名: 张三 → 张三丰" not in filtered
    by_type = page_of(browser, "/audit/?object_type=User&action=update")
    assert "姓名: 张三 → 张三丰" in by_type and "社会组织 " not in by_type
    # Unknown or oversized values filter to nothing, never a 500.
    assert "没有符合条件的记录" in page_of(browser, "/audit/?action=" + "x" * 500)
    assert page_of(browser, "/audit/?from=99999-01-01&to=abc")


def test_a_city_official_sees_only_the_citys_rows(app, browser, log):
    browser.login("city1")
    assert "成都的记录" not in page_of(browser, "/audit/?action=login")
    rows = _sheet(browser.get("/audit/export.xlsx?action=login"))
    assert len(rows) > 1 and not any("成都的记录" in str(cell) for row in rows for cell in row)
    other = type(browser)(app.test_client())
    other.login("aud1")  # the auditor reads the whole log
    assert "成都的记录" in page_of(other, "/audit/?action=login")


def _sheet(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return [[cell for cell in row] for row in
            load_workbook(io.BytesIO(response.data)).worksheets[0].iter_rows(values_only=True)]


def test_export_is_labelled_scoped_formula_safe_and_audited(app, browser, log):
    browser.login("aud1")
    rows = _sheet(browser.get("/audit/export.xlsx"))
    assert list(rows[0][:3]) == ["序号", "时间", "操作人"]
    flat = [str(cell) for row in rows for cell in row if cell is not None]
    assert any("姓名: 张三 → 张三丰" in cell for cell in flat)
    assert "流程办理" in flat and "社会组织" in flat
    assert not any(cell.startswith("=") for cell in flat)
    assert "'=cmd|'/C calc'!A0" in flat
    with app.app_context():
        row = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export")
                                 .order_by(AuditEntry.id.desc())).first()
        assert row.object_type == "AuditEntry" and row.actor_name == "aud1"
    # The export follows the page's filters.
    only = _sheet(browser.get("/audit/export.xlsx?action=transition"))
    assert {row[7] for row in only[1:]} == {"流程办理"}


def test_export_is_capped(app, browser, log):
    app.config["EXPORT_MAX_ROWS"] = 3
    app.config["JOBS_THRESHOLD"] = 1000
    browser.login("aud1")
    rows = _sheet(browser.get("/audit/export.xlsx"))
    assert len(rows) == 1 + 3 + 1 and "只导出了前" in rows[-1][0]


def test_a_large_export_is_a_job(app, browser, log):
    app.config["JOBS_THRESHOLD"] = 2
    browser.login("city1")
    response = browser.get("/audit/export.xlsx")
    assert response.status_code == 302 and "/jobs/" in response.location
    status = browser.get(response.location + "/status").get_json()
    assert status["status"] == "done" and status["ready"]
    rows = _sheet(browser.get(response.location + "/download"))
    assert len(rows) > 3 and any("流程办理" == row[7] for row in rows[1:])


def test_auditor_checks_the_chain_from_the_page(app, browser, log):
    browser.login("aud1")
    assert 'action="/audit/verify"' in page_of(browser)
    response = browser.post("/audit/verify")
    assert response.status_code == 302 and "/jobs/" in response.location
    done = page_of(browser, response.location)
    assert "审计链完整" in done and "已完成" in done
    with app.app_context():
        assert db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "verify_chain")).first() is not None
        # Someone with database access rewrites a row: the next check names it.
        target = db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "transition"))
        db.session.execute(update(AuditEntry).where(AuditEntry.id == target)
                           .values(comment="改过"))
        db.session.commit()
    browser.refresh_token("/audit/")
    broken = page_of(browser, browser.post("/audit/verify").location)
    assert "审计链有误" in broken and f"第 {target} 条" in broken


def test_only_auditors_check_the_chain(app, browser, log):
    browser.login("city1")
    assert 'action="/audit/verify"' not in page_of(browser)
    assert browser.post("/audit/verify").status_code == 403


def test_every_audited_model_has_a_label(app):
    with app.app_context():
        missing = [name for name, model in audit_labels.audited_models().items()
                   if not getattr(model, "__label__", None)]
        assert missing == []
        labels = [str(model.__label__) for model in audit_labels.audited_models().values()]
        assert len(labels) == len(set(labels))  # two models never read the same


def test_every_column_of_an_audited_model_reads_by_a_chinese_name(app):
    """An auditor reads every change as "字段: 旧值 → 新值" with the field's Chinese name, never
    its column name: each column of each audited model has a label."""
    with app.test_request_context():
        missing = [f"{name}.{column.key}"
                   for name, model in sorted(audit_labels.audited_models().items())
                   for column in model.__table__.columns
                   if audit_labels.field_label(model, column.key) == column.key]
    assert missing == []


def _recorded_actions() -> set[str]:
    """Every action code the code records: audit.record("x", ...), and the actions given to
    accounts.count_wrong_password."""
    found = set()
    for path in (ROOT / "registry").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            owner = getattr(getattr(node.func, "value", None), "id", "")
            first = node.args[0] if (name, owner) == ("record", "audit") else (
                node.args[1] if name == "count_wrong_password" and len(node.args) > 1 else None)
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
    return found | {"create", "update", "delete", "login_failed"}


def test_every_recorded_action_has_a_label():
    actions = _recorded_actions()
    assert {"login", "transition", "view_unmasked", "export"} <= actions
    assert sorted(actions - set(audit_labels.ACTION_LABELS)) == []


def test_changes_read_as_lines(app):
    with app.app_context():
        lines = audit_labels.change_lines("Organization", "transition",
                                          '{"status": ["submitted", "approved"]}')
        assert lines == ["状态: 已提交待审 → 已登记"]
        created = audit_labels.change_lines("Volunteer", "create",
                                            '{"status": "active", "gender": null}')
        assert "状态: 已注册" in created
        assert audit_labels.change_lines("Organization", "create",
                                         '{"org_type": "social_service"}') == ["类型: 社会服务机构"]
        assert audit_labels.change_lines("Region", "update", '{"level": ["county", "city"]}') == [
            "级别: 县（市、区） → 市"]
        assert audit_labels.change_lines("User", "update", "not json") == ["not json"]
