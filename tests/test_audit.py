"""The audit log: every kind of write leaves a masked row; the hash chain finds tampering."""

import json

import pytest
from sqlalchemy import event, func, insert, select, text

from registry import accounts, audit
from registry.clock import utcnow
from registry.extensions import db
from registry.models import AuditEntry, User


def _entries(**filters):
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    for key, value in filters.items():
        stmt = stmt.where(getattr(AuditEntry, key) == value)
    return list(db.session.scalars(stmt))


def test_create_and_update_are_recorded_with_masked_personal_data(ctx):
    user, _ = accounts.create_user("auditme", "Audit#Me2026x", "volunteer", "511302001", "张三",
                                   phone="13812345678")
    db.session.commit()
    created = _entries(object_type="User", object_id=str(user.id), action="create")[0]
    changes = json.loads(created.changes)
    assert changes["phone"] == "138****5678"
    assert changes["password_hash"] == "***"
    assert "Audit#Me" not in created.changes
    user.display_name = "张三丰"
    db.session.commit()
    updated = _entries(object_type="User", object_id=str(user.id), action="update")[-1]
    assert json.loads(updated.changes)["display_name"] == ["张三", "张三丰"]
    assert updated.actor_name == "cli"


def test_web_login_and_admin_write_are_recorded_with_actor_and_ip(app, browser, make_user):
    admin = make_user("system_admin", "511300", username="root1")
    browser.login(admin)
    with app.app_context():
        login = _entries(action="login")[-1]
        assert login.actor_name == "root1" and login.ip == "127.0.0.1"
    browser.refresh_token("/admin/user/new/")
    response = browser.post("/admin/user/new/", {
        "username": "made.in.admin", "display_name": "后台创建", "role": "county_official",
        "region_code": "511303", "phone": "", "active": "y"})
    assert response.status_code == 302
    with app.app_context():
        row = _entries(object_type="User", action="create")[-1]
        assert row.actor_name == "root1" and "made.in.admin" in row.changes


def test_api_login_is_recorded(app, api, make_user):
    username = make_user("county_official", "511302")
    api.token(username)
    with app.app_context():
        row = _entries(action="login")[-1]
        assert row.actor_name == username and row.comment == "API token"


def test_audit_rows_cannot_be_changed_through_the_app(ctx):
    audit.record("note", object_type="Test", object_id="1", comment="first")
    db.session.commit()
    row = _entries(object_type="Test")[0]
    row.comment = "changed"
    with pytest.raises(audit.AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, row.id))
    with pytest.raises(audit.AppendOnlyError):
        db.session.flush()
    db.session.rollback()


def test_chain_verifies_and_detects_a_changed_row(ctx):
    for n in range(3):
        audit.record("note", object_type="Test", object_id=str(n))
    db.session.commit()
    assert audit.verify_chain() == []
    middle = _entries(object_type="Test")[1]
    db.session.execute(text("UPDATE audit_entry SET comment = 'forged' WHERE id = :id"),
                       {"id": middle.id})
    db.session.commit()
    problems = audit.verify_chain()
    assert any("被修改" in p for p in problems)


def test_chain_detects_a_removed_row(ctx):
    for n in range(3):
        audit.record("note", object_type="Test", object_id=str(n))
    db.session.commit()
    rows = _entries(object_type="Test")
    db.session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": rows[1].id})
    db.session.commit()
    assert any("删除" in p for p in audit.verify_chain())


def test_chain_detects_a_removed_last_row(ctx):
    audit.record("note", object_type="Test", object_id="x")
    db.session.commit()
    last = db.session.scalar(select(func.max(AuditEntry.id)))
    db.session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": last})
    db.session.commit()
    assert audit.verify_chain()


def test_audit_verify_command(app):
    runner = app.test_cli_runner()
    with app.app_context():
        for n in range(2):
            audit.record("note", object_type="Test", object_id=str(n))
        db.session.commit()
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 0 and "完整" in result.output
    with app.app_context():
        first = _entries(object_type="Test")[0]
        db.session.execute(text("UPDATE audit_entry SET actor_name = 'x' WHERE id = :id"),
                           {"id": first.id})
        db.session.commit()
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1 and "校验失败" in result.output


def test_audit_page_filters_for_auditor_and_refuses_others(app, browser, make_user):
    auditor = make_user("auditor", "511300")
    official = make_user("county_official", "511302", username="cty1")
    browser.login(official)
    assert browser.get("/audit/").status_code == 403
    browser.refresh_token("/account/password")
    browser.post("/logout")
    browser.login(auditor)
    page = browser.get("/audit/?actor=cty1&object_type=User").get_data(as_text=True)
    assert "cty1" in page and "login" in page
    assert browser.get("/audit/?from=2000-01-01&to=2000-01-02").status_code == 200
    assert "没有符合条件的记录" in browser.get("/audit/?from=2000-01-01&to=2000-01-02").get_data(
        as_text=True)
    assert browser.get("/audit/?page=abc").status_code == 400
    assert browser.get("/audit/?cursor=%%%").status_code == 400


def test_no_user_row_is_ever_logged_with_a_plain_password(ctx):
    accounts.create_user("plainpw", "Plain#Text2026", "county_official", "511302", "测试")
    db.session.commit()
    assert not db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.changes.contains("Plain#Text2026")))
    user = db.session.scalar(select(User).where(User.username == "plainpw"))
    assert "Plain#Text2026" not in user.password_hash


def test_a_long_audit_log_says_more_than_1000_without_counting_every_row(app, browser,
                                                                          make_user):
    with app.app_context():
        db.session.execute(insert(AuditEntry), [
            {"actor_name": f"actor{n % 7}", "object_type": "Volunteer", "object_id": str(n),
             "action": "update", "prev_hash": f"{n:064d}", "row_hash": f"{n + 1:064d}",
             "created_at": utcnow()} for n in range(1_001)])
        db.session.commit()
    browser.login(make_user("auditor", "511300"))
    counts = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "count(" in statement.lower():
            counts.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            everything = browser.get("/audit/").get_data(as_text=True)
            one_actor = browser.get("/audit/?actor=actor3").get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    assert "超过 1,000 条" in everything
    assert "共 143 条" in one_actor and "超过 1,000 条" not in one_actor
    assert counts and all("LIMIT" in sql for sql in counts)
