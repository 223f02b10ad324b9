"""figures(): each statistic against a small hand-computed fixture (two counties), and the
monthly summary (TownshipMonthStats) kept in the same transaction as the year's and equal to
a recount of the rows — through the operations that write them."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from test_activities_helpers import enrol, make_activity, make_admin, make_station, make_volunteer

from registry.activities import service_records
from registry.clock import to_local, today_local, utcnow
from registry.dashboards.figures import figures, months_between
from registry.extensions import db
from registry.incentives.models import Report
from registry.organizations.models import Organization
from registry.purchasing import spending_summary
from registry.purchasing.models import (
    AwardApplication,
    AwardRound,
    DirectoryEdition,
    DirectoryItem,
    ProjectPayment,
    PurchasedServiceProject,
)
from registry.volunteers import operations as volunteer_ops
from registry.volunteers.models import TownshipMonthStats, TownshipYearStats

A, B, OTHER = "511302001", "511302002", "511303001"  # A, B in 顺庆区 (19 townships), OTHER 高坪区


def month_of(moment) -> int:
    local = to_local(moment)
    return local.year * 100 + local.month


def period():
    today = today_local()
    return date(today.year, 1, 1) if today.month > 1 else date(today.year - 1, 12, 1), today


def _report(township, category, status, hours=None):
    now = utcnow()
    row = Report(tracking_code=f"T{township[-4:]}{category[:3]}{status[:3]}{hours or 0}"[:12],
                 category=category, township_code=township, description="测试",
                 status=status, created_at=now - timedelta(hours=5),
                 decided_at=now - timedelta(hours=5 - hours) if hours else None)
    db.session.add(row)


def _spending(region, county, category, amount, paid):
    edition = db.session.scalar(select(DirectoryEdition)) or DirectoryEdition(
        year=2026, title="目录", region_code="511300")
    db.session.add(edition)
    db.session.flush()
    item = DirectoryItem(edition_id=edition.id, code=f"{category}{county[-2:]}", level=2,
                         name="助老服务")
    db.session.add(item)
    db.session.flush()
    provider = db.session.scalar(select(Organization.id).where(Organization.name == "顺庆甲"))
    today = today_local()
    project = PurchasedServiceProject(
        title="居家养老", year=today.year, region_code=region, county_code=county,
        edition_id=edition.id, item_id=item.id, item_code=item.code, item_name=item.name,
        category_code=category, category_name=f"类别{category}", purchaser="民政局",
        provider_id=provider, procurement_method="public", amount_fen=amount,
        starts_on=today, ends_on=today + timedelta(days=300))
    db.session.add(project)
    db.session.flush()
    spending_summary.bump(project, projects=1, amount_fen=amount)  # as projects.py records
    db.session.add(ProjectPayment(project_id=project.id, region_code=region, amount_fen=paid,
                                  paid_on=today, paid_after_fen=paid))


@pytest.fixture
def world(ctx):
    """顺庆区: 3 organizations (2 approved: a 4A social group, an ungraded foundation; one
    submitted), stations at A and B, 2 volunteers approved at A and 1 at B then suspended, an
    activity at A with 60 minutes confirmed (10 points), reports (upheld after 2 h, rejected
    after 4 h, open), a project of 5,000.00 yuan with 1,200.00 paid, an award of 800.00 paid.
    高坪区: one of each, which the county's figures never show."""
    db.session.add_all([
        Organization(name="顺庆甲", org_type="social_group", region_code="511302",
                     status="approved", grade="4A"),
        Organization(name="顺庆乙", org_type="foundation", region_code=A, status="approved"),
        Organization(name="顺庆丙", org_type="community", region_code=B, status="submitted"),
        Organization(name="高坪甲", org_type="social_group", region_code="511303",
                     status="approved"),
    ])
    make_station(A)
    make_station(B)
    make_station(OTHER)
    admin = make_admin(A)
    admins = {A: admin, B: make_admin(B), OTHER: make_admin(OTHER)}
    people = []
    for township in (A, A, B, OTHER):
        volunteer, _login = make_volunteer(township, status="pending")
        volunteer_ops.transition(volunteer, "approve", admins[township])
        people.append(volunteer)
    volunteer_ops.transition(people[2], "suspend", admins[B], "暂停")
    activity = make_activity(admin, start_in=timedelta(hours=-3))
    enrol(activity, people[0])
    service_records.confirm_service(admin, activity, people[0], 60)
    _report(A, "safety_hazard", "upheld", 2)
    _report(A, "safety_hazard", "rejected", 4)
    _report(B, "environment", "submitted")
    _report(OTHER, "safety_hazard", "upheld", 1)
    db.session.flush()
    _spending("511302", "511302", "A01", 500000, 120000)
    _spending("511303", "511303", "A01", 900000, 900000)
    org = db.session.scalar(select(Organization.id).where(Organization.name == "顺庆甲"))
    today = today_local()
    award = AwardRound(title="2026 以奖代补", year=today.year, region_code="511300",
                       opens_on=today, closes_on=today, status="open")
    db.session.add(award)
    db.session.flush()
    db.session.add(AwardApplication(round_id=award.id, applicant_kind="organization",
                                    organization_id=org, region_code="511302", title="助老",
                                    work_from=today, work_to=today, status="paid",
                                    amount_fen=80000, paid_fen=80000, paid_on=today))
    db.session.flush()
    return activity


def test_county_figures_by_hand(world):
    start, end = period()
    data = figures("511302", start, end)
    assert data["region"] == {"code": "511302", "name": "顺庆区", "level": "county"}
    assert data["period"] == {"start": start, "end": end}
    h = data["headline"]
    assert h == {
        "organizations": 2, "stations": 2, "townships": 19, "townships_covered": 2,
        "volunteers": 2, "new_volunteers": 2, "service_minutes": 60,
        "points_issued": 10, "points_redeemed": 0, "points_expired": 0,
        "reports": 3, "reports_upheld": 1, "suggestions": 0, "suggestions_answered": 0,
        "answer_rate_permille": 0, "spending_fen": 120000, "awards_fen": 80000}
    assert all(type(value) is int for value in h.values())
    assert set(data["headline_labels"]) == set(h)
    t = {name: table["rows"] for name, table in data["tables"].items()}
    assert set(t) == {
        "organizations_by_type", "organizations_by_status", "organizations_by_grade",
        "coverage", "volunteers_by_month", "points_by_month", "reports_by_category",
        "suggestions_by_category", "suggestions_by_region", "spending_by_category", "awards"}
    counts = {row["key"]: row["organizations"] for row in t["organizations_by_type"]}
    assert counts == {"social_group": 1, "social_service": 0, "foundation": 1, "community": 0}
    status = {row["key"]: row["organizations"] for row in t["organizations_by_status"]}
    assert status["approved"] == 2 and status["submitted"] == 1 and status["draft"] == 0
    grades = {row["key"]: row["organizations"] for row in t["organizations_by_grade"]}
    assert grades["4A"] == 1 and grades[""] == 1 and grades["5A"] == 0
    coverage = {row["region_code"]: row for row in t["coverage"]}
    assert len(coverage) == 19 and coverage[A]["covered"] == 1
    assert coverage["511302003"]["uncovered"] == 1
    assert coverage[A]["coverage_permille"] == 1000
    this = f"{today_local():%Y-%m}"
    months = {row["month"]: row for row in t["volunteers_by_month"]}
    assert len(months) == len(months_between(start, end))
    assert months[this]["volunteers"] == 2 and months[this]["new_volunteers"] == 2
    activity_month = f"{to_local(world.starts_at):%Y-%m}"
    assert months[activity_month]["activities"] == 1
    assert months[activity_month]["service_minutes"] == 60
    points = {row["month"]: row for row in t["points_by_month"]}
    assert points[this]["issued"] == 10
    reports = {row["key"]: row for row in t["reports_by_category"]}
    assert reports["safety_hazard"]["received"] == 2
    assert reports["safety_hazard"]["upheld"] == 1 and reports["safety_hazard"]["rejected"] == 1
    assert reports["safety_hazard"]["decide_hours_avg"] == 3  # (2 + 4) / 2
    assert reports["environment"]["open"] == 1
    assert reports["environment"]["decide_hours_avg"] is None
    assert t["spending_by_category"] == [{
        "category_code": "A01", "category_name": "类别A01", "projects": 1,
        "amount_fen": 500000, "payments": 1, "paid_fen": 120000}]
    assert [(row["applications"], row["paid"], row["paid_fen"]) for row in t["awards"]] == [
        (1, 1, 80000)]


def test_city_and_township_figures(world):
    start, end = period()
    city = figures("511300", start, end)
    assert city["region"]["level"] == "city"
    h = city["headline"]
    assert (h["organizations"], h["stations"], h["volunteers"], h["reports"]) == (3, 3, 3, 4)
    assert (h["reports_upheld"], h["spending_fen"], h["townships"]) == (2, 1020000, 242)
    coverage = {row["region_code"]: row for row in city["tables"]["coverage"]["rows"]}
    assert coverage["511302"]["townships"] == 19 and coverage["511302"]["covered"] == 2
    assert coverage["511303"]["covered"] == 1
    township = figures(A, start, end)
    assert township["region"]["level"] == "township"
    th = township["headline"]
    assert (th["organizations"], th["stations"], th["townships"], th["volunteers"]) == (
        1, 1, 1, 2)
    assert th["reports"] == 2 and th["service_minutes"] == 60


def test_period_excludes_what_is_outside_it(world):
    last_year = today_local().year - 1
    data = figures("511302", date(last_year, 1, 1), date(last_year, 12, 31))
    h = data["headline"]
    assert (h["new_volunteers"], h["service_minutes"], h["reports"], h["spending_fen"]) == (
        0, 0, 0, 0)
    assert h["volunteers"] == 0  # none was active by the end of last year
    assert h["organizations"] == 2  # approved without a date: counted as registered


def test_unknown_region_is_not_found(ctx):
    from registry.errors import NotFound

    with pytest.raises(NotFound):
        figures("999999", date(2026, 1, 1), date(2026, 2, 1))


def recount():
    """Every TownshipMonthStats row: {(township, month): (volunteers, activities, minutes)}."""
    rows = {}
    for township, month, volunteers, activities, minutes in db.session.execute(select(
            TownshipMonthStats.township_code, TownshipMonthStats.month,
            TownshipMonthStats.volunteers, TownshipMonthStats.activities,
            TownshipMonthStats.service_minutes)):
        rows[township, month] = (volunteers, activities, minutes)
    return rows


def test_month_summary_is_kept_with_the_year_and_equals_a_recount(world):
    from registry.activities.models import Activity, ServiceRecord
    from registry.volunteers.models import Volunteer

    kept = {key: value for key, value in recount().items() if any(value)}
    expected: dict = {}

    def add(key, index, n):
        row = list(expected.get(key, (0, 0, 0)))
        row[index] += n
        expected[key] = tuple(row)

    for township, approved in db.session.execute(select(
            Volunteer.township_code, Volunteer.approved_at).where(Volunteer.status == "active")):
        add((township, month_of(approved)), 0, 1)
    for township, starts in db.session.execute(select(
            Activity.township_code, Activity.starts_at).where(
            Activity.status.in_(("published", "closed")))):
        add((township, month_of(starts)), 1, 1)
    for township, starts, minutes in db.session.execute(
            select(Activity.township_code, Activity.starts_at, ServiceRecord.minutes)
            .join(ServiceRecord, ServiceRecord.activity_id == Activity.id)):
        add((township, month_of(starts)), 2, minutes)
    assert kept == {key: value for key, value in expected.items() if any(value)}
    # B: approved and suspended in the same month nets to 0 in that month, as in the year's row
    assert sum(v[0] for (township, _m), v in recount().items() if township == B) == 0
    # The months of each year add up to the year's row.
    for township, year, volunteers, activities, minutes in db.session.execute(select(
            TownshipYearStats.township_code, TownshipYearStats.year,
            TownshipYearStats.volunteers, TownshipYearStats.activities,
            TownshipYearStats.service_minutes)):
        months = db.session.execute(select(
            func.coalesce(func.sum(TownshipMonthStats.volunteers), 0),
            func.coalesce(func.sum(TownshipMonthStats.activities), 0),
            func.coalesce(func.sum(TownshipMonthStats.service_minutes), 0))
            .where(TownshipMonthStats.township_code == township,
                   TownshipMonthStats.month.between(year * 100 + 1, year * 100 + 12))).one()
        assert tuple(months) == (volunteers, activities, minutes)


def test_month_summary_rolls_back_with_the_write(world):
    """Kept in the caller's transaction: a rolled-back approval leaves no month behind."""
    before = recount()
    volunteer, _login = make_volunteer(A, status="pending")
    db.session.commit()
    volunteer_ops.transition(volunteer, "approve", make_admin(A))
    assert recount() != before
    db.session.rollback()
    assert recount() == before


def test_months_between():
    assert months_between(date(2025, 11, 30), date(2026, 2, 1)) == [
        202511, 202512, 202601, 202602]
    assert months_between(date(2026, 3, 5), date(2026, 3, 9)) == [202603]


def test_suggestions_from_the_participation_area(world):
    """Two suggestions at A (one answered), one complaint at OTHER: the county's figures,
    by category and by township, and the answer rate."""
    from registry.participation import operations as participation

    admin = make_admin(A)
    first = participation.submit({"category": "suggest", "township_code": A,
                                  "content": "建议增设路灯"})
    participation.submit({"category": "help", "township_code": A, "content": "求助"})
    participation.submit({"category": "complain", "township_code": OTHER, "content": "投诉"})
    participation.answer(admin, first, "已安排")
    db.session.flush()
    start, end = period()
    data = figures("511302", start, end)
    h = data["headline"]
    assert (h["suggestions"], h["suggestions_answered"], h["answer_rate_permille"]) == (
        2, 1, 500)
    by_category = {row["category"]: row for row in
                   data["tables"]["suggestions_by_category"]["rows"]}
    assert set(by_category) == {"suggest", "help"}
    assert by_category["suggest"]["answered"] == 1 and by_category["help"]["answered"] == 0
    assert by_category["suggest"]["answer_rate_permille"] == 1000
    by_region = data["tables"]["suggestions_by_region"]["rows"]
    assert [(row["region_code"], row["posted"]) for row in by_region] == [(A, 2)]
    city = figures("511300", start, end)
    assert city["headline"]["suggestions"] == 3
    assert {row["region_code"]: row["posted"] for row in
            city["tables"]["suggestions_by_region"]["rows"]} == {"511302": 2, "511303": 1}
