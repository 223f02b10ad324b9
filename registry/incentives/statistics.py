"""Officials' incentive statistics: points issued, redeemed and expired by region and month,
stock and turnover per store, reports, deeds and benefit claims — scoped, grouped in SQL.

Jurisdiction: a station admin sees their township, a county official their county by
township, the city by county (and a county's townships when it drills down with
`region_code`). A region outside the viewer's jurisdiction is a 404, as a foreign row is.

Scale: points come from the monthly summary (PointsMonthStats, a row per township and month,
kept current by every ledger write), never from the 20M-row ledger; the other tables are
grouped over one period on their (time, township) indexes. Python only sees grouped rows."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from flask_babel import get_locale
from sqlalchemy import case, func, select

from registry import memo, regions
from registry.clock import from_local, today_local
from registry.errors import FieldErrors, NotAllowed, NotFound
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.incentives.models import (
    REPORT_CATEGORIES,
    REPORT_STATUSES,
    Benefit,
    BenefitClaim,
    Deed,
    PointsStore,
    Redemption,
    Report,
    StoreItem,
)
from registry.incentives.settlement import SETTLED, month_bounds
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN, Region
from registry.points.models import PointsMonthStats
from registry.scoping import region_condition, region_visible

VIEWERS = (CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN)
TABLES = ("points", "stores", "reports", "deeds", "benefits")
TABLE_TITLES = {"points": _l("积分发放、兑换与过期"), "stores": _l("积分超市库存与兑换"),
                "reports": _l("举报受理"), "deeds": _l("道德银行善行"),
                "benefits": _l("公益反哺领取")}
MAX_BENEFIT_ROWS = 500  # benefits live a season; a year has a few dozen


@dataclass(frozen=True)
class Filters:
    """What the viewer asked for: a year, optionally one month, within one region."""

    year: int
    month: int | None
    region: Region

    @property
    def months(self) -> tuple[int, int]:
        """The summary's YYYYMM range."""
        if self.month:
            return self.year * 100 + self.month, self.year * 100 + self.month
        return self.year * 100 + 1, self.year * 100 + 12

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """The period in Beijing time as the naive-UTC range the database stores."""
        if self.month:
            return month_bounds(date(self.year, self.month, 1))
        start = from_local(datetime(self.year, 1, 1))
        end = (from_local(datetime(self.year + 1, 1, 1)) if self.year < 2100
               else month_bounds(date(2100, 12, 1))[1])
        return start, end

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.month else str(self.year)

    @property
    def by(self) -> str:
        """The rows' region level: the city's counties, else townships."""
        return "county" if self.region.level == "city" else "township"


def _whole(value: Any, low: int, high: int) -> int | None:
    text = str(value).strip()
    if not text.isdigit() or len(text) > 6:
        return None
    number = int(text)
    return number if low <= number <= high else None


def parse_filters(user: Any, args) -> Filters:
    """The filters from query arguments (year, month, region_code); a bad year or month is
    a ValidationFailed naming the field; a region outside the viewer's jurisdiction a 404."""
    if user is None or user.role not in VIEWERS:
        raise NotAllowed(_("只有主管部门和志愿服务站管理员可以查看积分激励统计"))
    errors = FieldErrors()
    raw_year = args.get("year")
    year = today_local().year
    if raw_year not in (None, ""):
        year = _whole(raw_year, 1900, 2100)
        if year is None:
            errors.add("year", _("年份应为 1900 到 2100 之间的整数"))
    raw_month = args.get("month")
    month = None
    if raw_month not in (None, ""):
        month = _whole(raw_month, 1, 12)
        if month is None:
            errors.add("month", _("月份应为 1 到 12 之间的整数"))
    errors.raise_if_any()
    code = str(args.get("region_code") or "").strip() or user.region_code
    region = None
    if len(code) <= 9 and code.isdigit() and region_visible(user, code):
        region = db.session.get(Region, code)
    if region is None:
        raise NotFound(_("该地区不存在或不在您的管辖范围内"))
    return Filters(year=year, month=month, region=region)


def region_names(codes) -> dict[str, str]:
    names = regions.kept().names if codes else {}
    return {code: names[code] for code in set(codes) if code in names}


def points(filters: Filters) -> list[dict]:
    """Per region (county or township) and month: issued, redeemed, expired (net figures:
    a reversal lowers issued, a cancelled redemption's refund lowers redeemed)."""
    s = PointsMonthStats
    low, high = filters.months
    if filters.by == "county":
        key = Region.county_code
        stmt = select(key, s.month).join(Region, Region.code == s.township_code)
    else:
        key = s.township_code
        stmt = select(key, s.month)
    stmt = (stmt.add_columns(func.sum(s.issued), func.sum(s.redeemed), func.sum(s.expired))
            .where(s.month >= low, s.month <= high,
                   region_condition(s.township_code, filters.region.code))
            .group_by(key, s.month).order_by(key, s.month))
    rows = db.session.execute(stmt).all()
    names = region_names(row[0] for row in rows)
    return [{"region_code": code, "region_name": names.get(code, code),
             "month": f"{month // 100}-{month % 100:02d}", "issued": int(issued or 0),
             "redeemed": int(redeemed or 0), "expired": int(expired or 0)}
            for code, month, issued, redeemed, expired in rows]


def stores(filters: Filters) -> list[dict]:
    """Per store of the region: items on the shelf, stock now, and in the period the
    redemptions (not cancelled), pieces and points (its turnover)."""
    code = filters.region.code
    shelf = dict((store_id, (int(items), int(active or 0), int(stock or 0)))
                 for store_id, items, active, stock in db.session.execute(
        select(StoreItem.store_id, func.count(),
               func.sum(case((StoreItem.active.is_(True), 1), else_=0)),
               func.sum(StoreItem.stock))
        .where(region_condition(StoreItem.township_code, code))
        .group_by(StoreItem.store_id)))
    start, end = filters.bounds
    r = Redemption
    turnover = {store_id: (int(count), int(quantity or 0), int(total or 0))
                for store_id, count, quantity, total in db.session.execute(
        select(r.store_id, func.count(), func.sum(r.quantity), func.sum(r.points))
        .where(r.created_at >= start, r.created_at < end, r.status.in_(SETTLED),
               region_condition(r.store_township_code, code))
        .group_by(r.store_id))}
    rows = db.session.execute(
        select(PointsStore.id, PointsStore.name, PointsStore.township_code)
        .where(region_condition(PointsStore.township_code, code))
        .order_by(PointsStore.township_code, PointsStore.id)).all()
    names = region_names(row.township_code for row in rows)
    out = []
    for store_id, name, township in rows:
        items, active, stock = shelf.get(store_id, (0, 0, 0))
        count, quantity, total = turnover.get(store_id, (0, 0, 0))
        out.append({"store_id": store_id, "store_name": name, "township_code": township,
                    "township_name": names.get(township, township), "items": items,
                    "active_items": active, "stock": stock, "redemptions": count,
                    "quantity": quantity, "points": total})
    return out


def _hours_to_decide():
    """Hours between a report's arrival and its decision, in the database's own arithmetic."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", Report.decided_at - Report.created_at) / 3600.0
    return (func.julianday(Report.decided_at) - func.julianday(Report.created_at)) * 24.0


def reports(filters: Filters) -> list[dict]:
    """Reports received in the period by category and outcome (status): how many, and the
    average days from arrival to decision of those decided."""
    start, end = filters.bounds
    r = Report
    stmt = (select(r.category, r.status, func.count(), func.count(r.decided_at),
                   func.avg(case((r.decided_at.isnot(None), _hours_to_decide()))))
            .where(r.created_at >= start, r.created_at < end,
                   region_condition(r.township_code, filters.region.code))
            .group_by(r.category, r.status).order_by(r.category, r.status))
    return [{"category": category, "category_label": str(REPORT_CATEGORIES.get(category,
                                                                               category)),
             "status": status, "status_label": str(REPORT_STATUSES.get(status, status)),
             "count": int(count), "decided": int(decided),
             "days_to_decide": round(float(hours) / 24, 1) if hours is not None else None}
            for category, status, count, decided, hours in db.session.execute(stmt)]


def deeds(filters: Filters) -> list[dict]:
    """Deeds recorded in the period by category: recorded, still in review or 公示, credited
    (and their points), not approved."""
    start, end = filters.bounds
    d = Deed

    def status_count(*statuses):
        return func.sum(case((d.status.in_(statuses), 1), else_=0))

    stmt = (select(d.category, func.count(), status_count("pending", "publicized", "objected"),
                   status_count("credited"),
                   func.sum(case((d.status == "credited", d.points), else_=0)),
                   status_count("rejected"))
            .where(d.created_at >= start, d.created_at < end,
                   region_condition(d.township_code, filters.region.code))
            .group_by(d.category).order_by(d.category))
    return [{"category": category, "recorded": int(count), "open": int(open_ or 0),
             "credited": int(credited or 0), "points": int(points or 0),
             "rejected": int(rejected or 0)}
            for category, count, open_, credited, points, rejected in db.session.execute(stmt)]


def benefits(filters: Filters) -> list[dict]:
    """Benefit claims made in the period by the region's volunteers, per benefit: claimed,
    and of those already used."""
    start, end = filters.bounds
    c = BenefitClaim
    claims = (select(c.benefit_id, func.count().label("claimed"),
                     func.sum(case((c.status == "used", 1), else_=0)).label("used"))
              .where(c.claimed_at >= start, c.claimed_at < end,
                     region_condition(c.township_code, filters.region.code))
              .group_by(c.benefit_id).subquery())
    stmt = (select(Benefit.id, Benefit.title, Benefit.provider, claims.c.claimed,
                   claims.c.used)
            .join(claims, claims.c.benefit_id == Benefit.id)
            .order_by(claims.c.claimed.desc(), Benefit.id).limit(MAX_BENEFIT_ROWS))
    return [{"benefit_id": bid, "title": title, "provider": provider,
             "claimed": int(claimed), "used": int(used or 0)}
            for bid, title, provider, claimed, used in db.session.execute(stmt)]


BUILDERS = {"points": points, "stores": stores, "reports": reports, "deeds": deeds,
            "benefits": benefits}


def compute(filters: Filters, tables=TABLES) -> dict[str, list[dict]]:
    """The tables asked for, kept per worker for STATISTICS_SECONDS (per region, period and
    language: the rows carry labels). The caller has already checked the jurisdiction."""
    key = (filters.region.code, filters.year, filters.month, tuple(tables), str(get_locale()))
    return memo.remembered("STATISTICS_SECONDS", key,
                           lambda: {name: BUILDERS[name](filters) for name in tables})


class RegionChoice(NamedTuple):
    code: str
    name: str


def region_choices(user: Any, filters: Filters) -> list[RegionChoice]:
    """The regions the viewer may pick: their own, the regions just below it, and the
    townships of the county a city official has drilled into (a county has ≤ 42); kept per
    worker as the region table is (REGION_TREE_SECONDS)."""
    parents = [user.region_code]
    if filters.region.level == "county" and filters.region.code != user.region_code:
        parents.append(filters.region.code)

    def compute() -> list[RegionChoice]:
        return [RegionChoice(code, name) for code, name in db.session.execute(
            select(Region.code, Region.name).where(
                (Region.code == user.region_code) | Region.parent_code.in_(parents))
            .order_by(Region.code))]

    return memo.remembered("REGION_TREE_SECONDS", ("statistics choices", *parents), compute)


# One Excel sheet per table: its header and how a row reads.
HEADERS = {
    "points": (_l("地区"), _l("月份"), _l("发放积分"), _l("兑换积分"), _l("过期积分")),
    "stores": (_l("积分超市"), _l("乡镇（街道）"), _l("商品种数"), _l("在架商品"),
               _l("当前库存"), _l("兑换笔数"), _l("兑出件数"), _l("兑出积分")),
    "reports": (_l("举报类别"), _l("处理结果"), _l("举报件数"), _l("已办结"),
                _l("平均办结天数")),
    "deeds": (_l("善行类别"), _l("登记件数"), _l("审核或公示中"), _l("已记分"),
              _l("记分积分"), _l("未通过")),
    "benefits": (_l("公益反哺项目"), _l("提供单位"), _l("领取人次"), _l("已使用")),
}


def export_rows(name: str, rows: list[dict]):
    """The rows of one table as spreadsheet lines (exports.safe_cell makes them safe)."""
    for row in rows:
        if name == "points":
            yield [row["region_name"], row["month"], row["issued"], row["redeemed"],
                   row["expired"]]
        elif name == "stores":
            yield [row["store_name"], row["township_name"], row["items"], row["active_items"],
                   row["stock"], row["redemptions"], row["quantity"], row["points"]]
        elif name == "reports":
            yield [row["category_label"], row["status_label"], row["count"], row["decided"],
                   row["days_to_decide"]]
        elif name == "deeds":
            yield [row["category"], row["recorded"], row["open"], row["credited"],
                   row["points"], row["rejected"]]
        else:
            yield [row["title"], row["provider"], row["claimed"], row["used"]]

