"""The 以奖代补 application list as .xlsx: its filters checked, its columns, the rows read in
batches from the scoped list (award_applications.list_stmt), audited, and the background job
for a large one."""

from collections.abc import Iterator, Mapping
from decimal import Decimal
from itertools import islice
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload, lazyload

from registry import exports, jobs
from registry.clock import to_local, today_local
from registry.errors import FieldErrors, NotAllowed, NotFound
from registry.extensions import db
from registry.i18n import gettext as _
from registry.models import Region, User
from registry.purchasing import awards
from registry.purchasing.award_applications import READERS, list_stmt
from registry.purchasing.models import APPLICANT_KINDS, AWARD_STATUSES, AwardApplication
from registry.purchasing.spending import yuan

FILTERS = ("status", "round_id")
# Whoever reads the list may export it: officials their jurisdiction's applications, a
# representative its organization's, a station admin the station's (list_stmt's scoping).
EXPORTERS = READERS


def export_header() -> list[str]:
    """The columns, in the reader's language (the file is read, never re-imported)."""
    return [_("申请编号"), _("批次"), _("年度"), _("申请人"), _("申请人类型"), _("申请事项"),
            _("区县"), _("乡镇（街道）"), _("状态"), _("总分"), _("奖励金额（元）"),
            _("拨付金额（元）"), _("申请日期"), _("批准日期"), _("拨付日期")]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def check_filters(args: Mapping, user: User) -> dict:
    """The export's filters from a query string (or a job's stored ones), every bad one named
    at its field (ValidationFailed); empty ones left out. A round must be one user may read
    (a draft is the city's own). Unknown arguments (page, cursor) are ignored."""
    errors = FieldErrors()
    filters: dict[str, Any] = {}
    raw = {name: _text(args.get(name)) for name in FILTERS}
    if raw["status"]:
        if raw["status"] in AWARD_STATUSES:
            filters["status"] = raw["status"]
        else:
            errors.add("status", _("没有这个申请状态"))
    if raw["round_id"]:
        value = raw["round_id"]
        round_id = int(value) if value.isdigit() and len(value) < 10 else 0
        try:
            filters["round_id"] = awards.get_round(user, round_id if round_id > 0 else None).id
        except NotFound:
            errors.add("round_id", _("没有这个以奖代补批次"))
    errors.raise_if_any()
    return filters


def require_exporter(user: User) -> None:
    if getattr(user, "role", None) not in EXPORTERS:
        raise NotAllowed(_("没有权限导出以奖代补申请"))


def export_stmt(user: User, filters: dict):
    """The scoped, filtered list the export writes (the list page's own query), with each
    application's round and applicant loaded in the same round trip (not its scores)."""
    require_exporter(user)
    return list_stmt(user, filters).options(
        joinedload(AwardApplication.round), joinedload(AwardApplication.organization),
        joinedload(AwardApplication.station), lazyload(AwardApplication.scores))


def _learn_regions(names: dict[str, tuple[str, str]], codes: set[str]) -> None:
    """(county, township) names of the codes not known yet, in one query per batch: a
    township under its county; a county (or the city itself) alone."""
    missing = codes - names.keys()
    if not missing:
        return
    county = aliased(Region)
    rows = db.session.execute(
        select(Region.code, Region.name, Region.level, county.name)
        .outerjoin(county, county.code == Region.county_code)
        .where(Region.code.in_(missing)))
    for code, name, level, county_name in rows:
        names[code] = (county_name or "", name) if level == "township" else (name, "")
    for code in missing - names.keys():
        names[code] = ("", "")


def _day(value):
    return to_local(value).date() if value is not None else None


def export_rows(user: User, filters: dict) -> Iterator[list]:
    """One row per application, read in batches; money as exact yuan (Decimal from fen), the
    score as the exact hundredths shown on the page."""
    regions: dict[str, tuple[str, str]] = {}
    stream = exports.batched(export_stmt(user, filters))
    while batch := list(islice(stream, exports.BATCH)):
        _learn_regions(regions, {row.region_code for row in batch})
        for row in batch:
            county_name, township = regions[row.region_code]
            yield [
                row.id, row.round.title, row.round.year, row.applicant_name,
                str(APPLICANT_KINDS.get(row.applicant_kind, row.applicant_kind)), row.title,
                county_name, township, str(AWARD_STATUSES.get(row.status, row.status)),
                None if row.total_centi is None else Decimal(row.total_centi) / 100,
                None if row.amount_fen is None else yuan(row.amount_fen),
                None if row.paid_fen is None else yuan(row.paid_fen),
                _day(row.submitted_at), _day(row.approved_at), row.paid_on,
            ]


def export_name() -> str:
    return _("以奖代补申请-%(day)s.xlsx", day=format(today_local(), "%Y%m%d"))


def export_xlsx(user: User, filters: dict, target, progress=None) -> int:
    """Write the scoped, filtered list to target as .xlsx (formula-safe, capped); one audit row
    with the filters and the number of rows. Returns that number."""
    written = exports.write_xlsx(export_header(), export_rows(user, filters), target,
                                 _("以奖代补申请"), progress)
    exports.record("AwardApplication", written, "导出以奖代补申请清单",
                   user.region_code, filters)
    return written


def count(user: User, filters: dict) -> int:
    """How many rows the export would write, counted no further than the cap."""
    require_exporter(user)
    return exports.count_upto(list_stmt(user, filters), exports.max_rows())


@jobs.handler("award_export")
def export_job(job, user: User) -> None:
    filters = check_filters(job.args, user)  # the same rule as the request's (a job re-read)
    path = jobs.file_path(".xlsx")
    export_xlsx(user, filters, path, job.report)
    job.result_path = path
    job.result_name = export_name()
