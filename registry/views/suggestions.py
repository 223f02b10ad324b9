"""社情民意 pages: posting, tracking by code (a POST: the code stays out of URLs), rating and
reopening, the public board of answered suggestions; the handling staff's list, suggestion
page (answer, forward) and statistics."""

from datetime import timedelta

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

from registry import notifications
from registry.errors import FieldErrors, RegistryError
from registry.extensions import db, limiter
from registry.forms import show_errors
from registry.forms.suggestions import (
    AnswerForm,
    ForwardForm,
    RateForm,
    ReopenForm,
    SuggestionForm,
    TrackForm,
)
from registry.forms.volunteers import township_choices
from registry.i18n import gettext as _
from registry.incentives import photos
from registry.models import VOLUNTEER
from registry.pagination import paginate_query
from registry.participation import operations as ops
from registry.participation import statistics
from registry.participation.models import (
    RATINGS,
    SUGGESTION_CATEGORIES,
    SUGGESTION_STATUSES,
    Suggestion,
)
from registry.scoping import get_visible_or_404
from registry.tracking_codes import show_code
from registry.validators import parse_date
from registry.views.access import roles

bp = Blueprint("suggestions", __name__, url_prefix="/suggestions")
PUBLIC_LIMIT = lambda: current_app.config["PUBLIC_WRITE_RATE_LIMIT"]  # noqa: E731
MAX_STATS_DAYS = 366 * 5


@bp.app_context_processor
def suggestion_helpers():
    """suggestions_home_work(): the to-do figures of templates/suggestions/_home_cards.html."""
    return {"suggestions_home_work": _home_work}


def _home_work() -> dict:
    if not current_user.is_authenticated or current_user.role not in ops.HANDLER_ROLES:
        return {}
    return ops.home_work(current_user, current_app.config["HOME_COUNT_CAP"])


@bp.route("/new", methods=["GET", "POST"])
@limiter.limit(PUBLIC_LIMIT, methods=["POST"])
def new():
    """Anyone posts; a signed-in volunteer may post under their account."""
    form = SuggestionForm()
    form.township_code.choices = township_choices()
    signed_in = current_user.is_authenticated and current_user.role == VOLUNTEER
    if form.validate_on_submit():
        upload = form.photo.data
        photo = (upload.stream, upload.filename) if photos.has_file(upload) else None
        poster = current_user if signed_in and not form.anonymous.data else None
        try:
            suggestion = ops.submit(form.data, photo, poster)
            db.session.commit()
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            return render_template("suggestions/submitted.html",
                                   code=show_code(suggestion.tracking_code),
                                   due_on=suggestion.due_on, named=poster is not None)
    return render_template("suggestions/new.html", form=form, signed_in=signed_in), \
        422 if form.errors else 200


def _track_page(suggestion: Suggestion | None, form=None, rate_form=None, reopen_form=None,
                status: int = 200):
    context = {"form": form or TrackForm(), "status": None}
    if suggestion is not None:
        context["status"] = ops.public_status(suggestion)
        context["messages"] = notifications.for_code(suggestion.tracking_code)
        rate_form = rate_form or RateForm(formdata=None)
        reopen_form = reopen_form or ReopenForm(formdata=None)
        rate_form.tracking_code.data = reopen_form.tracking_code.data = \
            suggestion.tracking_code
        context.update(rate_form=rate_form, reopen_form=reopen_form)
    elif rate_form is not None or reopen_form is not None:
        flash(_("查询码不正确，请核对后重试"), "danger")
    return render_template("suggestions/track.html", **context), status


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(PUBLIC_LIMIT, methods=["POST"])
def track():
    """Status by tracking code: the message, state, due date, answer and messages."""
    form = TrackForm()
    if form.validate_on_submit():
        suggestion = ops.by_code(form.tracking_code.data)
        if suggestion is not None:
            return _track_page(suggestion, form)
        form.tracking_code.errors = [_("查询码不正确，请核对后重试")]
    return _track_page(None, form, status=422 if form.errors else 200)


@bp.route("/rate", methods=["POST"])
@limiter.limit(PUBLIC_LIMIT)
def rate():
    """The poster rates the answer (the code comes in the form, never in the URL)."""
    form = RateForm()
    if not form.validate_on_submit():
        return _track_page(ops.by_code(form.tracking_code.data), rate_form=form, status=422)
    try:
        suggestion = ops.rate(form.tracking_code.data, form.rating.data, form.reason.data)
        db.session.commit()
    except RegistryError as error:
        db.session.rollback()
        show_errors(form, error)
        return _track_page(ops.by_code(form.tracking_code.data), rate_form=form, status=422)
    flash(_("感谢您的评价"), "success")
    return _track_page(suggestion)


@bp.route("/reopen", methods=["POST"])
@limiter.limit(PUBLIC_LIMIT)
def reopen():
    """An unsatisfied poster asks, once, for the suggestion to be handled again."""
    form = ReopenForm()
    if not form.validate_on_submit():
        return _track_page(ops.by_code(form.tracking_code.data), reopen_form=form, status=422)
    try:
        suggestion = ops.reopen(form.tracking_code.data, form.reason.data)
        db.session.commit()
    except RegistryError as error:
        db.session.rollback()
        form.reason.errors = list(form.reason.errors) + [error.message]
        return _track_page(ops.by_code(form.tracking_code.data), reopen_form=form, status=422)
    flash(_("已重新交办，新的答复期限为 %(due)s", due=suggestion.due_on), "success")
    return _track_page(suggestion)


def _filters(keys) -> dict:
    return {key: (request.args.get(key) or "")[:30] for key in keys}


@bp.route("/public")
def public():
    """Answered suggestions with their answers: never who posted, nor their contact."""
    args = _filters(("category", "township_code"))
    page = paginate_query(ops.public_stmt(args), Suggestion.id, request.args)
    return render_template("suggestions/public.html", page=page, args=args,
                           items=[ops.public_dict(s) for s in page.items],
                           categories=SUGGESTION_CATEGORIES,
                           townships=township_choices(blank=_("全部")), ratings=RATINGS)


@bp.route("/manage")
@roles(*ops.HANDLER_ROLES)
def manage():
    """The suggestions of the jurisdiction, newest first; overdue ones stand out."""
    args = _filters(("status", "category", "township_code", "overdue"))
    page = paginate_query(ops.list_stmt(current_user, args), Suggestion.id, request.args)
    return render_template("suggestions/manage.html", page=page, args=args,
                           statuses=SUGGESTION_STATUSES, categories=SUGGESTION_CATEGORIES,
                           townships=township_choices(current_user.region_code,
                                                      blank=_("全部")),
                           is_overdue=ops.is_overdue, poster_of=ops.poster_of)


def _suggestion(suggestion_id: int) -> Suggestion:
    return get_visible_or_404(current_user, Suggestion, suggestion_id)


def _forward_form(suggestion: Suggestion) -> ForwardForm:
    form = ForwardForm()
    form.region_code.choices = [("", _("请选择"))] + [
        (r.code, r.name) for r in ops.forward_targets(current_user)
        if r.code != suggestion.handler_code]
    return form


@bp.route("/<int:suggestion_id>")
@roles(*ops.HANDLER_ROLES)
def detail(suggestion_id: int):
    """One suggestion with the poster's contact (the handling staff only; viewing audited)."""
    suggestion = _suggestion(suggestion_id)
    contact = ops.contact_of(current_user, suggestion)
    db.session.commit()  # the audit row of the contact view
    return render_template("suggestions/detail.html", s=suggestion, contact=contact,
                           poster=ops.poster_of(suggestion),
                           overdue=ops.is_overdue(suggestion), answer_form=AnswerForm(),
                           forward_form=_forward_form(suggestion))


def _act(suggestion_id: int, action, message: str):
    suggestion = _suggestion(suggestion_id)
    try:
        action(suggestion)
        db.session.commit()
    except RegistryError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("suggestions.detail", suggestion_id=suggestion_id))
    flash(message, "success")
    if ops.handles(current_user, suggestion):
        return redirect(url_for("suggestions.detail", suggestion_id=suggestion_id))
    return redirect(url_for("suggestions.manage"))  # forwarded out of the jurisdiction


@bp.route("/<int:suggestion_id>/answer", methods=["POST"])
@roles(*ops.HANDLER_ROLES)
def answer(suggestion_id: int):
    form = AnswerForm()
    if not form.validate_on_submit():
        flash(" ".join(str(m) for ms in form.errors.values() for m in ms), "danger")
        return redirect(url_for("suggestions.detail", suggestion_id=suggestion_id))
    return _act(suggestion_id, lambda s: ops.answer(current_user, s, form.answer.data),
                _("已答复"))


@bp.route("/<int:suggestion_id>/forward", methods=["POST"])
@roles(*ops.HANDLER_ROLES)
def forward(suggestion_id: int):
    form = ForwardForm()
    form.region_code.choices = []
    if not form.validate_on_submit():
        flash(_("请选择转交到的地区"), "danger")
        return redirect(url_for("suggestions.detail", suggestion_id=suggestion_id))
    return _act(suggestion_id, lambda s: ops.forward(current_user, s, form.region_code.data),
                _("已转交，答复期限不变"))


@bp.route("/<int:suggestion_id>/photo")
@roles(*ops.HANDLER_ROLES)
def photo(suggestion_id: int):
    try:
        path, content_type = ops.photo_of(current_user, _suggestion(suggestion_id))
    except RegistryError:
        abort(404)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=content_type, max_age=0)


def stats_range(args) -> tuple:
    """(start, end, errors) of the stats page's from/to filter: this year by default; a
    backwards or over-long range is a message at its field."""
    errors = FieldErrors()
    default_start, default_end = statistics.default_range()
    start = errors.check(parse_date, args.get("start"), "start", _("开始日期"))
    end = errors.check(parse_date, args.get("end"), "end", _("结束日期"))
    start, end = start or default_start, end or default_end
    if not errors.fields:
        if end < start:
            errors.add("end", _("结束日期不能早于开始日期"))
        elif end - start > timedelta(days=MAX_STATS_DAYS):
            errors.add("end", _("统计范围不能超过 5 年"))
    return start, end, errors.fields


@bp.route("/stats")
@roles(*ops.HANDLER_ROLES)
def stats():
    """Posted, answered, answer rate, time to answer and satisfaction by category and
    township, over the caller's jurisdiction and a date range."""
    start, end, errors = stats_range(request.args)
    figures = None if errors else statistics.summaries(current_user.region_code, start, end)
    return render_template("suggestions/stats.html", start=start, end=end, errors=errors,
                           figures=figures, raw=_filters(("start", "end"))), \
        422 if errors else 200
