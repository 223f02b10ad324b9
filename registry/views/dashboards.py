"""Officials' and station admins' dashboards: the jurisdiction's figures for a period with a
chart and a table each (the city by county, a county by township, drill-down by region_code),
each table downloadable as Excel."""

import tempfile

from flask import Blueprint, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from markupsafe import Markup

from registry import exports, jobs
from registry.clock import today_local
from registry.dashboards import dashboard
from registry.dashboards.figures import SUGGESTIONS
from registry.errors import ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN
from registry.views.access import roles

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards")
VIEWERS = (CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN)


@bp.app_context_processor
def dashboard_helpers():
    """public_figures(): the city's figures templates/dashboards/_public_cards.html shows."""
    return {"public_figures": dashboard.public_figures}


def _form_again(error: ValidationFailed):
    """A bad period: the form again with the message at its field, no figures."""
    return render_template("dashboards/index.html", filters=None, sections=None,
                           errors=error.fields, args=request.args, choices=[],
                           today=today_local()), 422


@bp.route("/")
@roles(*VIEWERS)
def index():
    try:
        filters = dashboard.parse_filters(current_user, request.args)
    except ValidationFailed as error:
        return _form_again(error)
    def draw(data, charts):
        return Markup(render_template("dashboards/_sections.html", filters=filters, data=data,
                                      charts=charts, shown=dashboard.shown,
                                      suggestions=SUGGESTIONS))

    return render_template("dashboards/index.html", filters=filters,
                           sections=dashboard.page(filters, draw, request.script_root),
                           errors={}, args=request.args,
                           choices=dashboard.region_choices(current_user, filters),
                           today=today_local())


@bp.route("/export")
@roles(*VIEWERS)
def export():
    """One table as .xlsx (scoped, audited): at once when small, as a job when large."""
    name = dashboard.check_table(request.args.get("table"))
    try:
        filters = dashboard.parse_filters(current_user, request.args)
    except ValidationFailed as error:
        return _form_again(error)
    rows = dashboard.export_rows(filters, name)
    if jobs.over_threshold(rows):
        job = jobs.start(current_user, "dashboard_export", _("导出数据看板统计表"),
                         {"table": name, **filters.args()}, rows)
        return redirect(url_for("jobs.show", job_id=job.id))
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    dashboard.export_xlsx(current_user, name, filters, spool)
    db.session.commit()
    spool.seek(0)
    return send_file(spool, mimetype=exports.XLSX, as_attachment=True,
                     download_name=dashboard.export_name(name, filters) + ".xlsx")
