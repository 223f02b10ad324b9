"""举报奖励 pages: the public report form, status by tracking code (a POST: the code stays out
of URLs and logs), the reward claim, and the handling staff's list and report page."""

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

from registry.errors import RegistryError
from registry.extensions import db, limiter
from registry.forms import show_errors
from registry.forms.reports import (
    CommentForm,
    DuplicateForm,
    ReportForm,
    TrackForm,
    VerifyForm,
)
from registry.forms.volunteers import township_choices
from registry.i18n import gettext as _
from registry.incentives import photos
from registry.incentives import reports as ops
from registry.incentives.models import REPORT_CATEGORIES, REPORT_STATUSES, Report
from registry.models import VOLUNTEER
from registry.pagination import paginate_query
from registry.scoping import get_visible_or_404
from registry.views.access import roles
from registry.workflow import history

bp = Blueprint("reports", __name__, url_prefix="/reports")
PUBLIC_LIMIT = lambda: current_app.config["PUBLIC_WRITE_RATE_LIMIT"]  # noqa: E731


@bp.route("/new", methods=["GET", "POST"])
@limiter.limit(PUBLIC_LIMIT, methods=["POST"])
def new():
    """Anyone reports; a signed-in volunteer may report under their account (not anonymous)."""
    form = ReportForm()
    form.township_code.choices = township_choices()
    signed_in = current_user.is_authenticated and current_user.role == VOLUNTEER
    if form.validate_on_submit():
        upload = form.photo.data
        photo = (upload.stream, upload.filename) if photos.has_file(upload) else None
        reporter = current_user if signed_in and not form.anonymous.data else None
        try:
            report = ops.submit(form.data, photo, reporter)
            db.session.commit()
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            return render_template("reports/submitted.html", code=ops.show_code(
                report.tracking_code), named=reporter is not None)
    return render_template("reports/new.html", form=form, signed_in=signed_in), \
        422 if form.errors else 200


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(PUBLIC_LIMIT, methods=["POST"])
def track():
    """Status by tracking code: the state and the outcome, no personal data."""
    form = TrackForm()
    status = None
    if form.validate_on_submit():
        report = ops.by_code(form.tracking_code.data)
        if report is None:
            form.tracking_code.errors = [_("查询码不正确，请核对后重试")]
        else:
            status = ops.public_status(report)
            status["code"] = ops.show_code(report.tracking_code)
    return render_template("reports/track.html", form=form, status=status), \
        422 if form.errors else 200


@bp.route("/claim", methods=["GET", "POST"])
@roles(VOLUNTEER)
@limiter.limit(PUBLIC_LIMIT, methods=["POST"])
def claim():
    """An anonymous reporter, signed in, claims an upheld report's reward with its code."""
    form = TrackForm()
    if form.validate_on_submit():
        try:
            report = ops.claim(current_user, form.tracking_code.data)
            db.session.commit()
        except RegistryError as error:
            db.session.rollback()
            form.tracking_code.errors = [error.message]
        else:
            flash(_("认领成功：%(status)s", status=report.reward_status_label), "success")
            return redirect(url_for("reports.claim"))
    return render_template("reports/claim.html", form=form), 422 if form.errors else 200


@bp.route("/")
@roles(*ops.HANDLER_ROLES)
def index():
    """The reports of the jurisdiction, newest first; the reporter never shown here."""
    args = {key: (request.args.get(key) or "")[:30] for key in ("status", "category")}
    page = paginate_query(ops.list_stmt(current_user, args), Report.id, request.args)
    return render_template("reports/index.html", page=page, args=args,
                           statuses=REPORT_STATUSES, categories=REPORT_CATEGORIES)


def _report(report_id: int) -> Report:
    report = get_visible_or_404(current_user, Report, report_id)
    return report


@bp.route("/<int:report_id>")
@roles(*ops.HANDLER_ROLES)
def detail(report_id: int):
    """One report with the reporter's contact (the handling staff only; viewing is audited)."""
    report = _report(report_id)
    contact = ops.contact_of(current_user, report)
    reporter = ops.reporter_of(current_user, report)
    db.session.commit()  # the audit row of the contact view
    verify_form = VerifyForm()
    tiers = current_app.config["REPORT_REWARD_TIERS_FEN"]
    verify_form.reward_tier.choices = [(str(v), _(
        "%(k)s：%(value1)s 元", k=k, value1=v // 100)) for k, v in tiers.items()]
    return render_template("reports/detail.html", report=report, contact=contact,
                           reporter=reporter, verify_form=verify_form,
                           duplicate_form=DuplicateForm(), comment_form=CommentForm(),
                           history=history(report), code=ops.show_code(report.tracking_code))


def _act(report_id: int, action) -> object:
    report = _report(report_id)
    try:
        action(report)
        db.session.commit()
    except RegistryError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(_("已处理：%(status)s", status=report.status_label), "success")
    return redirect(url_for("reports.detail", report_id=report_id))


@bp.route("/<int:report_id>/investigate", methods=["POST"])
@roles(*ops.HANDLER_ROLES)
def investigate(report_id: int):
    form = CommentForm()
    if not form.validate_on_submit():
        abort(400)
    return _act(report_id, lambda r: ops.investigate(current_user, r, form.comment.data))


@bp.route("/<int:report_id>/verify", methods=["POST"])
@roles(*ops.HANDLER_ROLES)
def verify(report_id: int):
    form = VerifyForm()
    form.reward_tier.choices = []
    if not form.validate_on_submit():
        flash(" ".join(str(m) for ms in form.errors.values() for m in ms), "danger")
        return redirect(url_for("reports.detail", report_id=report_id))
    kind = form.reward_kind.data
    points = (form.reward_points.data or 0) if kind == "points" else 0
    fen = 0
    if kind == "cash":
        tier = form.reward_tier.data or ""
        fen = int(tier) if tier.isdigit() and len(tier) < 10 else -1
    return _act(report_id, lambda r: ops.verify(current_user, r, form.outcome.data,
                                                reward_points=points, reward_fen=fen,
                                                comment=form.comment.data))


@bp.route("/<int:report_id>/duplicate", methods=["POST"])
@roles(*ops.HANDLER_ROLES)
def duplicate(report_id: int):
    form = DuplicateForm()
    if not form.validate_on_submit():
        flash(_("请填写最先举报的查询码"), "danger")
        return redirect(url_for("reports.detail", report_id=report_id))
    return _act(report_id, lambda r: ops.mark_duplicate(current_user, r, form.duplicate_of.data,
                                                        form.comment.data))


@bp.route("/<int:report_id>/paid", methods=["POST"])
@roles(*ops.HANDLER_ROLES)
def paid(report_id: int):
    form = CommentForm()
    if not form.validate_on_submit():
        abort(400)
    return _act(report_id, lambda r: ops.mark_paid(current_user, r, form.comment.data))


@bp.route("/<int:report_id>/photo")
@roles(*ops.HANDLER_ROLES)
def photo(report_id: int):
    try:
        path, content_type = ops.photo_of(current_user, _report(report_id))
    except RegistryError:
        abort(404)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=content_type, max_age=0)

