"""The audit log's search (the page's filters), its Excel export and the chain check, each the
same for the page and for the background jobs that run the large ones."""

import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from sqlalchemy import Select

from registry import audit, audit_chain, audit_labels, exports, jobs
from registry.clock import from_local, to_local
from registry.errors import NotAllowed, ValidationFailed
from registry.i18n import gettext as _
from registry.models import AUDITOR, CITY_OFFICIAL, AuditEntry, User
from registry.scoping import visible_select
from registry.validators import parse_date

READERS = (AUDITOR, CITY_OFFICIAL)  # who reads and exports the log
CHECKERS = (AUDITOR,)  # who runs the chain check (the auditor's duty, 三员分立)
FILTERS = ("actor", "object_type", "action", "from", "to")


def _day(value: str | None) -> date | None:
    """A filter date, or None (no filter) when it is not a date in the sane range."""
    try:
        return parse_date(value, "date")
    except ValidationFailed:
        return None


def clean_filters(args: Mapping) -> dict:
    """The page's filters, bounded: texts cut to their column's length, dates only if valid."""
    found = {
        "actor": (args.get("actor") or "").strip()[:64],
        "object_type": (args.get("object_type") or "").strip()[:64],
        "action": (args.get("action") or "").strip()[:32],
    }
    for name in ("from", "to"):
        day = _day(args.get(name))
        found[name] = day.isoformat() if day else ""
    return found


def search_stmt(user: User, filters: Mapping) -> Select:
    """The rows the user may see that match the filters, newest first (each filter on an
    index: actor name, object type and action with the id; the creation time)."""
    if user.role not in READERS:
        raise NotAllowed(_("没有权限查看审计日志"))
    stmt = visible_select(user, AuditEntry)
    if filters.get("actor"):
        stmt = stmt.where(AuditEntry.actor_name == filters["actor"])
    if filters.get("object_type"):
        stmt = stmt.where(AuditEntry.object_type == filters["object_type"])
    if filters.get("action"):
        stmt = stmt.where(AuditEntry.action == filters["action"])
    start, end = _day(filters.get("from")), _day(filters.get("to"))
    if start:
        stmt = stmt.where(AuditEntry.created_at >= from_local(datetime.combine(start,
                                                                               datetime.min.time())))
    if end:
        stmt = stmt.where(AuditEntry.created_at < from_local(
            datetime.combine(end + timedelta(days=1), datetime.min.time())))
    return stmt.order_by(AuditEntry.id.desc())


def export_header() -> list[str]:
    return [_("序号"), _("时间"), _("操作人"), _("角色"), "IP", _("对象类型"), _("对象编号"),
            _("操作"), _("变更内容"), _("说明")]


def export_rows(stmt: Select):
    """The rows as people read them (the page's labels), fetched a batch at a time."""
    for entry in exports.batched(stmt):
        yield [
            entry.id, f"{to_local(entry.created_at):%Y-%m-%d %H:%M:%S}", entry.actor_name,
            audit_labels.value_text(None, "role", entry.actor_role), entry.ip,
            audit_labels.type_label(entry.object_type), entry.object_id,
            audit_labels.action_label(entry.action),
            "\n".join(audit_labels.change_lines(entry.object_type, entry.action, entry.changes)),
            entry.comment,
        ]


def export_xlsx(user: User, filters: Mapping, target, progress=None) -> int:
    """Write the user's filtered log to target as .xlsx (capped, formula-safe); audited."""
    stmt = search_stmt(user, filters)
    written = exports.write_xlsx(export_header(), export_rows(stmt), target, _("审计日志"),
                                 progress)
    exports.record("AuditEntry", written, "导出审计日志", user.region_code,
                   {k: v for k, v in filters.items() if v})
    return written


def export_name(day: date) -> str:
    return f"{_('审计日志')}-{day:%Y%m%d}.xlsx"


@jobs.handler("audit_export")
def export_job(job, user: User) -> None:
    path = jobs.file_path(".xlsx")
    export_xlsx(user, job.args, path, job.report)
    job.result_path = path
    job.result_name = export_name(job.created_at)


def start_chain_check(user: User) -> "jobs.Job":
    """Queue a check of the whole chain (millions of rows: never inside a request)."""
    if user.role not in CHECKERS:
        raise NotAllowed(_("只有审计员可以核对审计链"))
    return jobs.start(user, "audit_verify", _("核对审计链"), {}, audit_chain.head_id())


def chain_result(report: audit_chain.ChainReport) -> str:
    if report.ok:
        return _("审计链完整：已核对 %(rows)s 条记录，未发现删除或篡改", rows=report.rows)
    return _("审计链有误：%(problem)s", problem=report.problem)


@jobs.handler("audit_verify")
def verify_job(job, user: User) -> None:
    if user.role not in CHECKERS:
        raise NotAllowed(_("只有审计员可以核对审计链"))
    report = audit_chain.verify(progress=job.report)
    job.total = max(job.total, report.last_id)
    job.message = chain_result(report)
    if not report.ok:
        job.detail = json.dumps([[report.bad_id or "", _("审计链"), report.problem]],
                                ensure_ascii=False)
    audit.record("verify_chain", object_type="AuditEntry",
                 comment=("审计链完整" if report.ok else report.problem)
                 + f"（核对 {report.rows} 条）")
