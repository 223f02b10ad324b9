"""以奖代补 pages: the public 公示 list with objections (phone width), the city's rounds and
editor, the applicants' form, and one application page where each role does its step (county:
score; city: approve, return, reject, publicize, record payment; applicant: add evidence)."""

import tempfile

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from registry import exports, jobs
from registry.errors import NotFound, RegistryError, ValidationFailed
from registry.extensions import db, limiter
from registry.forms import form_page, show_errors
from registry.forms.awards import (
    ApplicationForm,
    CommentForm,
    EvidenceForm,
    ObjectionForm,
    PaymentForm,
    PenaltyForm,
    RoundForm,
    criteria_rows,
    round_text,
    tier_rows,
)
from registry.i18n import gettext as _
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL
from registry.organizations.models import Organization
from registry.pagination import paginate_query
from registry.privacy import mask_in_text
from registry.purchasing import award_applications as apps
from registry.purchasing import award_evidence, award_export, awards, eligibility
from registry.purchasing.models import AWARD_STATUSES, AwardApplication, AwardEvidence, AwardRound
from registry.scoping import get_visible_or_404
from registry.validators import parse_yuan
from registry.views.access import roles
from registry.workflow import history

bp = Blueprint("awards", __name__, url_prefix="/awards")


@bp.context_processor
def helpers():
    # Public 公示 text: phone- and ID-shaped parts an applicant typed in are masked.
    return {"mask_text": mask_in_text, "yuan": lambda fen: f"{(fen or 0) / 100:,.2f}"}


def _round_or_404(round_id: int) -> AwardRound:
    try:
        return awards.get_round(current_user, round_id)
    except NotFound:
        abort(404)


def _application_or_404(application_id: int) -> AwardApplication:
    try:
        return apps.get_application(current_user, application_id)
    except NotFound:
        abort(404)


def _files(field) -> list:
    return [(f.stream, f.filename) for f in field.data or [] if getattr(f, "filename", "")]


# --- the public 公示 ------------------------------------------------------------------------------

@bp.route("/")
def index():
    """Awards on 公示 now: organization, amount, score; anyone may object with a reason."""
    page = paginate_query(apps.public_stmt({}), AwardApplication.id, request.args)
    return render_template("awards/index.html", page=page, form=ObjectionForm(),
                           days=current_app.config["AWARD_PUBLICITY_DAYS"])


@bp.route("/<int:application_id>/objections", methods=["POST"])
@limiter.limit(lambda: current_app.config["PUBLIC_WRITE_RATE_LIMIT"])
def object_to(application_id: int):
    form = ObjectionForm()
    if not form.validate_on_submit():
        flash(" ".join(str(m) for ms in form.errors.values() for m in ms), "danger")
        return redirect(url_for("awards.index"))
    try:
        apps.object_to(application_id, form.reason.data)
        db.session.commit()
    except RegistryError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(_("异议已提交，该奖励退回市民政局复核"), "success")
    return redirect(url_for("awards.index"))


# --- administrative penalties (an award is refused for AWARD_PENALTY_YEARS after one) ----------

@bp.route("/penalties/<int:org_id>/new", methods=["GET", "POST"])
@roles(CITY_OFFICIAL, COUNTY_OFFICIAL)
def record_penalty(org_id: int):
    """An official records an administrative penalty (行政处罚) of an organization in their
    jurisdiction; it shows in the organization's credit profile."""
    org = get_visible_or_404(current_user, Organization, org_id)
    form = PenaltyForm()
    if form.validate_on_submit():
        try:
            awards.record_penalty(current_user, org.id, {
                "decided_on": form.decided_on.data, "decision_no": form.decision_no.data,
                "reason": form.reason.data})
            db.session.commit()
            flash(_("已登记行政处罚"), "success")
            return redirect(url_for("organizations.detail", org_id=org.id) + "#credit")
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
    return (render_template("awards/penalty_form.html", form=form, org=org),
            422 if form.errors else 200)


# --- rounds --------------------------------------------------------------------------------------

@bp.route("/rounds")
@roles(*apps.READERS)
def rounds():
    page = paginate_query(awards.rounds_stmt(current_user), AwardRound.id, request.args)
    return render_template("awards/rounds.html", page=page, window_open=awards.window_open)


def _round_data(form: RoundForm) -> dict:
    data = {key: getattr(form, key).data for key in
            ("title", "year", "description", "opens_on", "closes_on")}
    return {**data, "criteria": criteria_rows(form.criteria.data),
            "tiers": tier_rows(form.tiers.data)}


@bp.route("/rounds/new", methods=["GET", "POST"])
@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@roles(*awards.EDITORS)
def edit_round(round_id: int | None = None):
    """The city's editor: criteria and tiers typed one per line; a published round is fixed."""
    row = _round_or_404(round_id) if round_id else None
    form = RoundForm()
    if row is not None and request.method == "GET":
        data = awards.round_data(row)
        form.process(data={**data, **round_text(data)})
    return form_page(form, lambda f: awards.save_round(current_user, _round_data(f), row),
                     lambda r: url_for("awards.round_page", round_id=r.id), _("批次已保存"),
                     "awards/round_form.html", row=row)


@bp.route("/rounds/<int:round_id>")
@roles(*apps.READERS)
def round_page(round_id: int):
    row = _round_or_404(round_id)
    return render_template("awards/round.html", row=row, window_open=awards.window_open(row),
                           form=CommentForm())


@bp.route("/rounds/<int:round_id>/publish", methods=["POST"])
@roles(*awards.EDITORS)
def publish_round(round_id: int):
    row = _round_or_404(round_id)
    if not CommentForm().validate_on_submit():
        abort(400)
    try:
        awards.publish_round(current_user, row)
        db.session.commit()
        flash(_("批次已发布"), "success")
    except RegistryError as error:
        db.session.rollback()
        flash(error.message, "danger")
    return redirect(url_for("awards.round_page", round_id=round_id))


@bp.route("/rounds/<int:round_id>/apply", methods=["GET", "POST"])
@roles(*apps.APPLICANTS)
def apply(round_id: int):
    """An organization's representative or a station admin applies, with evidence."""
    row = _round_or_404(round_id)
    form = ApplicationForm()
    answer = None
    try:
        org, _station = apps.applicant_of(current_user)
        if org is not None:
            answer = eligibility.award_eligibility(org)
    except RegistryError as error:
        flash(error.message, "danger")

    def save(f):
        files = _files(f.evidence)
        if not files:
            raise ValidationFailed(_("请至少上传一个证明材料"), "evidence")
        return apps.apply(current_user, row.id, f.data, files)

    return form_page(form, save, lambda a: url_for("awards.application", application_id=a.id),
                     _("申请已提交，待县（市、区）民政部门评分"), "awards/apply.html", row=row,
                     eligibility=answer, window_open=awards.window_open(row))


# --- applications -------------------------------------------------------------------------------

def _list_args() -> dict:
    """The list's filters, leniently (a bad one is ignored here; the export names it)."""
    status = (request.args.get("status") or "")[:20]
    round_id = (request.args.get("round_id") or "")[:9]
    return {"status": status if status in AWARD_STATUSES else "",
            "round_id": int(round_id) if round_id.isdigit() else None}


@bp.route("/applications")
@roles(*apps.READERS)
def applications():
    args = _list_args()
    stmt = apps.list_stmt(current_user, args)
    page = paginate_query(stmt, AwardApplication.id, request.args)
    rounds = db.session.scalars(awards.rounds_stmt(current_user).limit(50))
    return render_template("awards/applications.html", page=page, args=args,
                           statuses=AWARD_STATUSES, rounds=list(rounds),
                           export_args={k: v for k, v in args.items() if v})


@bp.route("/applications/export.xlsx")
@roles(*apps.READERS)
def export_applications():
    """The scoped, filtered list as .xlsx: at once when small, as a background job when large."""
    try:
        filters = award_export.check_filters(request.args, current_user)
    except RegistryError as error:
        flash(error.message, "danger")
        return redirect(url_for("awards.applications"))
    rows = award_export.count(current_user, filters)
    if jobs.over_threshold(rows):
        job = jobs.start(current_user, "award_export", _("导出以奖代补申请"), filters, rows)
        return redirect(url_for("jobs.show", job_id=job.id))
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    award_export.export_xlsx(current_user, filters, spool)
    db.session.commit()
    spool.seek(0)
    return send_file(spool, mimetype=exports.XLSX, as_attachment=True,
                     download_name=award_export.export_name())


def _application_page(row: AwardApplication, score_errors=None, forms=None, status=200):
    forms = forms or {}
    scores = {s.criterion_id: s.score for s in row.scores}
    return render_template(
        "awards/application.html", row=row, scores=scores, history=history(row),
        objections=apps.objections_of(row), evidence=award_evidence.files_of(row),
        moves=apps.moves_for(current_user, row), is_applicant=apps.is_applicant(current_user, row),
        score_errors=score_errors or {}, score_values=forms.get("score_values", scores),
        comment_form=forms.get("comment", CommentForm()),
        payment_form=forms.get("payment", PaymentForm(amount=f"{(row.amount_fen or 0) / 100:.2f}")),
        evidence_form=forms.get("evidence", EvidenceForm()),
        eligibility=(eligibility.award_eligibility(row.organization) if row.organization
                     and current_user.role != "org_admin" else None)), status


@bp.route("/applications/<int:application_id>")
@roles(*apps.READERS)
def application(application_id: int):
    return _application_page(_application_or_404(application_id))


def _done(application_id: int, message: str):
    flash(message, "success")
    return redirect(url_for("awards.application", application_id=application_id))


@bp.route("/applications/<int:application_id>/score", methods=["POST"])
@roles(*apps.SCORERS)
def score(application_id: int):
    row = _application_or_404(application_id)
    form = CommentForm()
    if not form.validate_on_submit():
        abort(400)
    raw = {c.id: request.form.get(f"score_{c.id}", "").strip() or None
           for c in row.round.criteria}
    try:
        apps.score(current_user, row, raw, form.comment.data)
        db.session.commit()
    except RegistryError as error:
        db.session.rollback()
        row = _application_or_404(application_id)
        if not any(k.startswith("score_") for k in error.fields):
            flash(error.message, "danger")
        return _application_page(row, error.fields, {"score_values": raw, "comment": form},
                                 status=422)
    return _done(application_id, _("已评分：总分 %(total)s", total=row.total_text))


@bp.route("/applications/<int:application_id>/<any(approve, return, reject, publicize):action>",
          methods=["POST"])
@roles(*apps.SCORERS)
def decide(application_id: int, action: str):
    row = _application_or_404(application_id)
    form = CommentForm()
    if not form.validate_on_submit():
        abort(400)
    move = {"approve": apps.approve, "return": apps.return_for_rescoring,
            "reject": apps.reject, "publicize": apps.publicize}[action]
    try:
        move(current_user, row, form.comment.data)
        db.session.commit()
    except RegistryError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("awards.application", application_id=application_id))
    return _done(application_id, _("已办理：%(status)s", status=row.status_label))


@bp.route("/applications/<int:application_id>/payment", methods=["POST"])
@roles(CITY_OFFICIAL)
def payment(application_id: int):
    row = _application_or_404(application_id)
    form = PaymentForm()
    if form.validate_on_submit():
        try:
            amount = parse_yuan(form.amount.data, "amount", _("拨付金额"), allow_zero=False)
            apps.pay(current_user, row, {"amount_fen": amount, "paid_on": form.paid_on.data,
                                         "voucher_no": form.voucher_no.data})
            db.session.commit()
            return _done(application_id, _("已登记拨付"))
        except RegistryError as error:
            db.session.rollback()
            row = _application_or_404(application_id)
            if "amount_fen" in error.fields:
                error.fields["amount"] = error.fields.pop("amount_fen")
            show_errors(form, error)
    return _application_page(row, forms={"payment": form}, status=422)


@bp.route("/applications/<int:application_id>/evidence", methods=["POST"])
@roles(*apps.APPLICANTS)
def add_evidence(application_id: int):
    row = _application_or_404(application_id)
    form = EvidenceForm()
    if form.validate_on_submit():
        try:
            files = _files(form.evidence)
            if not files:
                raise ValidationFailed(_("请选择要上传的文件"), "evidence")
            for stream, name in files:
                apps.add_evidence(current_user, row, stream, name)
            db.session.commit()
            return _done(application_id, _("证明材料已上传"))
        except RegistryError as error:
            db.session.rollback()
            row = _application_or_404(application_id)
            show_errors(form, error)
    return _application_page(row, forms={"evidence": form}, status=422)


@bp.route("/evidence/<int:evidence_id>")
@roles(*apps.READERS)
def evidence(evidence_id: int):
    """An evidence file, to those who may see its application."""
    row = db.session.get(AwardEvidence, evidence_id)
    if row is None:
        abort(404)
    _application_or_404(row.application_id)
    path = award_evidence.path_of(row)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=row.content_type, max_age=0, as_attachment=True,
                     download_name=row.original_name)
