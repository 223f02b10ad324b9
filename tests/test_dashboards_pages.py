"""The dashboards' page and export: scoping (a county official sees only their county, a
foreign region is a 404), the period's errors at their field, each table on the page, and the
.xlsx (its contents equal the table, scoped, formula-safe, audited)."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from registry.dashboards import dashboard
from registry.dashboards.figures import TABLE_NAMES, figures
from registry.extensions import db
from registry.models import AuditEntry
from registry.organizations.models import Organization
from registry.volunteers.models import Station

EVIL = "=HYPERLINK(\"http://x\",\"x\")"


@pytest.fixture
def world(app, make_user):
    with app.app_context():
        db.session.add_all([
            Organization(name="顺庆甲", org_type="social_group", region_code="511302",
                         status="approved"),
            Organization(name="高坪甲", org_type="foundation", region_code="511303",
                         status="approved"),
            Station(name="中城站", township_code="511302001"),
            Station(name="白塔站", township_code="511303001"),
        ])
        db.session.commit()
    return {"county": make_user("county_official", "511302", "sq-dash"),
            "city": make_user("city_official", "511300", "city-dash"),
            "station": make_user("station_admin", "511302001", "st-dash"),
            "volunteer": make_user("volunteer", "511302001", "vol-dash")}


def text(response):
    return response.get_data(as_text=True)


def test_county_official_sees_their_county_by_township(browser, world):
    browser.login("sq-dash")
    response = browser.get("/dashboards/?from=2026-01&to=2026-11")
    assert response.status_code == 200
    page = text(response)
    assert "顺庆区" in page
    assert "高坪区" not in page  # another county never appears, not even in the choices
    for name in TABLE_NAMES:
        if not name.startswith("suggestions"):
            assert f'id="{name}"' in page and f"table={name}" in page
    assert 'id="dashboard-charts"' in page and "js/dashboards.js" in page
    assert "vendor/echarts/echarts.min.js" in page
    assert 'data-headline="organizations">1<' in page


def test_foreign_region_is_a_404(browser, world):
    browser.login("sq-dash")
    assert browser.get("/dashboards/?region_code=511303").status_code == 404
    assert browser.get("/dashboards/?region_code=511300").status_code == 404
    assert browser.get("/dashboards/?region_code=511303001").status_code == 404
    assert browser.get("/dashboards/?region_code=abc").status_code == 404
    assert browser.get("/dashboards/export?table=coverage&region_code=511303").status_code == 404
    assert browser.get("/dashboards/?region_code=511302001").status_code == 200


def test_city_drills_into_a_county(browser, world):
    browser.login("city-dash")
    page = text(browser.get("/dashboards/"))
    assert "高坪区" in page and "region_code=511303" in page  # the coverage rows link down
    drilled = browser.get("/dashboards/?region_code=511303")
    assert drilled.status_code == 200 and "breadcrumb" in text(drilled)


def test_station_admin_sees_their_township_only(browser, world):
    browser.login("st-dash")
    assert browser.get("/dashboards/").status_code == 200
    assert browser.get("/dashboards/?region_code=511302").status_code == 404


def test_others_may_not_open_it(browser, world):
    browser.login("vol-dash")
    assert browser.get("/dashboards/").status_code in (403, 404)
    anonymous = browser.client.application.test_client()
    assert anonymous.get("/dashboards/").status_code in (302, 401)


@pytest.mark.parametrize("query, field", [
    ("from=2026-05&to=2026-01", "to"),
    ("from=0001-01&to=2026-01", "from"),
    ("from=2026-01&to=9999-12", "to"),
    ("from=2019-01&to=2026-01", "from"),
    ("from=2026-13", "from"),
    ("from=2026-02-30", "from"),
    ("from=abc&to=2026-01", "from"),
    ("from=2026-1-1x", "from"),
    ("to=99999999999", "to"),
])
def test_bad_periods_are_named_at_their_field(browser, world, query, field):
    browser.login("sq-dash")
    response = browser.get(f"/dashboards/?{query}")
    assert response.status_code == 422
    page = text(response)
    assert f'id="{field}"' in page and "is-invalid" in page and "invalid-feedback" in page
    assert browser.get(f"/dashboards/export?table=coverage&{query}").status_code == 422


def test_a_full_five_years_is_fine(browser, world):
    browser.login("city-dash")
    assert browser.get("/dashboards/?from=2021-01&to=2025-12").status_code == 200
    assert browser.get("/dashboards/?from=2021-01&to=2026-01").status_code == 422


def test_export_equals_the_table_scoped_and_audited(app, browser, world):
    with app.app_context():
        db.session.add(Station(name="station", township_code="511302002"))
        db.session.commit()
    browser.login("sq-dash")
    response = browser.get("/dashboards/export?table=coverage&from=2026-01&to=2026-06")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    lines = [list(row) for row in sheet.iter_rows(values_only=True)]
    with app.test_request_context():
        table = figures("511302", date(2026, 1, 1), date(2026, 6, 30))["tables"]["coverage"]
        assert lines[0] == [str(label) for _key, label in table["columns"]]
        expected = [[("" if v is None else float(v) if not isinstance(v, (int, str)) else v)
                     for v in line] for line in dashboard.table_lines(table)]
    assert [[float(v) if isinstance(v, float) else v for v in line]
            for line in lines[1:]] == expected
    assert len(lines) == 1 + 19 and all(line[0] != "高坪区" for line in lines)
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "export", AuditEntry.object_type == "Dashboard")
            .order_by(AuditEntry.id.desc())).first()
        assert entry is not None and entry.region_code == "511302"
        assert "coverage" in str(entry.changes)


def test_export_is_formula_safe(app, browser, world):
    from registry.purchasing.models import AwardApplication, AwardRound

    with app.app_context():
        org = db.session.scalar(select(Organization.id).where(Organization.name == "顺庆甲"))
        award = AwardRound(title=EVIL, year=2026, region_code="511300",
                           opens_on=date(2026, 3, 1), closes_on=date(2026, 3, 31),
                           status="open")
        db.session.add(award)
        db.session.flush()
        db.session.add(AwardApplication(
            round_id=award.id, applicant_kind="organization", organization_id=org,
            region_code="511302", title="x", work_from=date(2026, 3, 1),
            work_to=date(2026, 3, 2), status="paid", amount_fen=12345, paid_fen=12345,
            paid_on=date(2026, 3, 5)))
        db.session.commit()
    browser.login("sq-dash")
    response = browser.get("/dashboards/export?table=awards&from=2026-01&to=2026-06")
    sheet = load_workbook(io.BytesIO(response.data)).active
    lines = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert lines[1][0] == "'" + EVIL  # text, never a formula
    assert float(lines[1][-1]) == 123.45  # fen shown as yuan, as on the page
    page = text(browser.get("/dashboards/?from=2026-01&to=2026-06"))
    assert "123.45" in page


def test_unknown_table_is_a_404(browser, world):
    browser.login("sq-dash")
    assert browser.get("/dashboards/export?table=nope").status_code == 404
    assert browser.get("/dashboards/export").status_code == 404


def test_large_export_runs_as_a_job(app, browser, world):
    app.config["JOBS_THRESHOLD"] = 5  # the county's 19 townships: over it
    browser.login("sq-dash")
    response = browser.get("/dashboards/export?table=coverage&from=2026-01&to=2026-06")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_page = browser.get(response.headers["Location"])
    assert job_page.status_code == 200


def test_public_home_shows_the_citys_figures(app, world):
    page = text(app.test_client().get("/"))
    assert "全市概况" in page
    assert 'data-figure="organizations">2<' in page  # 顺庆甲 and 高坪甲, both approved
    assert 'data-figure="stations">2<' in page
    assert 'data-figure="townships_covered">2 / 242<' in page
    assert 'data-figure="answer_rate">—<' in page  # no suggestions yet
    assert "顺庆甲" not in page  # figures only
