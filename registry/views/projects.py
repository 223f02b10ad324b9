"""Pages of purchased-service projects: the scoped list, recording a project, its page
(milestones, payments, 绩效评价, workflow moves), the list's and the spending table's exports, and
the credit-profile section of an organization's page. Rules live in registry/purchasing/."""

import tempfile

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from registry import exports, jobs
from registry.clock import today_local
from registry.errors import NotFound, RegistryError
from registry.extensions import db
from registry.forms import form_page, show_errors
from registry.forms.projects import (
    ActionForm,
    ContractForm,
    EvaluationForm,
    MilestoneForm,
    MoveForm,
    PaymentForm,
    ProjectForm,
)
from registry.i18n import gettext as _
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, ORG_ADMIN, Region
from registry.organizations.models import Organization
from registry.pagination import paginate_query
from registry.purchasing import (
    credit,
    evaluations,
    payments,
    project_export,
    projects,
    spending,
)
from registry.purchasing.models import PROJECT_STATUSES, PurchasedServiceProject
from registry.scoping import can_see
from registry.views.access import roles

bp = Blueprint("projects", __name__, url_prefix="/projects")
READERS = (CITY_OFFICIAL, COUNTY_OFFICIAL, ORG_ADMIN)


def _filters() -> dict:
    args = request.args
    year = args.get("year", "")
    provider = args.get("provider_id", "")
    return {"status": args.get("status") if args.get("status") in PROJECT_STATUSES else None,
            "year": int(year) if year.isdigit() and len(year) == 4 else None,
            "county_code": (args.get("county_code") or "")[:9] or None,
            "category_code": (args.get("category_code") or "")[:20] or None,
            "provider_id": int(provider) if provider.isdigit() and len(provider) < 10 else None}


def _project(project_id) -> PurchasedServiceProject:
    try:
        return projects.get_project(current_user, project_id)
    except NotFound:
        abort(404)


def _counties() -> list[Region]:
    return list(db.session.scalars(db.select(Region).where(Region.level == "county")
                                   .order_by(Region.code)))


@bp.route("/")
@roles(*READERS)
def index():
    filters = _filters()
    page = paginate_query(projects.projects_stmt(current_user, filters),
                          PurchasedServiceProject.id, request.args)
    return render_template("projects/list.html", page=page, filters=filters,
                           statuses=PROJECT_STATUSES, years=spending.years(current_user),
                           counties=_counties(), may_record=projects.may_record(current_user),
                           export_args={k: v for k, v in filters.items() if v is not None})


@bp.route("/export.xlsx")
@roles(*READERS)
def export():
    """The scoped, filtered list as .xlsx: at once when small, as a background job when large."""
    try:
        filters = project_export.check_filters(request.args)
    except RegistryError as error:
        flash(error.message, "danger")
        return redirect(url_for("projects.index"))
    rows = project_export.count(current_user, filters)
    if jobs.over_threshold(rows):
        job = jobs.start(current_user, "project_export", _("导出政府购买服务项目"), filters, rows)
        return redirect(url_for("jobs.show", job_id=job.id))
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    project_export.export_xlsx(current_user, filters, spool)
    db.session.commit()
    spool.seek(0)
    return send_file(spool, mimetype=exports.XLSX, as_attachment=True,
                     download_name=project_export.export_name())


@bp.route("/new", methods=["GET", "POST"])
@roles(*projects.RECORDERS)
def new():
    form = ProjectForm()
    form.item_code.choices = [("", _("请选择"))] + [
        (i.code, f"{i.code} {i.name}") for i in projects.leaf_items()]
    form.provider_id.choices = [("", _("请选择"))] + [
        (str(o.id), o.name) for o in projects.eligible_providers()]
    if request.method == "GET":
        today = today_local()
        form.starts_on.data = today.isoformat()
        form.ends_on.data = today.replace(month=12, day=31).isoformat()

    def save(form):
        return projects.create_project(current_user, dict(form.data))

    return form_page(form, save, lambda row: url_for("projects.detail", project_id=row.id),
                     _("项目已立项"), "projects/form.html")


def _detail(project: PurchasedServiceProject, status: int = 200, **forms):
    indicators = evaluations.indicators()
    evaluation_form = forms.pop("evaluation_form", None) or EvaluationForm(formdata=None)
    evaluation_form.kind.choices = list(evaluations.EVALUATION_KINDS.items())
    context = {
        "project": project, "milestones": projects.milestones_of(project),
        "payments": payments.payments_of(project),
        "evaluations": projects.evaluations_of(project),
        "moves": projects.allowed_moves(current_user, project),
        "may_record": projects.may_record(current_user, project),
        "indicators": indicators, "tenths": evaluations.tenths_text,
        "named": evaluations.named,
        "payment_form": PaymentForm(formdata=None), "milestone_form": MilestoneForm(
            formdata=None), "move_form": MoveForm(formdata=None),
        "contract_form": ContractForm(formdata=None, contract_no=project.contract_no,
                                      amount_yuan=f"{project.amount_fen / 100:.2f}"),
        "action_form": ActionForm(formdata=None), "evaluation_form": evaluation_form,
        "scores": request.form if request.method == "POST" else {}, "field_errors": {},
    }
    context.update(forms)
    return render_template("projects/detail.html", **context), status


@bp.route("/<int:project_id>")
@roles(*READERS)
def detail(project_id):
    return _detail(_project(project_id))


def _act(project, form, action, success: str, form_name: str):
    """Validate, run the domain action, commit; a domain error goes onto the form (422)."""
    if form.validate_on_submit():
        try:
            action(form)
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
            if error.fields and not any(hasattr(form, k) for k in error.fields):
                flash(error.message, "danger")
            return _detail(project, 422, field_errors=error.fields, **{form_name: form})
        db.session.commit()
        flash(success, "success")
        return redirect(url_for("projects.detail", project_id=project.id))
    return _detail(project, 422 if form.errors else 200, **{form_name: form})


@bp.route("/<int:project_id>/move/<name>", methods=["POST"])
@roles(*projects.RECORDERS)
def move(project_id, name):
    project = _project(project_id)
    return _act(project, MoveForm(), lambda f: projects.move(current_user, project, name,
                                                             f.comment.data or ""),
                _("已办理"), "move_form")


@bp.route("/<int:project_id>/contract", methods=["POST"])
@roles(*projects.RECORDERS)
def contract(project_id):
    project = _project(project_id)
    return _act(project, ContractForm(), lambda f: projects.update_contract(
        current_user, project, dict(f.data)), _("合同信息已保存"), "contract_form")


@bp.route("/<int:project_id>/payments", methods=["POST"])
@roles(*projects.RECORDERS)
def pay(project_id):
    project = _project(project_id)
    return _act(project, PaymentForm(), lambda f: payments.add_payment(
        current_user, project, dict(f.data)), _("付款已登记"), "payment_form")


@bp.route("/<int:project_id>/milestones", methods=["POST"])
@roles(*projects.RECORDERS)
def milestone(project_id):
    project = _project(project_id)
    return _act(project, MilestoneForm(), lambda f: projects.add_milestone(
        current_user, project, {"name": f.milestone_name.data, "due_on": f.due_on.data}),
        _("里程碑已添加"), "milestone_form")


@bp.route("/<int:project_id>/milestones/<int:milestone_id>/done", methods=["POST"])
@roles(*projects.RECORDERS)
def milestone_done(project_id, milestone_id):
    project = _project(project_id)
    return _act(project, ActionForm(), lambda f: projects.complete_milestone(
        current_user, project, milestone_id), _("里程碑已完成"), "action_form")


@bp.route("/<int:project_id>/evaluate", methods=["POST"])
@roles(*projects.RECORDERS)
def evaluate(project_id):
    project = _project(project_id)
    form = EvaluationForm()
    form.kind.choices = list(evaluations.EVALUATION_KINDS.items())

    def action(f):
        scores = {row.key: request.form.get(f"score_{row.key}", "")
                  for row in evaluations.indicators()}
        projects.evaluate(current_user, project, {
            "scores": scores, "kind": f.kind.data, "comment": f.comment.data,
            "evaluated_on": f.evaluated_on.data})

    return _act(project, form, action, _("绩效评价已保存"), "evaluation_form")


@bp.route("/spending")
@roles(*projects.RECORDERS)
def spending_table():
    filters = _filters()
    filters.pop("status")
    by = request.args.get("by", "county")
    if request.args.get("format") in ("xlsx", "csv"):
        return spending.export(current_user, by, filters, request.args["format"])
    table = spending.spending(current_user, by, filters)
    return render_template("projects/spending.html", table=table, filters=filters,
                           groupings=spending.GROUPINGS, years=spending.years(current_user),
                           counties=_counties())


@bp.app_template_global("org_credit_profile")
def org_credit_profile(org_id: int):
    """The credit profile for an organization's page (None when the viewer may not see it)."""
    org = db.session.get(Organization, org_id)
    if org is None or not current_user.is_authenticated or not can_see(current_user, org):
        return None
    return credit.profile(current_user, org)
