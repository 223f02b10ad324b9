"""The audit log: every kind of write leaves a row, and no row holds a personal value (or a
field that rebuilds one). The hash chain is tested in test_audit_chain.py."""

import json
import re
from datetime import date, datetime

import pytest
from sqlalchemy import Date, DateTime, String, Text, event, func, insert, select

from registry import accounts, audit
from registry.clock import utcnow
from registry.extensions import db
from registry.models import AuditEntry, User
from registry.volunteers import operations as volunteers


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


# What a person's data looks like in a column name, written here independently of audit.py.
PERSONAL = re.compile(r"phone|mobile|tel|id_number|id_card|birth|contact|guardian|password|"
                      r"secret|token|encrypted|hash")
SAMPLE_ID = "511302199503070010"  # its digits 7-14 are the birth date 1995-03-07


def _personal_columns():
    for mapper in db.Model.registry.mappers:
        model = mapper.class_
        if getattr(model, "__audit_skip__", False):
            continue
        masked = getattr(model, "__masked_fields__", {})
        for attr in mapper.column_attrs:
            if PERSONAL.search(attr.key) or attr.key in masked:
                yield model, mapper, attr.key, attr.columns[0].type


def test_every_personal_field_of_every_model_is_masked_in_the_row_of_an_insert(ctx):
    checked = []
    for model, mapper, key, kind in _personal_columns():
        obj = mapper.class_manager.new_instance()
        if isinstance(kind, DateTime):
            setattr(obj, key, datetime(1995, 3, 7, 8, 30))
        elif isinstance(kind, Date):
            setattr(obj, key, date(1995, 3, 7))
        elif isinstance(kind, String | Text):
            setattr(obj, key, SAMPLE_ID)
        else:
            continue
        written = json.dumps(audit.changes_of(obj, "create"), ensure_ascii=False)
        for clear in (SAMPLE_ID, "19950307", "1995-03-07"):
            assert clear not in written, f"{model.__name__}.{key} shows {clear!r} in {written}"
        checked.append(f"{model.__name__}.{key}")
    # The walk did find the fields the rule is about.
    for field in ("Volunteer.birth_date", "Volunteer.guardian_phone", "Volunteer.guardian_name",
                  "Volunteer.id_number_encrypted", "Volunteer.id_number_hash", "User.phone",
                  "Organization.contact_phone", "Station.contact_name", "ApiToken.token_hash"):
        assert field in checked, field


def test_a_registered_minor_leaves_no_birth_date_id_or_guardian_phone_in_the_log(ctx):
    volunteer = volunteers.register_self({
        "name": "王小红", "id_number": "511321201206150021", "phone": "13700001234",
        "township_code": "511321001", "skills": "", "guardian_name": "王大明",
        "guardian_phone": "13900005678", "guardian_consent": "y", "password": "Minor#Reg2026"})
    db.session.commit()
    rows = db.session.scalars(select(AuditEntry.changes).where(
        AuditEntry.object_type == "Volunteer", AuditEntry.object_id == str(volunteer.id)))
    text = " ".join(rows)
    assert "birth_date" in text and "guardian_phone" in text  # the fields are logged, masked
    for clear in ("20120615", "2012-06-15", "511321201206150021", "13900005678", "13700001234",
                  "王大明"):
        assert clear not in text
    assert "139****5678" in text


def test_explicit_changes_given_to_record_are_masked_by_field_name(ctx):
    audit.record("note", object_type="Test", object_id="1",
                 changes={"phone": ["13812345678", "13912345678"], "birth_date": "1995-03-07",
                          "status": "active"})
    db.session.commit()
    row = _entries(object_type="Test")[-1]
    changes = json.loads(row.changes)
    assert changes == {"phone": ["138****5678", "139****5678"], "birth_date": "***",
                       "status": "active"}


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


def test_phone_and_id_numbers_typed_into_free_text_are_masked_in_every_row(ctx):
    """A comment or any string value (a file name, a note) is scrubbed, whatever its field."""
    audit.record("note", object_type="Test", object_id="2",
                 changes={"original_name": "法人身份证511302199001011234_13912345678.pdf",
                          "status": ["x", "电话 +8613912345678"]},
                 comment="身份证 511302199001011234 电话 13912345678 本人要求")
    db.session.commit()
    row = _entries(object_type="Test")[-1]
    assert row.comment == "身份证 511302********1234 电话 139****5678 本人要求"
    assert json.loads(row.changes) == {
        "original_name": "法人身份证511302********1234_139****5678.pdf",
        "status": ["x", "电话 +86139****5678"]}


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return app


def test_a_workflow_comment_and_an_uploaded_file_name_reach_the_log_masked(demo, api, browser):
    import io

    from registry.organizations.models import DOCUMENT_KINDS, Organization
    from registry.volunteers.models import Volunteer
    id_no, phone = "511302199001011234", "13912345678"
    with demo.app_context():
        vid = db.session.scalar(select(Volunteer.id).where(
            Volunteer.status == "active", Volunteer.township_code.startswith("511302"))
            .order_by(Volunteer.id))
        org_id = db.session.scalar(select(Organization.id).where(
            Organization.region_code.startswith("511302")).order_by(Organization.id))
    api.token("shunqing", "Nanchong#2026")
    response = api.post(f"/api/v1/volunteers/{vid}/suspend",
                        json={"comment": f"身份证 {id_no} 电话 {phone} 本人要求"})
    assert response.status_code == 200, response.get_json()
    browser.login("shunqing", "Nanchong#2026")
    response = browser.client.post(f"/organizations/{org_id}/documents", data={
        "csrf_token": browser.token, "kind": next(iter(DOCUMENT_KINDS)),
        "file": (io.BytesIO(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"),
                 f"法人身份证{id_no}_{phone}.pdf")}, content_type="multipart/form-data")
    assert response.status_code < 400
    with demo.app_context():
        rows = db.session.execute(select(AuditEntry.object_type, AuditEntry.changes,
                                         AuditEntry.comment)).all()
    assert any("511302********1234" in comment for _, _, comment in rows)
    assert any(kind == "OrgDocument" and "139****5678" in changes for kind, changes, _ in rows)
    assert not [r for r in rows if any(id_no in str(v) or phone in str(v) for v in r)]
    auditor = type(browser)(demo.test_client())
    auditor.login("auditor", "Nanchong#2026")
    screen = auditor.get("/audit/").get_data(as_text=True)
    assert id_no not in screen and phone not in screen
