"""Monthly reports of the city and each county: the dashboard's figures for a calendar month
and their change from the month before, kept as a row (the figures as computed) and two files
(PDF in the embedded font, .xlsx), made on the 1st for last month and on an official's demand.

The files are official Chinese documents: they are written in Chinese whatever the language
of the page that asked for them (force_locale). Values stay integers in the row and the
figures (fen, minutes, ‰); the files show 元 with 2 decimals and hours with 1 decimal.
"""

import calendar
import json
import logging
import os
import shutil
import uuid
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from huey import crontab
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from registry import audit, jobs
from registry.clock import today_local, utcnow
from registry.dashboards import figures as dashboard_figures
from registry.dashboards import report_pdf, report_xlsx
from registry.dashboards.models import MonthlyReport
from registry.dashboards.report_values import (
    change,
    change_text,
    is_number,
    label_with_unit,
    shown,
)
from registry.errors import NotAllowed, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, Region, User
from registry.scoping import region_visible

log = logging.getLogger(__name__)
CITY = "511300"
FIRST_YEAR = 2020
MAKERS = (CITY_OFFICIAL, COUNTY_OFFICIAL)
DOCUMENT_LOCALE = "zh_Hans_CN"
FILES = "monthly_report_files"  # session.info: files written and replaced in this transaction


# --- months ---
def month_key(year: int, month: int) -> int:
    return year * 100 + month


def month_bounds(key: int) -> tuple[date, date]:
    """The first and last day of month YYYYMM."""
    year, month = divmod(key, 100)
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def previous_month(key: int) -> int:
    year, month = divmod(key, 100)
    return month_key(year - 1, 12) if month == 1 else month_key(year, month - 1)


def next_month(key: int) -> int:
    year, month = divmod(key, 100)
    return month_key(year + 1, 1) if month == 12 else month_key(year, month + 1)


def parse_month(text: str | None, field: str = "month") -> int:
    """A YYYY-MM text as YYYYMM, from January 2020 to this month; ValidationFailed else."""
    text = (text or "").strip()
    try:
        year, month = (int(part) for part in text.split("-"))
        date(year, month, 1)
    except ValueError:
        raise ValidationFailed(_("请按“年-月”填写月份，如 2026-10"), field=field) from None
    return check_month(month_key(year, month), field)


def check_month(key: int, field: str = "month") -> int:
    today = today_local()
    if key > month_key(today.year, today.month):
        raise ValidationFailed(_("不能生成未来月份的月报"), field=field)
    if key < month_key(FIRST_YEAR, 1):
        raise ValidationFailed(_("只能生成 %(year)s 年 1 月以来的月报", year=FIRST_YEAR),
                               field=field)
    return key


def month_text(key: int) -> str:
    year, month = divmod(key, 100)
    return _("%(year)s年%(month)s月", year=year, month=month)


# --- the figures, as kept ---
def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def keepable(figures: dict) -> dict:
    """The figures as the row keeps them: ints and texts (labels in Chinese, as shown)."""
    return {
        "region": dict(figures["region"]),
        "period": {k: _plain(v) for k, v in figures["period"].items()},
        "headline": {k: int(v) for k, v in figures["headline"].items()},
        "headline_labels": {k: str(v) for k, v in figures.get("headline_labels", {}).items()},
        "tables": {
            name: {"title": str(table["title"]),
                   "columns": [[key, str(label)] for key, label in table["columns"]],
                   "rows": [{k: _plain(v) for k, v in row.items()} for row in table["rows"]]}
            for name, table in figures.get("tables", {}).items()},
    }


def compute(region_code: str, key: int) -> dict:
    start, end = month_bounds(key)
    return keepable(dashboard_figures.figures(region_code, start, end))


def stored(region_code: str, key: int) -> MonthlyReport | None:
    return db.session.scalar(select(MonthlyReport).where(
        MonthlyReport.region_code == region_code, MonthlyReport.month == key))


def last_month_headline(region_code: str, key: int) -> dict:
    """Last month's headline: as its kept report published it, else computed now."""
    key = previous_month(key)
    if key < month_key(FIRST_YEAR, 1):
        return {}
    row = stored(region_code, key)
    if row is not None:
        return json.loads(row.figures_json)["headline"]
    return compute(region_code, key)["headline"]


# --- who may ---
def may_make(user: User | None, region_code: str) -> bool:
    """A county official for their county, the city official for the city or any county."""
    return (user is not None and user.role in MAKERS
            and region_visible(user, region_code) and is_reportable(region_code))


def is_reportable(region_code: str) -> bool:
    region = db.session.get(Region, region_code)
    return region is not None and region.level in ("city", "county")


def regions_for(user: User) -> list[Region]:
    """The regions whose reports user may see and make: theirs, and a city's counties."""
    if user.role not in MAKERS:
        return []
    own = db.session.get(Region, user.region_code)
    if own is None:
        return []
    if own.level != "city":
        return [own]
    return [own, *db.session.scalars(select(Region).where(
        Region.level == "county", Region.city_code == own.code).order_by(Region.code))]


# --- making one ---
def folder() -> Path:
    """Where the files are kept: MONTHLY_REPORTS_DIR, else beside the uploads (instance/)."""
    configured = current_app.config.get("MONTHLY_REPORTS_DIR")
    path = Path(configured or Path(current_app.config["UPLOAD_DIR"]).parent / "monthly_reports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(name: str) -> Path:
    return folder() / Path(name).name


def _write(name: str, data: bytes) -> None:
    temporary = path_of(name + ".part")
    temporary.write_bytes(data)
    os.replace(temporary, path_of(name))


def generate(region_code: str, key: int, user: User | None = None) -> MonthlyReport:
    """Compute, write and keep (insert or replace) the report of a region for month YYYYMM;
    user None is the scheduled job. Flushes; the caller commits."""
    if user is not None and not may_make(user, region_code):
        raise NotAllowed(_("只能生成本辖区（市或县）的月报"))
    if not is_reportable(region_code):
        raise ValidationFailed(_("月报只按市和县（市、区）生成"), field="region")
    check_month(key)
    with force_locale(DOCUMENT_LOCALE):
        figures = compute(region_code, key)
        last = last_month_headline(region_code, key)
        document = report_document(figures, last, key)
        pdf = report_pdf.render(document, _("本月无数据"), _("第 %(page)s 页"))
        sheets = report_xlsx.render(figures, last, document.title, document.lines)
    stem = f"{region_code}-{key}-{uuid.uuid4().hex[:8]}"
    _write(f"{stem}.pdf", pdf)
    _write(f"{stem}.xlsx", sheets)
    row = stored(region_code, key)
    old = (row.pdf_name, row.xlsx_name) if row is not None else ()
    if row is None:
        row = MonthlyReport(region_code=region_code, month=key)
        db.session.add(row)
    row.figures_json = json.dumps(figures, ensure_ascii=False)
    row.pdf_name, row.xlsx_name = f"{stem}.pdf", f"{stem}.xlsx"
    row.created_by_user_id = user.id if user is not None else None
    row.created_at = utcnow()
    db.session.flush()
    files = db.session.info.setdefault(FILES, {"new": [], "replaced": []})
    files["new"] += [row.pdf_name, row.xlsx_name]
    files["replaced"] += old
    return row


@event.listens_for(Session, "after_commit")
def _drop_replaced_files(session: Session) -> None:
    """Committed: the replaced reports' files go (the row names the new ones)."""
    for name in session.info.pop(FILES, {}).get("replaced", ()):
        path_of(name).unlink(missing_ok=True)


@event.listens_for(Session, "after_rollback")
def _drop_unkept_files(session: Session) -> None:
    """Rolled back: the files written for it go (no row names them); the old ones stay."""
    for name in session.info.pop(FILES, {}).get("new", ()):
        path_of(name).unlink(missing_ok=True)


def title_of(region_name: str, key: int) -> str:
    return _("%(region)s 社会治理参与月报 %(month)s", region=region_name, month=month_text(key))


def report_document(figures: dict, last: dict, key: int) -> report_pdf.Document:
    """The report's text: the headline (this month, last month, change), then each table."""
    start, end = month_bounds(key)
    region = figures["region"]
    labels = figures["headline_labels"]
    headline = []
    for name, value in figures["headline"].items():
        before = last.get(name)
        headline.append([label_with_unit(labels.get(name, name), name), shown(name, value),
                         shown(name, before) if before is not None else "—",
                         change_text(name, change(name, value, before))])
    sections = [report_pdf.Section(_("主要指标"), [_("指标"), _("本月"), _("上月"), _("变化")],
                                   headline, numeric={1, 2, 3})]
    for table in figures["tables"].values():
        keys = [key_ for key_, _label in table["columns"]]
        header = [label_with_unit(label, key_) for key_, label in table["columns"]]
        rows = [[shown(k, row.get(k)) for k in keys] for row in table["rows"]]
        numeric = {i for i, k in enumerate(keys)
                   if any(is_number(r.get(k)) for r in table["rows"])
                   and all(r.get(k) is None or is_number(r.get(k)) for r in table["rows"])}
        sections.append(report_pdf.Section(table["title"], header, rows, numeric))
    lines = [_("统计期间：%(start)s 至 %(end)s", start=start.isoformat(), end=end.isoformat()),
             _("生成日期：%(day)s", day=today_local().isoformat())]
    return report_pdf.Document(
        title=title_of(region["name"], key), lines=lines, sections=sections,
        footer=_("南充市社会治理参与登记平台 · %(region)s · %(month)s",
                 region=region["name"], month=month_text(key)),
        author=_("南充市社会治理参与登记平台"))


def download_name(row: MonthlyReport, kind: str) -> str:
    with force_locale(DOCUMENT_LOCALE):
        name = json.loads(row.figures_json)["region"]["name"]
        return _("%(region)s社会治理参与月报-%(month)s.%(ext)s", region=name,
                 month=row.month, ext=kind)


def record_download(row: MonthlyReport, kind: str) -> Path:
    """The file of a kept report (pdf or xlsx), its download audited."""
    audit.record("download", row, comment=f"下载月报 {row.region_code} {row.month}（{kind}）",
                 changes={"file": kind})
    return path_of(row.pdf_name if kind == "pdf" else row.xlsx_name)


# --- on the queue ---
@jobs.handler("monthly_report")
def generate_job(job, user: User) -> None:
    """An official's "generate now": the report, then the PDF offered on the job's page."""
    args = job.args
    row = generate(args["region_code"], int(args["month"]), user)
    job.result_path = jobs.file_path(".pdf")  # a copy: a later regeneration replaces the file
    shutil.copyfile(path_of(row.pdf_name), job.result_path)
    job.result_name = download_name(row, "pdf")


def start(user: User, region_code: str, key: int):
    """Queue a report for an official (checked first, so a refusal is the form's message)."""
    if not may_make(user, region_code):
        raise NotAllowed(_("只能生成本辖区（市或县）的月报"))
    check_month(key)
    name = db.session.get(Region, region_code).name
    return jobs.start(user, "monthly_report", _("生成月报：%(region)s %(month)s",
                                                 region=name, month=month_text(key)),
                      {"region_code": region_code, "month": key}, 1)


def scheduled(today: date, regions: list[str] | None = None) -> list[MonthlyReport]:
    """Last month's reports (of `today`) for the city and each of its counties, each
    committed on its own (one failing region does not stop the others)."""
    key = previous_month(month_key(today.year, today.month))
    codes = regions or [CITY, *db.session.scalars(select(Region.code).where(
        Region.level == "county", Region.city_code == CITY).order_by(Region.code))]
    done = []
    for code in codes:
        try:
            done.append(generate(code, key))
            db.session.commit()
        except Exception:  # noqa: BLE001 (the next region still gets its report)
            db.session.rollback()
            log.exception("monthly report %s %s failed", code, key)
    return done


@jobs.huey.periodic_task(crontab(day="1", hour="1", minute="30"))
def monthly_reports_on_the_first() -> None:
    """On the 1st of each month: last month's reports for the city and its counties."""
    with jobs._app().app_context():
        done = scheduled(today_local())
        log.info("made %s monthly reports", len(done))
