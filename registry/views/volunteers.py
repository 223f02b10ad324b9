"""Volunteer pages: public registration, staff lists, detail and workflow, import and export,
the volunteer's own profile."""

import io
import tempfile
from datetime import date

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
from flask_login import current_user, login_required

from registry import accounts, exports, jobs, privacy
from registry.errors import RegistryError
from registry.extensions import db, limiter
from registry.forms import error_text, show_errors
from registry.forms.volunteers import (
    ActionForm,
    ImportForm,
    MoveForm,
    RegistrationForm,
    StaffRegistrationForm,
    township_choices,
)
from registry.i18n import gettext as _
from registry.models import STATION_ADMIN, VOLUNTEER, Region
from registry.scoping import get_visible_or_404
from registry.views.access import require, roles
from registry.volunteers import operations as volunteers
from registry.volunteers import profile, spreadsheets, stations, work
from registry.volunteers.models import STAR_LABELS, VOLUNTEER_STATUSES, Volunteer
from registry.workflow import history

bp = Blueprint("volunteers", __name__, url_prefix="/volunteers")
STAFF = volunteers.STAFF
EXPORT_ARGS = ("status", "township_code", "region_code", "q")  # what search_stmt reads
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _person_data(form) -> dict:
    return {name: getattr(form, name).data for name in (
        "name", "id_number", "phone", "township_code", "skills", "guardian_name",
        "guardian_phone", "guardian_consent")}


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PUBLIC_WRITE_RATE_LIMIT"], methods=["POST"])
def register():
    """The public self-registration page."""
    if current_user.is_authenticated and current_user.role == VOLUNTEER:
        return redirect(url_for("volunteers.me"))
    form = RegistrationForm()
    form.township_code.choices = township_choices()
    if form.validate_on_submit():
        try:
            volunteer = volunteers.register_self({**_person_data(form),
                                                  "password": form.password.data})
            db.session.commit()
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            return redirect(url_for("volunteers.registered", no=volunteer.volunteer_no))
    return render_template("volunteers/register.html", form=form,
                           adult_year=date.today().year - 18)


@bp.route("/register/done")
def registered():
    return render_template("volunteers/registered.html", no=request.args.get("no", "")[:20])


def _list_filters() -> dict | None:
    """The list's filters from the URL; a search sent by the form (it may be a phone or ID
    number) is only a token there, taken back from the session. None for an unknown token
    (an old link, or another browser's)."""
    filters = request.args.to_dict()
    token = filters.pop("search", None)
    if token:
        text = privacy.recall_search(token)
        if text is None:
            return None
        filters["q"] = text
    return filters


def _expired_search():
    flash(_("查询条件已过期，请重新输入后查询"), "warning")
    return redirect(url_for("volunteers.index"))


@bp.route("/", methods=["GET", "POST"])
@roles(*STAFF)
def index():
    """The scoped list. The search form posts here (a phone or ID number never goes into the
    URL) and is answered with a redirect to the list whose URL holds a search token."""
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        params = {name: request.form.get(name, "").strip()[:20]
                  for name in ("status", "township_code") if request.form.get(name)}
        text = request.form.get("q", "").strip()
        if text:
            params["search"] = privacy.remember_search(text[:100])  # over 30: refused below
        return redirect(url_for("volunteers.index", **params))
    filters = _list_filters()
    if filters is None:
        return _expired_search()
    try:
        page = volunteers.list_volunteers(current_user, filters)
    except RegistryError as error:
        flash(error.message, "danger")
        return redirect(url_for("volunteers.index"))
    names = dict(db.session.execute(db.select(Region.code, Region.name)).all())
    return render_template(
        "volunteers/index.html", page=page, statuses=VOLUNTEER_STATUSES, names=names,
        townships=township_choices(current_user.region_code, blank=_("全部乡镇（街道）")),
        args=filters, action_form=ActionForm())


@bp.route("/export.xlsx")
@roles(*STAFF)
def export():
    """The masked list as .xlsx: at once when small, as a background job when large."""
    filters = _list_filters()
    if filters is None:
        return _expired_search()
    stmt = spreadsheets.export_stmt(current_user, filters)
    rows = exports.count_upto(stmt, exports.max_rows())
    if jobs.over_threshold(rows):
        job = jobs.start(current_user, "volunteer_export", _("导出志愿者名单"),
                         {k: v for k, v in filters.items() if k in EXPORT_ARGS}, rows)
        return redirect(url_for("jobs.show", job_id=job.id))
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    spreadsheets.export_xlsx(current_user, filters, spool)
    db.session.commit()
    spool.seek(0)
    return send_file(spool, mimetype=XLSX, as_attachment=True,
                     download_name=_("志愿者名单-%(value1)s.xlsx",
                                     value1=format(date.today(), '%Y%m%d')))


@bp.route("/new", methods=["GET", "POST"])
@roles(*STAFF)
def new():
    """Station staff register a volunteer on their behalf (active at once)."""
    form = StaffRegistrationForm()
    form.township_code.choices = township_choices(current_user.region_code)
    if request.method == "GET" and current_user.role == STATION_ADMIN:
        form.township_code.data = current_user.region_code
    if form.validate_on_submit():
        try:
            volunteer, password = volunteers.register_by_staff(
                current_user, _person_data(form), create_login=form.create_login.data)
            db.session.commit()
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            flash(_("已登记志愿者 %(name)s（%(no)s），状态为已注册", name=volunteer.name,
                    no=volunteer.volunteer_no), "success")
            if password:
                flash(_("登录账号：手机号 %(phone)s，临时密码：%(pw)s"
                        "（只显示这一次，请当面交给本人，首次登录须修改）",
                        phone=volunteer.phone, pw=password), "warning")
            return redirect(url_for("volunteers.detail", volunteer_id=volunteer.id))
    return render_template("volunteers/new.html", form=form)


@bp.route("/import", methods=["GET", "POST"])
@roles(*STAFF)
def import_file():
    form = ImportForm()
    problems = None
    if form.validate_on_submit():
        stream = form.file.data.stream
        rows = spreadsheets.row_estimate(stream)
        if jobs.over_threshold(rows):
            path = jobs.file_path(".xlsx")
            form.file.data.save(path)
            job = jobs.start(current_user, "volunteer_import", _("导入志愿者"), {"path": path},
                             rows)
            return redirect(url_for("jobs.show", job_id=job.id))
        try:
            count = spreadsheets.import_xlsx(current_user, stream)
            db.session.commit()
        except spreadsheets.ImportFailed as error:
            db.session.rollback()
            problems = error.problems
            form.file.errors = [error.message]
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            flash(_("已导入 %(n)s 名志愿者", n=count), "success")
            return redirect(url_for("volunteers.index"))
    return render_template("volunteers/import.html", form=form, problems=problems,
                           max_rows=spreadsheets.import_max_rows())


@bp.route("/import/template.xlsx")
@roles(*STAFF)
def import_template():
    return send_file(io.BytesIO(spreadsheets.import_template()), mimetype=XLSX,
                     as_attachment=True, download_name=_("志愿者导入模板.xlsx"))


def _detail(volunteer: Volunteer, full_id: str | None = None):
    return render_template(
        "volunteers/detail.html", volunteer=volunteer, full_id=full_id,
        moves=volunteers.MACHINE.allowed(volunteer, current_user), history=history(volunteer),
        may_reset=volunteer.user is not None
        and accounts.may_reset_password(current_user, volunteer.user),
        statuses=VOLUNTEER_STATUSES, move_form=MoveForm(),
        star_label=STAR_LABELS[volunteers.star_level(volunteer.total_minutes)],
        action_form=ActionForm(),
        age=volunteers.age_on(volunteer.birth_date, date.today()))


@bp.route("/<int:volunteer_id>")
@login_required
def detail(volunteer_id: int):
    if current_user.role == VOLUNTEER:
        get_visible_or_404(current_user, Volunteer, volunteer_id)
        return redirect(url_for("volunteers.me"))
    require(current_user.role in STAFF)
    return _detail(get_visible_or_404(current_user, Volunteer, volunteer_id))


@bp.route("/<int:volunteer_id>/show-id", methods=["POST"])
@roles(*STAFF)
def show_id(volunteer_id: int):
    """The full ID number, on an explicit request that is audited."""
    volunteer = get_visible_or_404(current_user, Volunteer, volunteer_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    full = volunteers.full_id_number(current_user, volunteer)
    db.session.commit()
    return _detail(volunteer, full_id=full)


@bp.route("/<int:volunteer_id>/move/<move>", methods=["POST"])
@roles(*STAFF)
def move(volunteer_id: int, move: str):
    volunteer = get_visible_or_404(current_user, Volunteer, volunteer_id)
    form = MoveForm()
    if not form.validate_on_submit():
        flash(error_text(form), "danger")
        return redirect(url_for("volunteers.detail", volunteer_id=volunteer.id))
    try:
        volunteers.transition(volunteer, move, current_user, form.comment.data or "")
        db.session.commit()
    except RegistryError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(_("已%(label)s", label=volunteers.MACHINE.by_name[move].label), "success")
    return redirect(url_for("volunteers.detail", volunteer_id=volunteer.id))


def _hand_over_password(volunteer_id: int, make_password, message):
    """Run make_password(user, volunteer) for a visible volunteer and show the temporary
    password once, worded by message(volunteer, password), to hand over in person; a refusal
    is flashed, nothing saved."""
    volunteer = get_visible_or_404(current_user, Volunteer, volunteer_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        password = make_password(current_user, volunteer)
        db.session.commit()
    except RegistryError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(message(volunteer, password), "warning")
    return redirect(url_for("volunteers.detail", volunteer_id=volunteer.id))


@bp.route("/<int:volunteer_id>/create-login", methods=["POST"])
@roles(*STAFF)
def create_login(volunteer_id: int):
    return _hand_over_password(volunteer_id, volunteers.create_login, lambda v, pw: _(
        "已开通登录账号：手机号 %(phone)s，临时密码：%(pw)s（只显示这一次，请当面交给本人）",
        phone=v.phone, pw=pw))


@bp.route("/<int:volunteer_id>/reset-password", methods=["POST"])
@roles(*STAFF)
def reset_password(volunteer_id: int):
    """A temporary password for the volunteer's login, shown once to hand over in person."""
    return _hand_over_password(volunteer_id, work.reset_password, lambda v, pw: _(
        "已为 %(name)s 重置登录密码，临时密码：%(pw)s（只显示这一次，请当面交给本人，"
        "首次登录须修改）", name=v.name, pw=pw))


@bp.route("/me")
@login_required
def me():
    """The volunteer's own record now lives with their other pages (/me/profile)."""
    if current_user.role != VOLUNTEER:
        abort(404)
    return redirect(url_for("me.profile"))


@bp.app_context_processor
def volunteer_helpers():
    """volunteer_home_figures(): the figures the home cards show (a few summary-row queries);
    volunteer_review_state(): where the logged-in volunteer's registration stands."""
    return {"volunteer_home_figures": _home_figures,
            "volunteer_review_state": _review_state}


def _review_state():
    volunteer = volunteers.own_volunteer(current_user) if current_user.is_authenticated \
        else None
    return profile.review_state(volunteer) if volunteer is not None else None


def _home_figures() -> dict | None:
    if not current_user.is_authenticated:
        return None
    try:
        if current_user.role == STATION_ADMIN:
            station = stations.station_of_township(current_user.region_code)
            pending = work.pending_count(current_user)
            if station is None:
                return {"station": None, "pending": pending}
            data = stations.dashboard(current_user, station)
            return {"station": station, **data["stats"], "pending": pending}
        if current_user.role in STAFF:
            result = stations.coverage(current_user)
            return {"townships": result.townships, "with_station": result.with_station,
                    "without_station": result.without_station,
                    "pending": work.pending_count(current_user), **result.totals}
    except RegistryError:
        return None
    return None
