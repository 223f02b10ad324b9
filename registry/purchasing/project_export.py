"""The purchased-service project list as .xlsx: its filters checked, its columns, the rows read
in batches from the scoped list (projects_stmt), audited, and the background job for a large one."""

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from registry import exports, jobs
from registry.clock import today_local
from registry.errors import FieldErrors, NotAllowed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, ORG_ADMIN, Region, User
from registry.purchasing import directory
from registry.purchasing.models import (
    EVALUATION_GRADES,
    PROCUREMENT_METHODS,
    PROJECT_STATUSES,
    PurchasedServiceProject,
)
from registry.purchasing.projects import projects_stmt
from registry.purchasing.spending import yuan

FILTERS = ("status", "year", "county_code", "category_code", "item_code", "provider_id")
# County-level units and the city itself (county_code of the city's own projects is the city's).
COUNTY_LEVELS = ("city", "county")
# Who reads the list may export it (scoping narrows each to their own projects).
EXPORTERS = (CITY_OFFICIAL, COUNTY_OFFICIAL, ORG_ADMIN)


def export_header() -> list[str]:
    """The columns, in the reader's language (the file is read, never re-imported)."""
    return [_("项目编号"), _("合同编号"), _("项目名称"), _("年度"), _("目录条目编码"),
            _("目录条目名称"), _("购买主体（部门）"), _("承接主体"), _("采购方式"),
            _("合同金额（元）"), _("已付金额（元）"), _("开始日期"), _("结束日期"), _("状态"),
            _("绩效评价等级")]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _code(value: str, field: str, errors: FieldErrors) -> str | None:
    if not directory.CODE_PATTERN.fullmatch(value):
        errors.add(field, _("编码只能由字母、数字和 . _ - 组成，以字母或数字开头，最长 20 位"))
        return None
    return value


def check_filters(args: Mapping) -> dict:
    """The export's filters from a query string (or a job's stored ones), every bad one named
    at its field (ValidationFailed); empty ones left out. Unknown arguments (page, cursor) are
    ignored: they do not narrow the list."""
    errors = FieldErrors()
    filters: dict[str, Any] = {}
    raw = {name: _text(args.get(name)) for name in FILTERS}
    if raw["status"]:
        if raw["status"] in PROJECT_STATUSES:
            filters["status"] = raw["status"]
        else:
            errors.add("status", _("没有这个项目状态"))
    if raw["year"]:
        filters["year"] = errors.check(directory.check_year, raw["year"][:20], "year")
    if raw["county_code"]:
        code = raw["county_code"]
        found = (code.isdigit() and len(code) <= 9 and db.session.scalar(
            select(Region.code).where(Region.code == code, Region.level.in_(COUNTY_LEVELS))))
        if found:
            filters["county_code"] = code
        else:
            errors.add("county_code", _("没有这个区县"))
    for name in ("category_code", "item_code"):
        if raw[name]:
            filters[name] = _code(raw[name], name, errors)
    if raw["provider_id"]:
        value = raw["provider_id"]
        if value.isdigit() and 0 < int(value) < 2**31:
            filters["provider_id"] = int(value)
        else:
            errors.add("provider_id", _("承接主体编号不正确"))
    errors.raise_if_any()
    return filters


def require_exporter(user: User) -> None:
    if getattr(user, "role", None) not in EXPORTERS:
        raise NotAllowed(_("没有权限导出政府购买服务项目"))


def export_stmt(user: User, filters: dict):
    """The scoped, filtered list the export writes (the list page's own query), with each
    project's provider loaded in the same round trip."""
    require_exporter(user)
    return projects_stmt(user, filters).options(joinedload(PurchasedServiceProject.provider))


def export_rows(user: User, filters: dict) -> Iterator[list]:
    """One row per project, read in batches; money as exact yuan (Decimal from fen)."""
    for project in exports.batched(export_stmt(user, filters)):
        yield [
            project.id, project.contract_no, project.title, project.year, project.item_code,
            project.item_name, project.purchaser, project.provider.name,
            str(PROCUREMENT_METHODS.get(project.procurement_method,
                                        project.procurement_method)),
            yuan(project.amount_fen), yuan(project.paid_fen), project.starts_on,
            project.ends_on, str(PROJECT_STATUSES.get(project.status, project.status)),
            str(EVALUATION_GRADES.get(project.evaluation_grade or "", "")),
        ]


def export_name() -> str:
    return _("政府购买服务项目-%(day)s.xlsx", day=format(today_local(), "%Y%m%d"))


def export_xlsx(user: User, filters: dict, target, progress=None) -> int:
    """Write the scoped, filtered list to target as .xlsx (formula-safe, capped); one audit row
    with the filters and the number of rows. Returns that number."""
    written = exports.write_xlsx(export_header(), export_rows(user, filters), target,
                                 _("政府购买服务项目"), progress)
    exports.record("PurchasedServiceProject", written, "导出政府购买服务项目清单",
                   user.region_code, filters)
    return written


def count(user: User, filters: dict) -> int:
    """How many rows the export would write, counted no further than the cap."""
    require_exporter(user)
    return exports.count_upto(projects_stmt(user, filters), exports.max_rows())


@jobs.handler("project_export")
def export_job(job, user: User) -> None:
    filters = check_filters(job.args)  # the same rule as the request's (a stored job re-read)
    path = jobs.file_path(".xlsx")
    export_xlsx(user, filters, path, job.report)
    job.result_path = path
    job.result_name = export_name()

