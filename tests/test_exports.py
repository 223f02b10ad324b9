"""Every export (organization CSV page, volunteer .xlsx page, every back-office view in CSV and
.xlsx) is scoped, capped, formula-safe and audited (registry/exports.py)."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from registry import audit, exports
from registry.admin import ScopedModelView
from registry.extensions import db
from registry.models import AuditEntry, User
from registry.organizations import operations as organizations
from registry.organizations.demo import sample_data
from registry.volunteers.bulk import seed_volunteers
from registry.volunteers.models import Volunteer

EVIL_ORG = "=1+2+cmd|' /C calc'!A0协会"
EVIL_PERSON = "@SUM(1+1)*cmd|' /C calc'!A0"


@pytest.fixture
def rows(app, make_user):
    """A formula-looking organization (顺庆区) and volunteers, one with a formula-looking name."""
    make_user("county_official", "511302", "sq1")
    make_user("county_official", "511303", "gp1")
    make_user("city_official", "511300", "city1")
    with app.app_context():
        sq = db.session.scalar(select(User).where(User.username == "sq1"))
        audit.set_actor(sq)
        organizations.create_application(sq, sample_data(name="南充市顺庆区示例协会"),
                                         submit=True)
        seed_volunteers(20)
        db.session.commit()
        # Names a form would refuse, written straight in: an import or a legacy row could hold
        # them, and the export must still not turn them into formulas.
        db.session.execute(update(organizations.Organization).values(name=EVIL_ORG))
        first = db.session.scalar(select(Volunteer.id).where(
            Volunteer.township_code.like("511302%")).order_by(Volunteer.id))
        db.session.execute(update(Volunteer).where(Volunteer.id == first).values(
            name=EVIL_PERSON))
        db.session.commit()


def login(app, username):
    from conftest import Browser

    browser = Browser(app.test_client())
    browser.login(username)
    return browser


def cells(response, fmt):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    if fmt == "csv":
        text = response.data.decode("utf-8-sig")
        return [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    return [cell for row in sheet.iter_rows(values_only=True) for cell in row]


def test_safe_cell_neutralises_formulas():
    for text in ("=1+2", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"):
        assert exports.safe_cell(text) == "'" + text
    assert exports.safe_cell("南充") == "南充"
    assert exports.safe_cell(-5) == -5 and exports.safe_cell(None) == ""


def test_page_exports_are_formula_safe_and_audited(app, rows):
    city = login(app, "city1")
    values = cells(city.get("/organizations/export.csv"), "csv")
    assert "'" + EVIL_ORG in values and EVIL_ORG not in values
    values = cells(city.get("/volunteers/export.xlsx"), "xlsx")
    assert "'" + EVIL_PERSON in values and EVIL_PERSON not in values
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export")
                                     .order_by(AuditEntry.id)).all()
        assert [(e.object_type, json.loads(e.changes)["rows"]) for e in entries] == [
            ("Organization", 1), ("Volunteer", 20)]
        assert all(e.actor_name == "city1" for e in entries)


def admin_views(app):
    with app.app_context():
        return [view for view in app.extensions["admin"][0]._views
                if isinstance(view, ScopedModelView) and view.can_export]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_back_office_view_exports_as_a_city_official(app, rows, fmt):
    city = login(app, "city1")
    exported = 0
    for view in admin_views(app):
        response = city.get(f"{view.url}/export/{fmt}/")
        if response.status_code == 403:  # the view is not for city officials
            continue
        values = cells(response, fmt)
        if view.model.__name__ == "Organization":
            assert "'" + EVIL_ORG in values and EVIL_ORG not in values
        if view.model.__name__ == "Volunteer":
            assert "'" + EVIL_PERSON in values and EVIL_PERSON not in values
        exported += 1
    assert exported >= 15
    with app.app_context():
        audited = db.session.scalar(select(db.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "export"))
    assert audited == exported


def test_a_foreign_row_never_appears(app, rows):
    gaoping = login(app, "gp1")  # 高坪区: the organization and the 顺庆区 volunteers are foreign
    with app.app_context():
        foreign = set(db.session.scalars(select(Volunteer.volunteer_no).where(
            ~Volunteer.township_code.like("511303%"))))
    assert foreign
    for fmt in ("csv", "xlsx"):
        for view in admin_views(app):
            response = gaoping.get(f"{view.url}/export/{fmt}/")
            if response.status_code == 403:
                continue
            values = {str(v) for v in cells(response, fmt)}
            assert not values & foreign, view.url
            assert "'" + EVIL_ORG not in values and EVIL_PERSON not in values
    assert "'" + EVIL_ORG not in cells(gaoping.get("/organizations/export.csv"), "csv")
    values = set(cells(gaoping.get("/volunteers/export.xlsx"), "xlsx"))
    assert not values & foreign


def test_exports_are_capped(app, rows):
    app.config["EXPORT_MAX_ROWS"] = 5
    city = login(app, "city1")
    sheet = cells(city.get("/admin/volunteer/export/csv/"), "csv")
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
        assert json.loads(entry.changes)["rows"] == 5
    assert len([v for v in sheet if v.startswith(("S0", "'S0")) or v[:1] == "S"]) <= 5
