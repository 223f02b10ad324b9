"""Officials' incentive statistics: points issued, redeemed and expired per township and month
(a reversal and a cancellation netted), scoping by county and township, the Excel export
(formula-safe, audited) and bad filters — through the API, the page and the operations."""

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from test_incentives_helpers import make_admin, rich_volunteer, store_with_item

from registry.clock import today_local
from registry.extensions import db
from registry.incentives import redemptions, reports
from registry.models import AuditEntry, User
from registry.points import ledger, month_stats
from registry.points.ledger import VOLUNTEERS
from registry.points.models import PointsLedgerEntry, PointsMonthStats

A, B, OTHER = "511302001", "511302002", "511303001"  # A and B in 顺庆区, OTHER in 高坪区


def user_of(username):
    return db.session.scalar(select(User).where(User.username == username))


def this_month() -> str:
    return f"{today_local():%Y-%m}"


@pytest.fixture
def figures(app):
    """A: 100 earned, 10 reversed, 30 redeemed, 20 redeemed then cancelled, 5 expired;
    B (same county): 50 earned; OTHER (another county): 70 earned."""
    with app.app_context():
        admin, item = store_with_item(A, price=10, stock=10)
        volunteer, login = rich_volunteer(100, A)
        ledger.debit(volunteer, 10, "reverse", "更正", "corr:1")
        redemptions.redeem(user_of(login), volunteer, item, 3)
        cancelled = redemptions.redeem(user_of(login), volunteer, item, 2)
        redemptions.cancel(admin, cancelled)
        now = ledger.balance(volunteer)
        row = ledger.expire(VOLUNTEERS, volunteer.id, A, 5, now.spent, now.expired,
                            "exp:test", "过期")
        ledger.append_expiries(VOLUNTEERS, [row])
        rich_volunteer(50, B)
        rich_volunteer(70, OTHER)
        db.session.commit()


def rows_by_region(body):
    return {row["region_code"]: row for row in body["points"] if row["month"] == this_month()}


def test_county_sees_its_townships_with_net_figures(app, api, make_user, figures):
    make_user("county_official", "511302", "sq-stats")
    api.token("sq-stats")
    response = api.get("/api/v1/incentives/statistics")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["grouped_by"] == "township"
    rows = rows_by_region(body)
    assert set(rows) == {A, B}  # never another county's township
    assert (rows[A]["issued"], rows[A]["redeemed"], rows[A]["expired"]) == (90, 30, 5)
    assert (rows[B]["issued"], rows[B]["redeemed"], rows[B]["expired"]) == (50, 0, 0)
    store = body["stores"][0]
    assert (store["redemptions"], store["quantity"], store["points"], store["stock"]) == (
        1, 3, 30, 7)


def test_the_summary_equals_the_ledger(app, figures):
    """The running summary is what a GROUP BY over the ledger would give."""
    with app.app_context():
        issued = db.session.scalar(select(func.sum(PointsLedgerEntry.points)).where(
            PointsLedgerEntry.township_code == A,
            PointsLedgerEntry.kind.in_(["earn", "reverse"])))
        summary = db.session.scalar(select(func.sum(PointsMonthStats.issued)).where(
            PointsMonthStats.township_code == A))
        assert issued == summary == 90


def test_city_groups_by_county_and_drills_down(app, api, make_user, figures):
    make_user("city_official", "511300", "city-stats")
    api.token("city-stats")
    body = api.get("/api/v1/incentives/statistics").get_json()
    assert body["grouped_by"] == "county"
    rows = rows_by_region(body)
    assert rows["511302"]["issued"] == 140 and rows["511303"]["issued"] == 70
    drilled = api.get("/api/v1/incentives/statistics?region_code=511302").get_json()
    assert set(rows_by_region(drilled)) == {A, B}


def test_station_admin_sees_only_the_township(app, api, figures):
    with app.app_context():
        username = make_admin(B).username
        db.session.commit()
    api.token(username)
    body = api.get("/api/v1/incentives/statistics").get_json()
    assert set(rows_by_region(body)) == {B}
    assert api.get(f"/api/v1/incentives/statistics?region_code={A}").status_code == 404


@pytest.mark.parametrize("query, field", [
    ("month=13", "month"), ("month=0", "month"), ("year=99999", "year"), ("year=abc", "year"),
    ("year=-1", "year"), ("month=1.5", "month"),
])
def test_bad_filters_are_a_clear_422(app, api, make_user, query, field):
    make_user("county_official", "511302", "sq-bad")
    api.token("sq-bad")
    response = api.get(f"/api/v1/incentives/statistics?{query}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert field in error["fields"] and error["message"]


@pytest.mark.parametrize("region", [OTHER, "511303", "999999999", "abc", "5113020011234"])
def test_a_region_outside_the_county_is_a_404(app, api, make_user, region):
    make_user("county_official", "511302", "sq-far")
    api.token("sq-far")
    response = api.get(f"/api/v1/incentives/statistics?region_code={region}")
    assert response.status_code in (404, 422)
    assert response.get_json()["error"]["message"]


def test_volunteers_may_not_see_statistics(app, api):
    with app.app_context():
        _, login = rich_volunteer(0, A)
        db.session.commit()
    api.token(login)
    assert api.get("/api/v1/incentives/statistics").status_code == 403


def test_page_filters_and_messages(app, browser, make_user, figures):
    make_user("county_official", "511302", "sq-page")
    browser.login("sq-page")
    page = browser.get("/incentives/statistics")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "北城街道" in text and "白塔街道" not in text
    bad = browser.get("/incentives/statistics?month=13&year=99999")
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "月份应为 1 到 12 之间的整数" in text and "年份应为 1900 到 2100 之间的整数" in text
    assert browser.get(f"/incentives/statistics?region_code={OTHER}").status_code == 404
    assert browser.get("/incentives/statistics?table=nope&format=xlsx").status_code == 404


def test_export_is_scoped_formula_safe_and_audited(app, browser, make_user):
    with app.app_context():
        admin, item = store_with_item(A, price=5, stock=3)
        item.store.name = "=HYPERLINK(\"http://x\")超市"
        rich_volunteer(40, A)
        rich_volunteer(60, OTHER)
        db.session.commit()
    make_user("county_official", "511302", "sq-xlsx")
    browser.login("sq-xlsx")
    for table in ("points", "stores", "reports", "deeds", "benefits"):
        response = browser.get(f"/incentives/statistics?table={table}&format=xlsx")
        assert response.status_code == 200, table
        sheet = load_workbook(io.BytesIO(response.data)).active
        rows = list(sheet.iter_rows(values_only=True))
        if table == "points":
            assert [r[2] for r in rows[1:]] == [40]  # OTHER's 60 is another county's
        if table == "stores":
            assert rows[1][0].startswith("'=")
    with app.app_context():
        audited = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "export",
            AuditEntry.object_type == "IncentiveStatistics")).all()
        assert len(audited) == 5


def test_reports_by_category_and_outcome(app, api, make_user):
    with app.app_context():
        official = user_of(make_user("county_official", "511302", "sq-rep"))
        first = reports.submit({"category": "safety_hazard", "township_code": A,
                                "description": "楼道堆放杂物"})
        reports.submit({"category": "safety_hazard", "township_code": OTHER,
                        "description": "别的县"})
        reports.verify(official, first, "rejected", comment="经核实不属实")
        db.session.commit()
    api.token("sq-rep")
    rows = api.get("/api/v1/incentives/statistics").get_json()["reports"]
    assert [(r["category"], r["status"], r["count"], r["decided"]) for r in rows] == [
        ("safety_hazard", "rejected", 1, 1)]
    assert rows[0]["days_to_decide"] is not None


def test_month_is_the_beijing_month():
    assert month_stats.month_of(datetime(2026, 1, 31, 16, 30)) == 202602
    assert month_stats.month_of(datetime(2026, 1, 31, 15, 59)) == 202601


def test_figures_are_kept_a_while_per_region_and_language(app, api, make_user, figures):
    """STATISTICS_SECONDS: a second look within the period reads the kept figures (a new
    earning shows after it); another county and another language are never served them."""
    app.config["STATISTICS_SECONDS"] = 60
    make_user("county_official", "511302", "sq-kept")
    make_user("county_official", "511303", "gp-kept")
    api.token("sq-kept")
    first = rows_by_region(api.get("/api/v1/incentives/statistics").get_json())
    with app.app_context():
        rich_volunteer(40, A)
        db.session.commit()
    kept = rows_by_region(api.get("/api/v1/incentives/statistics").get_json())
    assert kept[A]["issued"] == first[A]["issued"]
    english = api.get("/api/v1/incentives/statistics", headers={"Accept-Language": "en"})
    assert rows_by_region(english.get_json())[A]["issued"] == first[A]["issued"] + 40
    api.token("gp-kept")
    other = rows_by_region(api.get("/api/v1/incentives/statistics").get_json())
    assert set(other) == {OTHER}
    app.config["STATISTICS_SECONDS"] = 0
    api.token("sq-kept")
    fresh = rows_by_region(api.get("/api/v1/incentives/statistics").get_json())
    assert fresh[A]["issued"] == first[A]["issued"] + 40
