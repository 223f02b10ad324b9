"""The officials' dashboard: its period and region from the query, the figures kept per
worker, the charts' data, each table as spreadsheet rows and the export (a job when large)."""

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from flask_babel import get_locale
from sqlalchemy import select

from registry import exports, jobs, memo
from registry.clock import today_local
from registry.dashboards.figures import TABLE_NAMES, figures
from registry.errors import FieldErrors, NotAllowed, NotFound
from registry.extensions import db
from registry.i18n import gettext as _
from registry.incentives import statistics
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN, Region, User
from registry.scoping import region_visible
from registry.validators import EARLIEST_DATE, LATEST_DATE

T = TypeVar("T")
VIEWERS = (CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN)
MAX_YEARS = 5  # the longest period one page or export covers


@dataclass(frozen=True)
class Filters:
    """The period (Beijing days, both included) and the region the viewer asked for."""

    start: date
    end: date
    region: Region

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d}~{self.end:%Y-%m-%d}"

    @property
    def by(self) -> str:
        """The sub-regions' level: the city's counties, else townships."""
        return "county" if self.region.level == "city" else "township"

    def args(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(),
                "region_code": self.region.code}


def _day(raw: Any, field: str, last: bool, errors: FieldErrors) -> date | None:
    """YYYY-MM (its first or, for the end, last day) or YYYY-MM-DD; None when empty or bad
    (the message kept at the field)."""
    text = str(raw or "").strip()
    if not text:
        return None
    parts = text.split("-")
    ok = (len(parts) in (2, 3) and all(p.isdigit() for p in parts) and len(parts[0]) == 4
          and all(1 <= len(p) <= 2 for p in parts[1:]))
    value = None
    if ok:
        year, month = int(parts[0]), int(parts[1])
        try:
            if len(parts) == 3:
                value = date(year, month, int(parts[2]))
            else:
                value = date(year, month, calendar.monthrange(year, month)[1] if last else 1)
        except ValueError:
            value = None
    if value is None:
        errors.add(field, _("日期格式不正确（应为 YYYY-MM 或 YYYY-MM-DD，如 2026-03）"))
        return None
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        errors.add(field, _("日期应在 %(first)s 到 %(last)s 之间", first=EARLIEST_DATE,
                            last=LATEST_DATE))
        return None
    return value


def parse_filters(user: Any, args) -> Filters:
    """The period from `from` and `to` (default: this year up to today) and the region
    (`region_code`, default the viewer's). A bad, backwards or over-five-year period is a
    ValidationFailed naming its field; a region outside the viewer's jurisdiction a 404."""
    if user is None or getattr(user, "role", None) not in VIEWERS:
        raise NotAllowed(_("只有主管部门和志愿服务站管理员可以查看数据看板"))
    errors = FieldErrors()
    today = today_local()
    start = _day(args.get("from"), "from", False, errors)
    end = _day(args.get("to"), "to", True, errors)
    if not errors.fields:
        start = start or date((end or today).year, 1, 1)
        end = end or max(today, start)
        if end < start:
            errors.add("to", _("结束日期不能早于开始日期"))
        elif (end.year - start.year) * 12 + end.month - start.month >= MAX_YEARS * 12:
            errors.add("from", _("时段最长 %(years)s 年，请缩短", years=MAX_YEARS))
    errors.raise_if_any()
    code = str(args.get("region_code") or "").strip() or user.region_code
    region = None
    if len(code) <= 9 and code.isdigit() and region_visible(user, code):
        region = db.session.get(Region, code)
    if region is None:
        raise NotFound(_("该地区不存在或不在您的管辖范围内"))
    return Filters(start=start, end=end, region=region)


def region_choices(user: Any, filters: Filters):
    """The regions the viewer may pick (the incentive statistics' own list: theirs, the ones
    just below, and the townships of a county the city drilled into)."""
    return statistics.region_choices(user, filters)


def _key(filters: Filters) -> tuple:
    return (filters.region.code, filters.start, filters.end, str(get_locale()))


def compute(filters: Filters) -> dict:
    """figures() for the filters, kept per worker for STATISTICS_SECONDS (per language: the
    rows carry labels). The caller has already checked the jurisdiction."""
    return memo.remembered("STATISTICS_SECONDS", ("dashboard", *_key(filters)), lambda: figures(
        filters.region.code, filters.start, filters.end))


def page(filters: Filters, draw: Callable[[dict, dict], T], script_root: str = "") -> T:
    """draw(figures, charts): the page's figures drawn once (the sections' HTML) and kept
    with them per worker: a county's page has hundreds of cells, and drawing them costs more
    than reading the kept figures. Nothing drawn depends on the viewer but the region."""
    return memo.remembered("STATISTICS_SECONDS", ("dashboard page", *_key(filters), script_root),
                           lambda: draw(compute(filters), charts(compute(filters))))


PUBLIC_KEYS = ("organizations", "stations", "townships", "townships_covered", "volunteers",
               "service_minutes", "points_redeemed", "reports_upheld", "suggestions",
               "suggestions_answered", "answer_rate_permille")


def public_figures() -> dict | None:
    """The city's figures at a glance for the public home page (this year up to today; the
    headline only, nothing of a person), kept per worker for STATISTICS_SECONDS; None before
    the regions are loaded."""
    def compute() -> dict | None:
        city = db.session.scalar(select(Region.code).where(Region.level == "city")
                                 .order_by(Region.code).limit(1))
        if city is None:
            return None
        today = today_local()
        headline = figures(city, date(today.year, 1, 1), today)["headline"]
        return {"year": today.year, **{key: headline[key] for key in PUBLIC_KEYS},
                "service_hours": headline["service_minutes"] // 60}

    return memo.remembered("STATISTICS_SECONDS", ("public figures",), compute)


def shown(key: str, value: Any) -> Any:
    """One value as the page and the spreadsheet show it: fen as yuan, minutes as hours (one
    decimal), thousandths as a percentage (one decimal); other values unchanged."""
    if not isinstance(value, int) or isinstance(value, bool):
        return value
    if key.endswith("_fen"):
        return (Decimal(value) / 100).quantize(Decimal("0.01"))
    if key.endswith("_minutes"):
        return (Decimal(value) / 60).quantize(Decimal("0.1"))
    if key.endswith("_permille"):
        return (Decimal(value) / 10).quantize(Decimal("0.1"))
    return value


def table_lines(table: dict):
    """A table's rows as spreadsheet lines, in its columns' order."""
    for row in table["rows"]:
        yield [shown(key, row.get(key)) for key, _label in table["columns"]]


# ---------------------------------------------------------------- charts

def _series(table: dict, keys, kind: str = "bar", stack: str | None = None, axis: int = 0):
    labels = dict(table["columns"])
    return [{"name": str(labels[key]), "type": kind, "stack": stack, "axis": axis,
             "data": [float(shown(key, row[key]) or 0) for row in table["rows"]]}
            for key in keys]


def charts(data: dict) -> dict:
    """Each table's chart as plain data (categories, series) for static/js/dashboards.js."""
    t = data["tables"]

    def chart(name, category_key, series, kind="bar"):
        return {"kind": kind, "categories": [str(row[category_key]) for row in t[name]["rows"]],
                "series": series}

    return {
        "organizations_by_type": chart("organizations_by_type", "label",
                                       _series(t["organizations_by_type"], ["organizations"]),
                                       "pie"),
        "organizations_by_status": chart("organizations_by_status", "label",
                                         _series(t["organizations_by_status"],
                                                 ["organizations"])),
        "organizations_by_grade": chart("organizations_by_grade", "label",
                                        _series(t["organizations_by_grade"], ["organizations"])),
        "coverage": chart("coverage", "region_name",
                          _series(t["coverage"], ["covered", "uncovered"], stack="coverage")),
        "volunteers_by_month": chart(
            "volunteers_by_month", "month",
            _series(t["volunteers_by_month"], ["service_minutes"])
            + _series(t["volunteers_by_month"], ["volunteers", "new_volunteers"], "line",
                      axis=1)),
        "points_by_month": chart("points_by_month", "month",
                                 _series(t["points_by_month"],
                                         ["issued", "redeemed", "expired"])),
        "reports_by_category": chart("reports_by_category", "label",
                                     _series(t["reports_by_category"],
                                             ["upheld", "rejected", "duplicate", "open"],
                                             stack="reports")),
        "suggestions_by_category": chart("suggestions_by_category", "label",
                                         _series(t["suggestions_by_category"],
                                                 ["posted", "answered", "open_overdue"])),
        "suggestions_by_region": chart("suggestions_by_region", "region_name",
                                       _series(t["suggestions_by_region"],
                                               ["posted", "answered", "open_overdue"])),
        "spending_by_category": chart("spending_by_category", "category_name",
                                      _series(t["spending_by_category"],
                                              ["amount_fen", "paid_fen"])),
        "awards": chart("awards", "title", _series(t["awards"], ["paid_fen"])),
    }


# ---------------------------------------------------------------- export

def check_table(name: Any) -> str:
    if name not in TABLE_NAMES:
        raise NotFound(_("没有这个统计表"))
    return name


def export_name(name: str, filters: Filters) -> str:
    return f"dashboard-{name}-{filters.region.code}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}"


def export_xlsx(user: User, name: str, filters: Filters, target, progress=None) -> int:
    """Write one table of the dashboard to target as .xlsx (formula-safe, capped) with one
    audit row naming the table, region and period. Returns the rows written."""
    table = compute(filters)["tables"][name]
    title = str(table["title"])
    written = exports.write_xlsx([str(label) for _key, label in table["columns"]],
                                 table_lines(table), target, title, progress)
    exports.record("Dashboard", written, f"数据看板·{title} {filters.region.name} "
                   f"{filters.label}", filters.region.code, {"table": name, **filters.args()})
    return written


def export_rows(filters: Filters, name: str) -> int:
    return len(compute(filters)["tables"][name]["rows"])


@jobs.handler("dashboard_export")
def export_job(job, user: User) -> None:
    args = job.args
    name = check_table(args.get("table"))
    filters = parse_filters(user, args)  # the request's rules, the owner's jurisdiction now
    path = jobs.file_path(".xlsx")
    export_xlsx(user, name, filters, path, job.report)
    job.result_path = path
    job.result_name = export_name(name, filters) + ".xlsx"

