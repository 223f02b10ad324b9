"""The audit log for auditors and city officials: filter, read in Chinese, export to Excel, and
(auditors) check the chain."""

import tempfile

from flask import Blueprint, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from registry import audit_labels, audit_search, exports, jobs
from registry.clock import today_local
from registry.extensions import db
from registry.i18n import gettext as _
from registry.models import AUDITOR, CITY_OFFICIAL, AuditEntry
from registry.pagination import paginate_query
from registry.views.access import roles

bp = Blueprint("audit_log", __name__, url_prefix="/audit")


@bp.route("/")
@roles(AUDITOR, CITY_OFFICIAL)
def index():
    filters = audit_search.clean_filters(request.args)
    stmt = audit_search.search_stmt(current_user, filters)
    page = paginate_query(stmt, AuditEntry.id, request.args)
    return render_template(
        "audit_log/index.html", page=page, filters=filters,
        rows=audit_labels.shown_rows(page.items),
        object_types=audit_labels.type_choices(), actions=audit_labels.action_choices(),
        may_check=current_user.role in audit_search.CHECKERS)


@bp.route("/export.xlsx")
@roles(AUDITOR, CITY_OFFICIAL)
def export():
    """The filtered log as .xlsx: at once when small, as a background job when large."""
    filters = audit_search.clean_filters(request.args)
    rows = exports.count_upto(audit_search.search_stmt(current_user, filters), exports.max_rows())
    if jobs.over_threshold(rows):
        job = jobs.start(current_user, "audit_export", _("导出审计日志"), filters,
                         rows)
        return redirect(url_for("jobs.show", job_id=job.id))
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    audit_search.export_xlsx(current_user, filters, spool)
    db.session.commit()
    spool.seek(0)
    return send_file(spool, mimetype=exports.XLSX, as_attachment=True,
                     download_name=audit_search.export_name(today_local()))


@bp.route("/verify", methods=["POST"])
@roles(AUDITOR)
def verify():
    """Start the chain check; its page shows the progress and the result."""
    job = audit_search.start_chain_check(current_user)
    return redirect(url_for("jobs.show", job_id=job.id))
