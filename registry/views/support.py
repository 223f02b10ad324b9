"""Pages for incubation (孵化培育), training (人才培养) and grants (资金支持) under /support."""


from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from registry.errors import RegistryError
from registry.extensions import db
from registry.forms import error_text, form_page, show_errors
from registry.forms.support import (
    AdmitForm,
    ApplyForm,
    AttendanceForm,
    CommentForm,
    FinishForm,
    GrantForm,
    IncubatorForm,
    IntakeForm,
    MidReviewForm,
    MilestoneDoneForm,
    MilestoneForm,
    PayForm,
    ScoreForm,
    TrainingForm,
    region_choices_for,
)
from registry.i18n import gettext as _
from registry.models import ORG_ADMIN
from registry.pagination import paginate_query
from registry.scoping import get_visible_or_404, region_visible, visible_select
from registry.support import incubation as inc
from registry.support import operations as support
from registry.support.models import (
    GRANT_STATUSES,
    GRANT_TYPES,
    INCUBATION_STATUSES,
    Grant,
    Incubation,
    IncubationIntake,
    IncubationMilestone,
    Incubator,
    Training,
    TrainingAttendance,
)
from registry.views.access import require, roles
from registry.workflow import history

bp = Blueprint("support", __name__, url_prefix="/support")
READERS = (*inc.OFFICIALS, ORG_ADMIN)


def _int_arg(name: str) -> int | None:
    raw = (request.args.get(name) or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@bp.app_template_global("trainings_attended")
def trainings_attended_global(org_id: int) -> int:
    return support.trainings_attended(org_id)


@bp.app_template_global("recent_trainings_of")
def recent_trainings_global(org_id: int, limit: int = 5):
    return support.recent_trainings_of(org_id, limit)


@bp.app_template_global("org_support_summary")
def org_support_summary(org_id: int) -> dict:
    """For an organization's page: its incubations and grants the viewer may see."""
    if not current_user.is_authenticated or current_user.role not in READERS:
        return {"incubations": [], "grant_count": 0, "grant_fen": 0}
    return support.organization_support(current_user, org_id)


@bp.app_template_global("support_labels")
def support_labels() -> dict:
    return {"incubation": INCUBATION_STATUSES, "grant_types": GRANT_TYPES,
            "grant_statuses": GRANT_STATUSES}


@bp.route("/")
@roles(*READERS)
def index():
    return redirect(url_for("support.incubators"))


# --- incubators and intakes --------------------------------------------------------------

@bp.route("/incubators")
@roles(*READERS)
def incubators():
    stmt = visible_select(current_user, Incubator)
    q = (request.args.get("q") or "").strip()[:50]
    if q:
        stmt = stmt.where(Incubator.name.contains(q, autoescape=True))
    page = paginate_query(stmt.order_by(Incubator.id.desc()), Incubator.id, request.args)
    return render_template("support/incubators.html", page=page, q=q)


def _incubator_form(incubator: Incubator | None):
    form = IncubatorForm(obj=incubator)
    form.region_code.choices = region_choices_for(current_user)
    if incubator is not None and request.method == "GET":
        form.operator_id.data = incubator.operator.name if incubator.operator else ""

    def save(form):
        operator = (inc.find_organization(current_user, form.operator_id.data, "operator_id")
                    if (form.operator_id.data or "").strip() else None)
        return inc.save_incubator(current_user, {
            "name": form.name.data, "region_code": form.region_code.data,
            "operator_id": operator.id if operator else None,
            "address": form.address.data, "description": form.description.data}, incubator)

    return form_page(form, save, lambda row: url_for("support.incubator", incubator_id=row.id),
                     _("孵化基地已保存"), "support/incubator_form.html", incubator=incubator,
                     names=inc.organization_names(current_user))


@bp.route("/incubators/new", methods=["GET", "POST"])
@roles(*inc.OFFICIALS)
def new_incubator():
    return _incubator_form(None)


@bp.route("/incubators/<int:incubator_id>/edit", methods=["GET", "POST"])
@roles(*inc.OFFICIALS)
def edit_incubator(incubator_id: int):
    return _incubator_form(get_visible_or_404(current_user, Incubator, incubator_id))


@bp.route("/incubators/<int:incubator_id>")
@roles(*READERS)
def incubator(incubator_id: int):
    row = get_visible_or_404(current_user, Incubator, incubator_id)
    intakes = list(db.session.scalars(
        visible_select(current_user, IncubationIntake)
        .where(IncubationIntake.incubator_id == row.id)
        .order_by(IncubationIntake.year.desc(), IncubationIntake.id.desc()).limit(50)))
    return render_template("support/incubator.html", incubator=row, intakes=intakes,
                           outcomes=inc.outcomes(current_user, row.id),
                           is_open=inc.intake_is_open)


def _intake_form(incubator: Incubator, intake: IncubationIntake | None):
    fields = ("year", "title", "opens_on", "closes_on", "capacity")
    return form_page(
        IntakeForm(obj=intake),
        lambda form: inc.save_intake(current_user, incubator, {
            name: getattr(form, name).data for name in fields}, intake),
        lambda row: url_for("support.intake", intake_id=row.id), _("招募批次已保存"),
        "support/intake_form.html", incubator=incubator, intake=intake)


@bp.route("/incubators/<int:incubator_id>/intakes/new", methods=["GET", "POST"])
@roles(*inc.OFFICIALS)
def new_intake(incubator_id: int):
    return _intake_form(get_visible_or_404(current_user, Incubator, incubator_id), None)


@bp.route("/intakes/<int:intake_id>/edit", methods=["GET", "POST"])
@roles(*inc.OFFICIALS)
def edit_intake(intake_id: int):
    intake = get_visible_or_404(current_user, IncubationIntake, intake_id)
    return _intake_form(intake.incubator, intake)


@bp.route("/intakes/<int:intake_id>")
@roles(*READERS)
def intake(intake_id: int):
    row = get_visible_or_404(current_user, IncubationIntake, intake_id)
    stmt = visible_select(current_user, Incubation).where(Incubation.intake_id == row.id)
    status = request.args.get("status")
    if status in INCUBATION_STATUSES:
        stmt = stmt.where(Incubation.status == status)
    page = paginate_query(stmt.order_by(Incubation.id.desc()), Incubation.id, request.args)
    counts = inc.outcomes(current_user, row.incubator_id).get(row.id, {})
    return render_template("support/intake.html", intake=row, page=page, counts=counts,
                           status=status, is_open=inc.intake_is_open(row))


@bp.route("/intakes/<int:intake_id>/apply", methods=["GET", "POST"])
@roles(*READERS)
def apply(intake_id: int):
    row = get_visible_or_404(current_user, IncubationIntake, intake_id)

    def save(form):
        org_id = None
        if current_user.role != ORG_ADMIN:
            org_id = inc.find_organization(current_user, form.organization.data).id
        return inc.apply(current_user, row, org_id, form.plan.data)

    names = inc.organization_names(current_user) if current_user.role != ORG_ADMIN else []
    return form_page(ApplyForm(), save,
                     lambda item: url_for("support.incubation", incubation_id=item.id),
                     _("入驻申请已提交"), "support/apply.html", intake=row, names=names,
                     is_open=inc.intake_is_open(row))


# --- incubations -------------------------------------------------------------------------

@bp.route("/incubations")
@roles(*READERS)
def incubations():
    stmt = visible_select(current_user, Incubation)
    status = request.args.get("status")
    if status in INCUBATION_STATUSES:
        stmt = stmt.where(Incubation.status == status)
    incubator_id = _int_arg("incubator_id")
    if incubator_id:
        stmt = stmt.where(Incubation.incubator_id == incubator_id)
    page = paginate_query(stmt.order_by(Incubation.id.desc()), Incubation.id, request.args)
    due = inc.overdue(current_user, limit=10) if current_user.role in inc.OFFICIALS else None
    return render_template("support/incubations.html", page=page, status=status, due=due)


ACTION_FORMS = {
    "review": CommentForm, "score": ScoreForm, "admit": AdmitForm, "reject": CommentForm,
    "mid_review": MidReviewForm, "graduate": FinishForm, "exit": FinishForm,
    "milestone": MilestoneForm,
}


def _incubation_page(row: Incubation, forms: dict | None = None, status: int = 200):
    forms = dict(forms or {})
    for name, form_class in ACTION_FORMS.items():
        forms.setdefault(name, form_class(formdata=None))
    return render_template(
        "support/incubation.html", item=row, forms=forms, done_form=MilestoneDoneForm(
            formdata=None), moves=[m.name for m in inc.MACHINE.allowed(row, current_user)],
        history=history(row), machine=inc.MACHINE,
        supporter=inc.can_support(current_user, row)), status


@bp.route("/incubations/<int:incubation_id>")
@roles(*READERS)
def incubation(incubation_id: int):
    return _incubation_page(get_visible_or_404(current_user, Incubation, incubation_id))


def _run_action(row: Incubation, action: str, form) -> None:
    user = current_user
    if action == "review":
        inc.start_review(user, row, form.comment.data)
    elif action == "score":
        inc.record_score(user, row, form.score.data, form.score_comment.data)
    elif action == "admit":
        inc.admit(user, row, start_on=form.start_on.data, end_on=form.end_on.data,
                  mentor=form.mentor.data, agreement_no=form.agreement_no.data,
                  comment=form.comment.data)
    elif action == "reject":
        inc.reject(user, row, form.comment.data)
    elif action == "mid_review":
        inc.mid_review(user, row, form.mid_score.data, form.comment.data)
    elif action in ("graduate", "exit"):
        inc.finish(user, row, action, form.finished_on.data, form.comment.data)
    elif action == "milestone":
        inc.add_milestone(user, row, form.title.data, form.due_on.data)


@bp.route("/incubations/<int:incubation_id>/<action>", methods=["POST"])
@roles(*READERS)
def incubation_action(incubation_id: int, action: str):
    row = get_visible_or_404(current_user, Incubation, incubation_id)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        abort(404)
    # The incubator's operator (hub admin) scores and keeps milestones; officials decide.
    require(current_user.role in inc.OFFICIALS or (
        action in ("score", "milestone") and inc.is_operator(current_user, row)))
    form = form_class()
    if form.validate_on_submit():
        try:
            _run_action(row, action, form)
            db.session.commit()
            flash(_("已保存"), "success")
            return redirect(url_for("support.incubation", incubation_id=row.id))
        except RegistryError as error:
            db.session.rollback()
            if error.status != 422:
                flash(error.message, "danger")
                return redirect(url_for("support.incubation", incubation_id=row.id))
            show_errors(form, error)
    row = get_visible_or_404(current_user, Incubation, incubation_id)
    return _incubation_page(row, {action: form}, 422)


@bp.route("/milestones/<int:milestone_id>/done", methods=["POST"])
@roles(*READERS)
def milestone_done(milestone_id: int):
    milestone = get_visible_or_404(current_user, IncubationMilestone, milestone_id)
    require(inc.can_support(current_user, milestone.incubation))
    form = MilestoneDoneForm()
    if form.validate_on_submit():
        try:
            inc.complete_milestone(current_user, milestone, form.done_on.data)
            db.session.commit()
            flash(_("里程碑已标记完成"), "success")
        except RegistryError as error:
            db.session.rollback()
            flash(error.message, "danger")
    else:
        flash(error_text(form), "danger")
    return redirect(url_for("support.incubation", incubation_id=milestone.incubation_id))


# --- trainings ---------------------------------------------------------------------------

@bp.route("/trainings")
@roles(*READERS)
def trainings():
    stmt = visible_select(current_user, Training)
    q = (request.args.get("q") or "").strip()[:50]
    if q:
        stmt = stmt.where(Training.title.contains(q, autoescape=True))
    region = (request.args.get("region_code") or "").strip()
    if region and current_user.role != ORG_ADMIN and region_visible(current_user, region):
        stmt = stmt.where(Training.region_code == region)
    page = paginate_query(stmt.order_by(Training.id.desc()), Training.id, request.args)
    counts = support.attendance_counts([t.id for t in page.items])
    return render_template("support/trainings.html", page=page, q=q, counts=counts)


def _training_form(training: Training | None):
    form = TrainingForm(obj=training)
    form.region_code.choices = region_choices_for(current_user)
    fields = ("title", "region_code", "held_on", "minutes", "place", "organizer", "description")
    return form_page(
        form, lambda form: support.save_training(current_user, {
            name: getattr(form, name).data for name in fields}, training),
        lambda row: url_for("support.training", training_id=row.id), _("培训已保存"),
        "support/training_form.html", training=training)


@bp.route("/trainings/new", methods=["GET", "POST"])
@roles(*inc.OFFICIALS)
def new_training():
    return _training_form(None)


@bp.route("/trainings/<int:training_id>/edit", methods=["GET", "POST"])
@roles(*inc.OFFICIALS)
def edit_training(training_id: int):
    return _training_form(get_visible_or_404(current_user, Training, training_id))


def _training_page(row: Training, form=None, status: int = 200):
    stmt = visible_select(current_user, TrainingAttendance).where(
        TrainingAttendance.training_id == row.id)
    page = paginate_query(stmt.order_by(TrainingAttendance.id.desc()), TrainingAttendance.id,
                          request.args, default_per_page=50)
    total = db.session.scalar(select(func.count()).select_from(TrainingAttendance).where(
        TrainingAttendance.training_id == row.id))
    names = inc.organization_names(current_user) if current_user.role != ORG_ADMIN else []
    return render_template("support/training.html", training=row, page=page, total=total,
                           form=form or AttendanceForm(formdata=None), names=names,
                           delete_form=CommentForm(formdata=None)), status


@bp.route("/trainings/<int:training_id>")
@roles(*READERS)
def training(training_id: int):
    return _training_page(get_visible_or_404(current_user, Training, training_id))


@bp.route("/trainings/<int:training_id>/attendance", methods=["POST"])
@roles(*inc.OFFICIALS)
def add_attendance(training_id: int):
    row = get_visible_or_404(current_user, Training, training_id)
    form = AttendanceForm()
    if form.validate_on_submit():
        try:
            org = inc.find_organization(current_user, form.organization.data)
            support.add_attendance(current_user, row, org.id, form.person_name.data)
            db.session.commit()
            flash(_("已登记参训人员"), "success")
            return redirect(url_for("support.training", training_id=row.id))
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
    row = get_visible_or_404(current_user, Training, training_id)
    return _training_page(row, form, 422)


@bp.route("/attendance/<int:attendance_id>/delete", methods=["POST"])
@roles(*inc.OFFICIALS)
def delete_attendance(attendance_id: int):
    row = get_visible_or_404(current_user, TrainingAttendance, attendance_id)
    training_id = row.training_id
    if CommentForm().validate_on_submit():
        support.remove_attendance(current_user, row)
        db.session.commit()
        flash(_("已删除该参训记录"), "success")
    return redirect(url_for("support.training", training_id=training_id))


# --- grants ------------------------------------------------------------------------------

def _grant_filters() -> dict:
    region = (request.args.get("region_code") or "").strip()
    return {
        "year": _int_arg("year"),
        "grant_type": request.args.get("grant_type"),
        "status": request.args.get("status") if request.args.get("status") in GRANT_STATUSES
        else None,
        "organization_id": _int_arg("organization_id"),
        "region_code": region if region and region_visible(current_user, region) else None,
    }


@bp.route("/grants")
@roles(*READERS)
def grants():
    filters = _grant_filters()
    stmt = support.grant_filters(visible_select(current_user, Grant), filters)
    page = paginate_query(stmt.order_by(Grant.id.desc()), Grant.id, request.args)
    return render_template("support/grants.html", page=page, filters=filters,
                           years=support.grant_years(current_user),
                           regions=region_choices_for(current_user)
                           if current_user.role != ORG_ADMIN else [])


@bp.route("/grants/totals")
@roles(*inc.OFFICIALS)
def grant_totals():
    filters = _grant_filters()
    return render_template("support/grant_totals.html", filters=filters,
                           totals=support.grant_totals(current_user, filters),
                           years=support.grant_years(current_user))


@bp.route("/grants/new", methods=["GET", "POST"])
@roles(*inc.OFFICIALS)
def new_grant():

    def save(form):
        org = inc.find_organization(current_user, form.organization.data)
        return support.record_grant(current_user, {
            "organization_id": org.id, "grant_type": form.grant_type.data,
            "amount_fen": support.parse_yuan(form.amount.data), "purpose": form.purpose.data,
            "source": form.source.data, "granted_on": form.granted_on.data})

    return form_page(GrantForm(), save, lambda row: url_for("support.grant", grant_id=row.id),
                     _("资金支持已登记"), "support/grant_form.html",
                     names=support.grant_recipient_names(current_user))


def _grant_page(row: Grant, pay_form=None, cancel_form=None, status: int = 200):
    return render_template(
        "support/grant.html", grant=row, history=history(row),
        pay_form=pay_form or PayForm(formdata=None),
        cancel_form=cancel_form or CommentForm(formdata=None),
        moves=[m.name for m in support.GRANT_MACHINE.allowed(row, current_user)]), status


@bp.route("/grants/<int:grant_id>")
@roles(*READERS)
def grant(grant_id: int):
    return _grant_page(get_visible_or_404(current_user, Grant, grant_id))


@bp.route("/grants/<int:grant_id>/<action>", methods=["POST"])
@roles(*inc.OFFICIALS)
def grant_action(grant_id: int, action: str):
    row = get_visible_or_404(current_user, Grant, grant_id)
    if action not in ("pay", "cancel"):
        abort(404)
    form = PayForm() if action == "pay" else CommentForm()
    if form.validate_on_submit():
        try:
            if action == "pay":
                support.pay_grant(current_user, row, form.paid_on.data, form.payment_ref.data)
            else:
                support.cancel_grant(current_user, row, form.comment.data)
            db.session.commit()
            flash(_("已保存"), "success")
            return redirect(url_for("support.grant", grant_id=row.id))
        except RegistryError as error:
            db.session.rollback()
            if error.status != 422:
                flash(error.message, "danger")
                return redirect(url_for("support.grant", grant_id=row.id))
            show_errors(form, error)
    row = get_visible_or_404(current_user, Grant, grant_id)
    if action == "pay":
        return _grant_page(row, pay_form=form, status=422)
    return _grant_page(row, cancel_form=form, status=422)
