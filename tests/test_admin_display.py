"""The back office shows times as the rest of the app does (Beijing time, whole seconds) in
every view's lists, details and exports, and codes (region levels, statuses) by their labels."""

import re
from datetime import datetime

from sqlalchemy import DateTime, select

from registry.admin import ScopedModelView, beijing_time
from registry.clock import to_local
from registry.extensions import db
from registry.models import AuditEntry, User

MICROSECONDS = re.compile(r"\d{2}:\d{2}:\d{2}\.\d")


def test_every_view_formats_datetimes_as_beijing_time(app):
    views = [view for admin in app.extensions["admin"] for view in admin._views
             if isinstance(view, ScopedModelView)]
    assert len(views) > 10
    for view in views:
        for formatters in (view.column_type_formatters, view.column_type_formatters_detail,
                           view.column_type_formatters_export):
            assert formatters[datetime] is beijing_time, view
        # No view formats one of its DateTime columns its own way (UTC, microseconds).
        times = {c.key for c in view.model.__table__.columns if isinstance(c.type, DateTime)}
        assert not times & set(view.column_formatters or {}), view


def test_lists_and_details_show_beijing_time(app, browser, make_user):
    browser.login(make_user("system_admin", "511300", "root1"))
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "root1"))
        shown = f"{to_local(user.created_at):%Y-%m-%d %H:%M:%S}"
    listing = browser.get("/admin/user/").get_data(as_text=True)
    assert shown in listing and not MICROSECONDS.search(listing)

    auditor = type(browser)(app.test_client())
    auditor.login(make_user("auditor", "511300", "aud1"))
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        shown = f"{to_local(entry.created_at):%Y-%m-%d %H:%M:%S}"
    for url in ("/admin/auditentry/", f"/admin/auditentry/details/?id={entry.id}"):
        page = auditor.get(url).get_data(as_text=True)
        assert shown in page and not MICROSECONDS.search(page), url
    assert "时间(UTC)" not in page
    export = auditor.get("/admin/auditentry/export/csv/").data.decode("utf-8-sig")
    assert shown in export and not MICROSECONDS.search(export)


def test_region_levels_and_audit_codes_read_in_chinese(app, browser, make_user):
    browser.login(make_user("system_admin", "511300", "root1"))
    page = browser.get("/admin/region/?flt0_0=township").get_data(as_text=True)
    assert re.search(r">\s*乡镇（街道）\s*<", page) and not re.search(r">\s*township\s*<", page)
    listing = browser.get("/admin/region/").get_data(as_text=True)
    assert re.search(r">\s*县（市、区）\s*<", listing) and re.search(r">\s*市\s*<", listing)
    auditor = type(browser)(app.test_client())
    auditor.login(make_user("auditor", "511300", "aud1"))
    page = auditor.get("/admin/auditentry/").get_data(as_text=True)
    body = page[page.index("model-list"):page.index("</table>", page.index("model-list"))]
    assert "新建" in body and "用户" in body and '{"' not in body and "&#34;" not in body
