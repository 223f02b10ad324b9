"""THE figures of a region and period: the officials' dashboards, their exports, the monthly
reports and the public home page all read this one function, so their numbers always agree.

Everything is grouped in SQL: volunteers, activities and minutes from TownshipMonthStats,
points from PointsMonthStats (summary rows kept current in the same transaction as every
change), the rest grouped over the period on indexed columns of small tables (organizations,
stations, reports, payments, award applications). No row list reaches Python.

Values are integers in their stored units: keys ending in _fen are fen, _minutes minutes,
_permille thousandths; the labels name the unit a reader sees (元, 小时, %), and
dashboard.shown() converts one value for the page and the export alike."""

from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select

from registry import regions
from registry.clock import from_local
from registry.errors import NotFound
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.incentives.models import REPORT_CATEGORIES, Report
from registry.models import Region
from registry.organizations.models import GRADES, ORG_STATUSES, ORG_TYPES, Organization
from registry.participation.models import SUGGESTION_CATEGORIES
from registry.participation.statistics import suggestion_rows
from registry.points.models import PointsMonthStats
from registry.purchasing.models import AwardApplication, AwardRound, ProjectPayment
from registry.purchasing.models import PurchasedServiceProject as Project
from registry.purchasing.spending_models import ProjectSpendingArea
from registry.scoping import region_condition
from registry.volunteers.models import Station, TownshipMonthStats

LEVELS = ("city", "county", "township")
SUGGESTIONS = True  # 社情民意 (the participation area) shown on the page
HEADLINE_LABELS = {
    "organizations": _l("已登记社会组织"), "stations": _l("志愿服务站"),
    "townships": _l("乡镇（街道）"), "townships_covered": _l("已建站乡镇（街道）"),
    "volunteers": _l("在册志愿者"), "new_volunteers": _l("志愿者净增"),
    "service_minutes": _l("服务时长（小时）"), "points_issued": _l("发放积分"),
    "points_redeemed": _l("兑换积分"), "points_expired": _l("过期积分"),
    "reports": _l("收到举报"), "reports_upheld": _l("举报属实"),
    "suggestions": _l("社情民意留言"), "suggestions_answered": _l("社情民意已答复"),
    "answer_rate_permille": _l("答复率（%）"), "spending_fen": _l("购买服务支付（元）"),
    "awards_fen": _l("以奖代补拨付（元）"),
}
TITLES = {
    "organizations_by_type": _l("已登记社会组织·按类型"),
    "organizations_by_status": _l("社会组织·按状态"),
    "organizations_by_grade": _l("已登记社会组织·按等级"),
    "coverage": _l("志愿服务站覆盖"),
    "volunteers_by_month": _l("志愿者与服务时长·按月"),
    "points_by_month": _l("积分发放、兑换与过期·按月"),
    "reports_by_category": _l("举报·按类别与结果"),
    "suggestions_by_category": _l("社情民意·按类别"),
    "suggestions_by_region": _l("社情民意·按地区"),
    "spending_by_category": _l("购买服务支出·按目录类别"),
    "awards": _l("以奖代补·按批次"),
}
SUGGESTION_COUNTS = ("posted", "answered", "answered_in_time", "open_overdue",
                     "answer_seconds_total", "rated", "satisfied", "basically_satisfied",
                     "unsatisfied")
SUGGESTION_COLUMNS = [
    ("posted", _l("收到")), ("answered", _l("已答复")), ("answered_in_time", _l("按时答复")),
    ("open_overdue", _l("逾期未答复")), ("answer_rate_permille", _l("答复率（%）")),
    ("answer_hours_avg", _l("平均答复小时")), ("rated", _l("已评价")),
    ("satisfied", _l("满意")), ("basically_satisfied", _l("基本满意")),
    ("unsatisfied", _l("不满意"))]
COLUMNS = {
    "organizations_by_type": [("label", _l("类型")), ("organizations", _l("组织数"))],
    "organizations_by_status": [("label", _l("状态")), ("organizations", _l("组织数"))],
    "organizations_by_grade": [("label", _l("等级")), ("organizations", _l("组织数"))],
    "coverage": [("region_name", _l("地区")), ("townships", _l("乡镇（街道）")),
                 ("covered", _l("已建站")), ("uncovered", _l("未建站")),
                 ("coverage_permille", _l("覆盖率（%）"))],
    "volunteers_by_month": [("month", _l("月份")), ("new_volunteers", _l("志愿者净增")),
                            ("volunteers", _l("月末在册志愿者")),
                            ("activities", _l("发布活动")),
                            ("service_minutes", _l("服务时长（小时）"))],
    "points_by_month": [("month", _l("月份")), ("issued", _l("发放积分")),
                        ("redeemed", _l("兑换积分")), ("expired", _l("过期积分"))],
    "reports_by_category": [("label", _l("举报类别")), ("received", _l("收到")),
                            ("upheld", _l("属实")), ("rejected", _l("不属实")),
                            ("duplicate", _l("重复举报")), ("open", _l("办理中")),
                            ("decide_hours_avg", _l("平均办结小时"))],
    "suggestions_by_category": [("label", _l("类别"))] + SUGGESTION_COLUMNS,
    "suggestions_by_region": [("region_name", _l("地区"))] + SUGGESTION_COLUMNS,
    "spending_by_category": [("category_name", _l("目录类别")),
                             ("projects", _l("期内年度的项目")),
                             ("amount_fen", _l("其合同金额（元）")),
                             ("payments", _l("期内支付笔数")),
                             ("paid_fen", _l("期内支付金额（元）"))],
    "awards": [("title", _l("以奖代补批次")), ("year", _l("年度")),
               ("applications", _l("期内申请")), ("paid", _l("期内拨付笔数")),
               ("paid_fen", _l("期内拨付金额（元）"))],
}
TABLE_NAMES = tuple(TITLES)


def region_of(code: str) -> Region:
    """The region with this code (city, county or township), else NotFound."""
    region = db.session.get(Region, code) if code else None
    if region is None or region.level not in LEVELS:
        raise NotFound(_("该地区不存在"))
    return region


def months_between(start: date, end: date) -> list[int]:
    """Every YYYYMM from start's month to end's, in order."""
    out, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append(year * 100 + month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The Beijing days start … end as the naive-UTC range the database stores."""
    return (from_local(datetime(start.year, start.month, start.day)),
            from_local(datetime(end.year, end.month, end.day)) + timedelta(days=1))


def month_label(month: int) -> str:
    return f"{month // 100}-{month % 100:02d}"


def _sub_key(region: Region):
    """The column naming a township's sub-region in this region's tables: the county in the
    city, else the township itself."""
    return Region.county_code if region.level == "city" else Region.code


def _organizations(region: Region, end_at: datetime) -> dict:
    """Organizations by status (now), and the approved ones (registered before the period's
    end) by type and grade: one scan, grouped by (status, type, grade)."""
    o = Organization
    by_status: dict[str, int] = {}
    by_type: dict[str, int] = {}
    by_grade: dict[str, int] = {}
    for status, org_type, grade, count, later in db.session.execute(
            select(o.status, o.org_type, o.grade, func.count(),
                   func.sum(case((o.approved_at >= end_at, 1), else_=0)))
            .where(region_condition(o.region_code, region.code))
            .group_by(o.status, o.org_type, o.grade)):
        by_status[status] = by_status.get(status, 0) + int(count)
        if status == "approved":
            registered = int(count) - int(later or 0)
            by_type[org_type] = by_type.get(org_type, 0) + registered
            by_grade[grade or ""] = by_grade.get(grade or "", 0) + registered
    grades = [*GRADES, ""]
    return {
        "total": sum(int(n) for n in by_type.values()),
        "organizations_by_type": [
            {"key": key, "label": str(label), "organizations": int(by_type.get(key, 0))}
            for key, label in ORG_TYPES.items()],
        "organizations_by_status": [
            {"key": key, "label": str(label), "organizations": int(by_status.get(key, 0))}
            for key, label in ORG_STATUSES.items()],
        "organizations_by_grade": [
            {"key": key, "label": key or _("未评级"), "organizations": int(by_grade.get(key, 0))}
            for key in grades],
    }


def _coverage(region: Region) -> list[dict]:
    """Per sub-region (the city's counties, a county's townships, the township itself):
    townships, those with a station and those without."""
    key = _sub_key(region)
    townships = (Region.level == "township") & region_condition(Region.code, region.code)
    counts = dict(db.session.execute(
        select(key, func.count()).where(townships).group_by(key)).all())
    covered = dict(db.session.execute(
        select(key, func.count()).select_from(Station)
        .join(Region, Region.code == Station.township_code)
        .where(townships).group_by(key)).all())
    names = regions.kept().names
    rows = []
    for code in sorted(counts):
        total, done = int(counts[code]), int(covered.get(code, 0))
        rows.append({"region_code": code, "region_name": names.get(code, code),
                     "townships": total, "covered": done, "uncovered": total - done,
                     "coverage_permille": done * 1000 // total if total else 0})
    return rows


def _volunteers_by_month(region: Region, months: list[int]) -> list[dict]:
    t = TownshipMonthStats
    in_region = region_condition(t.township_code, region.code)
    before = int(db.session.scalar(
        select(func.coalesce(func.sum(t.volunteers), 0))
        .where(in_region, t.month < months[0])) or 0)
    got = {month: (int(v or 0), int(a or 0), int(m or 0)) for month, v, a, m in db.session.execute(
        select(t.month, func.sum(t.volunteers), func.sum(t.activities),
               func.sum(t.service_minutes))
        .where(in_region, t.month >= months[0], t.month <= months[-1]).group_by(t.month))}
    rows, active = [], before
    for month in months:
        net, activities, minutes = got.get(month, (0, 0, 0))
        active += net
        rows.append({"month": month_label(month), "new_volunteers": net, "volunteers": active,
                     "activities": activities, "service_minutes": minutes})
    return rows


def _points_by_month(region: Region, months: list[int]) -> list[dict]:
    s = PointsMonthStats
    got = {month: (int(i or 0), int(r or 0), int(e or 0)) for month, i, r, e in db.session.execute(
        select(s.month, func.sum(s.issued), func.sum(s.redeemed), func.sum(s.expired))
        .where(region_condition(s.township_code, region.code),
               s.month >= months[0], s.month <= months[-1]).group_by(s.month))}
    return [{"month": month_label(month), **dict(zip(("issued", "redeemed", "expired"),
                                                     got.get(month, (0, 0, 0)), strict=True))}
            for month in months]


def _seconds_to_decide():
    """Seconds from a report's arrival to its decision, in the database's own arithmetic."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", Report.decided_at - Report.created_at)
    return (func.julianday(Report.decided_at) - func.julianday(Report.created_at)) * 86400.0


def _reports(region: Region, start_at: datetime, end_at: datetime) -> list[dict]:
    r = Report

    def status_count(*statuses):
        return func.sum(case((r.status.in_(statuses), 1), else_=0))

    got = {row[0]: row[1:] for row in db.session.execute(
        select(r.category, func.count(), status_count("upheld"), status_count("rejected"),
               status_count("duplicate"), status_count("submitted", "investigating"),
               func.avg(case((r.decided_at.isnot(None), _seconds_to_decide()))))
        .where(r.created_at >= start_at, r.created_at < end_at,
               region_condition(r.township_code, region.code))
        .group_by(r.category))}
    rows = []
    for key in [*REPORT_CATEGORIES, *sorted(set(got) - set(REPORT_CATEGORIES))]:
        received, upheld, rejected, duplicate, open_, seconds = got.get(
            key, (0, 0, 0, 0, 0, None))
        rows.append({"key": key, "label": str(REPORT_CATEGORIES.get(key, key)),
                     "received": int(received), "upheld": int(upheld or 0),
                     "rejected": int(rejected or 0), "duplicate": int(duplicate or 0),
                     "open": int(open_ or 0),
                     "decide_hours_avg": (round(float(seconds) / 3600)
                                          if seconds is not None else None)})
    return rows


def _suggestions(region: Region, start: date, end: date) -> list[dict]:
    """Per (township, category) of the suggestions posted in the period (the participation
    area's grouped count)."""
    return suggestion_rows(region.code, start, end)


def _suggestion_row(counts: dict) -> dict:
    row = {name: int(counts.get(name, 0)) for name in SUGGESTION_COUNTS}
    posted, answered = row["posted"], row["answered"]
    row["answer_rate_permille"] = answered * 1000 // posted if posted else 0
    row["answer_hours_avg"] = (row["answer_seconds_total"] // answered // 3600
                               if answered else None)
    return row


def _suggestion_tables(region: Region, raw: list[dict]) -> tuple[list[dict], list[dict]]:
    """The participation rows summed by category and by sub-region."""
    table = regions.kept()
    names, county_of = table.names, None
    if region.level == "city":
        county_of = {code: county for county, _name in table.city_and_counties
                     if county != region.code for code in table.under.get(county, ())}
    by_category: dict[str, dict] = {}
    by_region: dict[str, dict] = {}
    for row in raw:
        sub = row["township_code"]
        if county_of is not None:
            sub = county_of.get(sub, sub)
        for target, key in ((by_category, row["category"]), (by_region, sub)):
            sums = target.setdefault(key, dict.fromkeys(SUGGESTION_COUNTS, 0))
            for name in SUGGESTION_COUNTS:
                sums[name] += int(row.get(name) or 0)
    keys = [*SUGGESTION_CATEGORIES, *sorted(set(by_category) - set(SUGGESTION_CATEGORIES))]
    return ([{"category": key, "label": str(SUGGESTION_CATEGORIES.get(key, key)),
              **_suggestion_row(by_category[key])} for key in keys if key in by_category],
            [{"region_code": key, "region_name": names.get(key, key), **_suggestion_row(sums)}
             for key, sums in sorted(by_region.items())])


def _spending(region: Region, start: date, end: date) -> list[dict]:
    """Per directory category: the projects of the period's years (项目年度) and their contract
    amounts — for the city and a county from the spending summary kept with every project
    write, for a township from its own projects — and the payments made in the period."""
    p, pay, a = Project, ProjectPayment, ProjectSpendingArea
    if region.level == "township":
        contracts = (select(p.category_code, func.max(p.category_name), func.count(),
                            func.sum(p.amount_fen))
                     .where(region_condition(p.region_code, region.code),
                            p.year >= start.year, p.year <= end.year))
        contracts = contracts.group_by(p.category_code)
    else:
        contracts = (select(a.category_code, func.max(a.category_name), func.sum(a.projects),
                            func.sum(a.amount_fen))
                     .where(region_condition(a.county_code, region.code),
                            a.year >= start.year, a.year <= end.year)
                     .group_by(a.category_code))
    started = {code: (name, int(n or 0), int(amount or 0))
               for code, name, n, amount in db.session.execute(contracts)}
    paid = {code: (name, int(n), int(amount or 0)) for code, name, n, amount in
            db.session.execute(
        select(p.category_code, func.max(p.category_name), func.count(), func.sum(pay.amount_fen))
        .join(p, p.id == pay.project_id)
        .where(pay.paid_on >= start, pay.paid_on <= end,
               region_condition(pay.region_code, region.code))
        .group_by(p.category_code))}
    rows = []
    for code in sorted(set(started) | set(paid)):
        name = (started.get(code) or paid.get(code))[0]
        _name, projects, amount = started.get(code, (name, 0, 0))
        _name, payments, paid_fen = paid.get(code, (name, 0, 0))
        rows.append({"category_code": code, "category_name": name, "projects": projects,
                     "amount_fen": amount, "payments": payments, "paid_fen": paid_fen})
    return rows


def _awards(region: Region, start: date, end: date, start_at, end_at) -> list[dict]:
    """Per 以奖代补 round: applications submitted in the period, awards paid in it."""
    a = AwardApplication
    in_region = region_condition(a.region_code, region.code)
    applied = dict(db.session.execute(
        select(a.round_id, func.count())
        .where(in_region, a.submitted_at >= start_at, a.submitted_at < end_at)
        .group_by(a.round_id)).all())
    paid = {rid: (int(n), int(fen or 0)) for rid, n, fen in db.session.execute(
        select(a.round_id, func.count(), func.sum(a.paid_fen))
        .where(in_region, a.status == "paid", a.paid_on >= start, a.paid_on <= end)
        .group_by(a.round_id))}
    ids = set(applied) | set(paid)
    if not ids:
        return []
    rounds = db.session.execute(select(AwardRound.id, AwardRound.title, AwardRound.year)
                                .where(AwardRound.id.in_(ids)).order_by(AwardRound.id)).all()
    return [{"round_id": rid, "title": title, "year": year,
             "applications": int(applied.get(rid, 0)), "paid": paid.get(rid, (0, 0))[0],
             "paid_fen": paid.get(rid, (0, 0))[1]} for rid, title, year in rounds]


def _table(name: str, rows: list[dict]) -> dict:
    return {"title": TITLES[name], "columns": COLUMNS[name], "rows": rows}


def figures(region_code: str, start: date, end: date) -> dict:
    """The figures of region_code (city, county or township) for the Beijing days start …
    end (both included): headline ints (money in fen, time in minutes) and the tables."""
    region = region_of(region_code)
    start_at, end_at = bounds(start, end)
    months = months_between(start, end)
    orgs = _organizations(region, end_at)
    coverage = _coverage(region)
    by_month = _volunteers_by_month(region, months)
    points = _points_by_month(region, months)
    reports = _reports(region, start_at, end_at)
    by_category, by_region = _suggestion_tables(region, _suggestions(region, start, end))
    spending = _spending(region, start, end)
    awards = _awards(region, start, end, start_at, end_at)
    posted = sum(row["posted"] for row in by_category)
    answered = sum(row["answered"] for row in by_category)
    headline = {
        "organizations": orgs["total"],
        "stations": sum(row["covered"] for row in coverage),
        "townships": sum(row["townships"] for row in coverage),
        "townships_covered": sum(row["covered"] for row in coverage),
        "volunteers": by_month[-1]["volunteers"],
        "new_volunteers": sum(row["new_volunteers"] for row in by_month),
        "service_minutes": sum(row["service_minutes"] for row in by_month),
        "points_issued": sum(row["issued"] for row in points),
        "points_redeemed": sum(row["redeemed"] for row in points),
        "points_expired": sum(row["expired"] for row in points),
        "reports": sum(row["received"] for row in reports),
        "reports_upheld": sum(row["upheld"] for row in reports),
        "suggestions": posted,
        "suggestions_answered": answered,
        "answer_rate_permille": answered * 1000 // posted if posted else 0,
        "spending_fen": sum(row["paid_fen"] for row in spending),
        "awards_fen": sum(row["paid_fen"] for row in awards),
    }
    tables = {
        "organizations_by_type": orgs["organizations_by_type"],
        "organizations_by_status": orgs["organizations_by_status"],
        "organizations_by_grade": orgs["organizations_by_grade"],
        "coverage": coverage, "volunteers_by_month": by_month, "points_by_month": points,
        "reports_by_category": reports, "suggestions_by_category": by_category,
        "suggestions_by_region": by_region, "spending_by_category": spending,
        "awards": awards,
    }
    return {"region": {"code": region.code, "name": region.name, "level": region.level},
            "period": {"start": start, "end": end},
            "headline": headline, "headline_labels": HEADLINE_LABELS,
            "tables": {name: _table(name, rows) for name, rows in tables.items()}}
