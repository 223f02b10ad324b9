"""Monthly reports' page for officials: the kept months of their jurisdiction (a county's own,
the city's and its counties'), their PDF and .xlsx downloads, and "generate now" (a job)."""

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from registry.clock import today_local
from registry.dashboards import monthly_reports
from registry.dashboards.models import MonthlyReport
from registry.errors import RegistryError
from registry.exports import XLSX
from registry.extensions import db
from registry.forms import show_errors
from registry.forms.monthly_reports import GenerateForm
from registry.scoping import get_visible_or_404, visible_select
from registry.views.access import roles

bp = Blueprint("monthly_reports", __name__, url_prefix="/monthly-reports")
MAX_LISTED = 240  # two years of the city and its nine counties
MIMETYPES = {"pdf": "application/pdf", "xlsx": XLSX}


def _list(region: str | None):
    stmt = visible_select(current_user, MonthlyReport)
    if region:
        stmt = stmt.where(MonthlyReport.region_code == region)
    stmt = stmt.order_by(MonthlyReport.month.desc(), MonthlyReport.region_code)
    return list(db.session.scalars(stmt.limit(MAX_LISTED)))


def _page(form: GenerateForm, status: int = 200):
    regions = monthly_reports.regions_for(current_user)
    names = {r.code: r.name for r in regions}
    region = request.args.get("region") or None
    if region not in names:
        region = None
    reports = _list(region)
    return render_template("monthly_reports/index.html", form=form, reports=reports,
                           regions=regions, names=names, region=region,
                           month_text=monthly_reports.month_text), status


def _form() -> GenerateForm:
    form = GenerateForm()
    form.region.choices = [(r.code, r.name) for r in monthly_reports.regions_for(current_user)]
    if request.method == "GET":
        last = monthly_reports.previous_month(
            monthly_reports.month_key(today_local().year, today_local().month))
        form.month.data = f"{last // 100:04d}-{last % 100:02d}"
        form.region.data = request.args.get("region") or current_user.region_code
    return form


@bp.route("/")
@roles(*monthly_reports.MAKERS)
def index():
    return _page(_form())


@bp.route("/generate", methods=["POST"])
@roles(*monthly_reports.MAKERS)
def generate():
    form = _form()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        key = monthly_reports.parse_month(form.month.data)
        job = monthly_reports.start(current_user, form.region.data, key)
    except RegistryError as error:
        db.session.rollback()
        show_errors(form, error)
        return _page(form, 422)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/<int:report_id>/<any(pdf, xlsx):kind>")
@roles(*monthly_reports.MAKERS)
def download(report_id: int, kind: str):
    row = get_visible_or_404(current_user, MonthlyReport, report_id)
    path = monthly_reports.record_download(row, kind)
    if not path.exists():
        abort(404)
    name = monthly_reports.download_name(row, kind)
    db.session.commit()
    return send_file(path, mimetype=MIMETYPES[kind], as_attachment=True, download_name=name)
