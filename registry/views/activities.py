"""Activity pages: lists, publishing, sign-ups, check-in/out (list and QR), service
confirmation and corrections. Thin: every rule is in registry/activities.py."""


from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from registry import regions
from registry.activities import approvals, minors, service_records, service_rules, signups
from registry.activities import operations as activities
from registry.activities.models import (
    ACTIVITY_CATEGORIES,
    ACTIVITY_STATUSES,
    SIGNUP_STATUSES,
    Activity,
    ServiceRecord,
    ServiceReview,
    Signup,
)
from registry.clock import to_local
from registry.errors import RegistryError
from registry.extensions import db
from registry.forms import show_errors
from registry.forms.activities import (
    ActionForm,
    ActivityForm,
    ConfirmForm,
    CorrectionForm,
    MoveForm,
    ReviewForm,
    WalkInForm,
)
from registry.i18n import gettext as _
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN
from registry.pagination import paginate_query
from registry.qr import qr_data_uri
from registry.scoping import get_visible, get_visible_or_404
from registry.views.access import require, roles

bp = Blueprint("activities", __name__, url_prefix="/activities")
STAFF = (STATION_ADMIN, COUNTY_OFFICIAL, CITY_OFFICIAL)


def is_staff() -> bool:
    return current_user.is_authenticated and current_user.role in STAFF


def is_organizer(activity: Activity) -> bool:
    return (current_user.is_authenticated and current_user.role == STATION_ADMIN
            and current_user.region_code == activity.township_code)


def load(activity_id: int) -> Activity:
    """Staff: an activity in the jurisdiction; everyone else: a published one."""
    if is_staff():
        return get_visible_or_404(current_user, Activity, activity_id)
    activity = db.session.scalar(select(Activity).where(
        Activity.id == activity_id, Activity.status.in_(("published", "closed"))))
    if activity is None:
        abort(404)
    return activity


def local_input(value) -> str:
    return to_local(value).strftime("%Y-%m-%dT%H:%M") if value else ""


@bp.record_once
def add_labels(state) -> None:
    """Labels as template globals (so that imported macros see them too)."""
    state.app.jinja_env.globals.update(
        activity_status_labels=ACTIVITY_STATUSES, signup_status_labels=SIGNUP_STATUSES,
        activity_categories=ACTIVITY_CATEGORIES, activity_phase_labels=activities.PHASE_LABELS,
        review_grounds=service_rules.grounds_of,
        pending_approvals_count=lambda: approvals.pending_count(
            current_user, current_app.config["HOME_COUNT_CAP"]))


@bp.app_context_processor
def activity_helpers():
    """activities_home_work(): the station admin's activities whose hours wait to be
    confirmed, counted up to HOME_COUNT_CAP (None: more), for the home page."""
    return {"activities_home_work": _home_work}


def _home_work() -> dict:
    if not current_user.is_authenticated or current_user.role != STATION_ADMIN:
        return {}
    cap = current_app.config["HOME_COUNT_CAP"]
    return {"to_confirm": activities.to_confirm_count(current_user, cap)}


@bp.route("/")
def index():
    args = request.args
    if is_staff():
        stmt = activities.activities_stmt(current_user, args)
        page = paginate_query(stmt, Activity.id, args)
        return render_template("activities/index.html", page=page,
                               taken=activities.places_taken([a.id for a in page.items]),
                               filters={"status": args.get("status", ""),
                                        "q": args.get("q", ""),
                                        "to_confirm": args.get("to_confirm") in ("1", "true")})
    try:
        stmt = activities.public_activities_stmt(args)
        chosen = activities.public_region(args)
    except RegistryError as error:
        flash(error.message, "danger")
        stmt, chosen = activities.public_activities_stmt({}), ""
    page = paginate_query(stmt, Activity.id, args)
    # The two selects: the county (a township's code starts with its county's), then its
    # townships; both show names, none asks for a code.
    counties = regions.counties()
    county = chosen[:6] if any(c.code == chosen[:6] for c in counties) else ""
    return render_template("activities/public.html", page=page, counties=counties,
                           townships=regions.townships_of(county) if county else [],
                           county=county, township=chosen if len(chosen) == 9 else "",
                           taken=activities.places_taken([a.id for a in page.items]))


@bp.route("/new", methods=["GET", "POST"])
@roles(STATION_ADMIN)
def create():
    form = ActivityForm()
    if form.validate_on_submit():
        try:
            publish = request.form.get("publish") == "1"
            activity = activities.create_activity(current_user, form.data, publish=publish)
            db.session.commit()
            flash(_("活动已发布") if publish else _("活动已保存为草稿"), "success")
            return redirect(url_for(".detail", activity_id=activity.id))
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
    return render_template("activities/form.html", form=form, activity=None)


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit(activity_id: int):
    activity = get_visible_or_404(current_user, Activity, activity_id)
    require(is_organizer(activity))
    form = ActivityForm(obj=None if request.method == "POST" else activity)
    if request.method == "GET":
        form.starts_at.data = local_input(activity.starts_at)
        form.ends_at.data = local_input(activity.ends_at)
        form.suitable_for_minors.data = "yes" if activity.suitable_for_minors else "no"
    if form.validate_on_submit():
        try:
            activities.update_activity(current_user, activity, form.data)
            db.session.commit()
            flash(_("活动已更新"), "success")
            return redirect(url_for(".detail", activity_id=activity.id))
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
    return render_template("activities/form.html", form=form, activity=activity)


@bp.route("/<int:activity_id>")
def detail(activity_id: int):
    activity = load(activity_id)
    context = {"activity": activity, "taken": activities.occupied(activity),
               "waiting": activities.waitlist_count(activity), "action_form": ActionForm()}
    volunteer = activities.volunteer_of(current_user)
    if volunteer is not None:
        context["my_signup"] = activities.signup_of(activity, volunteer)
        context["minor_barred"] = (not activity.suitable_for_minors
                                   and minors.is_minor_at(volunteer, activity))
    if is_staff():
        page = paginate_query(signups.signups_stmt(activity), Signup.id, request.args,
                              default_per_page=50)
        context.update(signups=page, move_form=MoveForm(), organizer=is_organizer(activity),
                       moves=activities.MACHINE.allowed(activity, current_user))
        if is_organizer(activity) and activity.status == "published":
            code = signups.checkin_code(activity)
            link = url_for(".scan", activity_id=activity.id, code=code, _external=True)
            context.update(qr=qr_data_uri(link, box_size=6), qr_link=link)
    return render_template("activities/detail.html", **context)


def _back(activity: Activity, anchor: str = ""):
    return redirect(url_for(".detail", activity_id=activity.id) + anchor)


def _run(activity: Activity, action, message: str, anchor: str = ""):
    """Run a domain action for a POST button; commit, or flash the refusal."""
    if not ActionForm().validate_on_submit():
        flash(_("页面已过期，请刷新后重试"), "danger")
        return _back(activity, anchor)
    try:
        action()
        db.session.commit()
        flash(message, "success")
    except RegistryError as error:
        db.session.rollback()
        flash(error.message, "danger")
    return _back(activity, anchor)


@bp.route("/<int:activity_id>/move/<name>", methods=["POST"])
@login_required
def move(activity_id: int, name: str):
    activity = get_visible_or_404(current_user, Activity, activity_id)
    if name not in activities.MACHINE.by_name:
        abort(404)
    label = activities.MACHINE.by_name[name].label
    return _run(activity, lambda: activities.move(current_user, activity, name,
                                                  request.form.get("comment", "")),
                _("已%(label)s", label=label))


@bp.route("/<int:activity_id>/signup", methods=["POST"])
@login_required
def sign_up(activity_id: int):
    activity = load(activity_id)
    if not ActionForm().validate_on_submit():
        flash(_("页面已过期，请刷新后重试"), "danger")
        return _back(activity)
    try:
        signup = signups.sign_up(current_user, activity)
        db.session.commit()
        if signup.status == "waitlisted":
            flash(_("名额已满，您已进入候补名单；有人取消时按报名先后递补"), "info")
        else:
            flash(_("报名成功"), "success")
    except RegistryError as error:
        db.session.rollback()
        flash(error.message, "danger")
    return _back(activity)


@bp.route("/<int:activity_id>/cancel", methods=["POST"])
@login_required
def cancel(activity_id: int):
    activity = load(activity_id)
    return _run(activity, lambda: signups.cancel_signup(current_user, activity),
                _("已取消报名"))


def _signup(activity: Activity, signup_id: int) -> Signup:
    signup = get_visible(current_user, Signup, signup_id)
    if signup is None or signup.activity_id != activity.id:
        abort(404)
    return signup


@bp.route("/<int:activity_id>/signups/<int:signup_id>/<any(checkin, checkout):what>",
          methods=["POST"])
@login_required
def check(activity_id: int, signup_id: int, what: str):
    activity = get_visible_or_404(current_user, Activity, activity_id)
    signup = _signup(activity, signup_id)
    action = signups.check_in if what == "checkin" else signups.check_out
    return _run(activity, lambda: action(current_user, activity, signup),
                _("%(name)s 已签到", name=signup.volunteer.name) if what == "checkin"
                else _("%(name)s 已签退", name=signup.volunteer.name),
                "#signups")


@bp.route("/<int:activity_id>/signups/<int:signup_id>/no-show", methods=["POST"])
@login_required
def no_show(activity_id: int, signup_id: int):
    activity = get_visible_or_404(current_user, Activity, activity_id)
    signup = _signup(activity, signup_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        signups.mark_no_show(current_user, activity, signup)
        db.session.commit()
        flash(_("%(name)s 已标记为未到场", name=signup.volunteer.name), "success")
    except RegistryError as error:
        db.session.rollback()
        flash(error.message, "danger")
    return redirect(url_for(".service", activity_id=activity.id))


@bp.route("/<int:activity_id>/checkin", methods=["GET", "POST"])
@login_required
def scan(activity_id: int):
    """The page the activity's QR code opens on a volunteer's phone."""
    activity = load(activity_id)
    code = request.values.get("code", "")[:200]
    form = ActionForm()
    volunteer = activities.volunteer_of(current_user)
    signup = activities.signup_of(activity, volunteer) if volunteer else None
    done = None
    if form.validate_on_submit():
        try:
            signup, done = signups.scan(current_user, activity, code)
            db.session.commit()
        except RegistryError as error:
            db.session.rollback()
            flash(error.message, "danger")
    return render_template("activities/checkin.html", activity=activity, code=code, form=form,
                           signup=signup, done=done, volunteer=volunteer)


@bp.route("/<int:activity_id>/service")
@login_required
def service(activity_id: int):
    activity = get_visible_or_404(current_user, Activity, activity_id)
    require(is_staff())
    page = paginate_query(service_records.records_stmt(activity), ServiceRecord.id, request.args,
                          default_per_page=50)
    pending = service_records.pending_confirmation(activity) if is_organizer(activity) else []
    return render_template("activities/service.html", activity=activity, records=page,
                           pending=pending, organizer=is_organizer(activity),
                           confirm_form=ConfirmForm(), walk_in_form=WalkInForm())


def _flash_confirmed(record: ServiceRecord, name: str) -> None:
    review = record.pending_review
    if review is not None:
        flash(_("已录入 %(name)s 服务 %(m)s 分钟（%(g)s）："
                "须由另一名工作人员审核通过后才计入时长和积分",
                name=name, m=record.minutes, g=review.grounds), "warning")
    else:
        flash(_("已确认 %(name)s 服务 %(m)s 分钟，记入 %(p)s 积分", name=name,
                m=record.minutes, p=record.points), "success")


@bp.route("/<int:activity_id>/service/confirm", methods=["POST"])
@login_required
def confirm(activity_id: int):
    activity = get_visible_or_404(current_user, Activity, activity_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        volunteer = service_records.find_volunteer(form.volunteer_id.data)
        record = service_records.confirm_service(current_user, activity, volunteer,
                                            form.minutes.data, form.reason.data)
        db.session.commit()
        _flash_confirmed(record, volunteer.name)
    except RegistryError as error:
        db.session.rollback()
        flash(error.message, "danger")
    return redirect(url_for(".service", activity_id=activity.id))


@bp.route("/<int:activity_id>/service/walk-in", methods=["POST"])
@login_required
def walk_in(activity_id: int):
    activity = get_visible_or_404(current_user, Activity, activity_id)
    form = WalkInForm()
    if form.validate_on_submit():
        try:
            volunteer = service_records.find_volunteer_by_no(form.volunteer_no.data)
            record = service_records.confirm_service(current_user, activity, volunteer,
                                                form.minutes.data, form.reason.data)
            db.session.commit()
            _flash_confirmed(record, volunteer.name)
            return redirect(url_for(".service", activity_id=activity.id))
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
    page = paginate_query(service_records.records_stmt(activity), ServiceRecord.id, {},
                          default_per_page=50)
    pending = service_records.pending_confirmation(activity) if is_organizer(activity) else []
    return render_template("activities/service.html", activity=activity, records=page,
                           pending=pending, organizer=is_organizer(activity),
                           confirm_form=ConfirmForm(), walk_in_form=form), 422


@bp.route("/records/<int:record_id>/correct", methods=["GET", "POST"])
@login_required
def correct(record_id: int):
    record = get_visible_or_404(current_user, ServiceRecord, record_id)
    require(is_organizer(record.activity))
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            service_records.correct_record(current_user, record, form.minutes.data,
                                           form.reason.data)
            db.session.commit()
            if service_records.waiting_review(record) is not None:
                flash(_("已记录更正：须由另一名工作人员审核通过后才计入时长和积分"), "warning")
            else:
                flash(_("已记录更正，积分已相应调整"), "success")
            return redirect(url_for(".service", activity_id=record.activity_id))
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
    return render_template("activities/correct.html", record=record, form=form,
                           totals=service_records.record_totals(record))


@bp.route("/approvals")
@roles(*approvals.REVIEWERS)
def approvals_list():
    """Records and corrections waiting for a second staff member (four eyes)."""
    page = paginate_query(approvals.pending_stmt(current_user, request.args), ServiceReview.id,
                          request.args)
    return render_template("activities/approvals.html", page=page, form=ReviewForm())


@bp.route("/approvals/<int:review_id>/<any(approve, reject):decision>", methods=["POST"])
@roles(*approvals.REVIEWERS)
def decide(review_id: int, decision: str):
    review = get_visible_or_404(current_user, ServiceReview, review_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(_("页面已过期，请刷新后重试"), "danger")
        return redirect(url_for(".approvals_list"))
    try:
        approvals.decide(current_user, review, decision, form.reason.data)
        db.session.commit()
        flash(_("已批准，时长和积分已计入") if decision == "approve" else _("已驳回"), "success")
    except RegistryError as error:
        db.session.rollback()
        flash(error.message, "danger")
    return redirect(url_for(".approvals_list"))
