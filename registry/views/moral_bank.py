"""道德银行 pages: the public 公示 list with objections, each county's rules table (edited by
its county official), and the staff's deed recording, list and review."""

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
from sqlalchemy import select

from registry.errors import RegistryError
from registry.extensions import db, limiter
from registry.forms import form_page, show_errors
from registry.forms.moral_bank import DeedForm, ObjectionForm, ReviewForm, RuleForm
from registry.i18n import gettext as _
from registry.incentives import deeds as ops
from registry.incentives import photos
from registry.incentives.models import DEED_STATUSES, Deed, MoralRule
from registry.models import COUNTY_OFFICIAL, STATION_ADMIN, Region
from registry.pagination import paginate_query
from registry.privacy import mask_in_text
from registry.scoping import get_visible_or_404
from registry.views.access import roles
from registry.volunteers.models import Volunteer
from registry.workflow import history

bp = Blueprint("moral_bank", __name__, url_prefix="/moral-bank")


@bp.context_processor
def helpers():
    # Public 公示 text: phone- and ID-shaped parts a recorder typed in are masked.
    return {"mask_text": mask_in_text}


@bp.route("/")
def index():
    """The public 公示 list: deeds approved and on 公示 now, names masked."""
    args = {"township_code": (request.args.get("township_code") or "")[:9]}
    page = paginate_query(ops.public_stmt(args), Deed.id, request.args)
    return render_template("moral_bank/index.html", page=page, form=ObjectionForm(),
                           counties=ops.counties_with_rules())


@bp.route("/<int:deed_id>/objections", methods=["POST"])
@limiter.limit(lambda: current_app.config["PUBLIC_WRITE_RATE_LIMIT"])
def object_to(deed_id: int):
    """Anyone objects to a deed on 公示 with a reason; it goes back for review."""
    form = ObjectionForm()
    if not form.validate_on_submit():
        flash(" ".join(str(m) for ms in form.errors.values() for m in ms), "danger")
        return redirect(url_for("moral_bank.index"))
    try:
        ops.object_to(deed_id, form.reason.data)
        db.session.commit()
    except RegistryError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(_("异议已提交，该善行退回复核"), "success")
    return redirect(url_for("moral_bank.index"))


@bp.route("/rules")
def rules():
    """A county's rules table (public); its county official edits it."""
    county = (request.args.get("county") or "")[:6]
    if not county and current_user.is_authenticated and current_user.role == COUNTY_OFFICIAL:
        county = current_user.region_code
    region = db.session.get(Region, county) if county else None
    rows = list(db.session.scalars(ops.rules_stmt(county))) if region else []
    editable = (current_user.is_authenticated and current_user.role == COUNTY_OFFICIAL
                and current_user.region_code == county)
    return render_template("moral_bank/rules.html", region=region, rows=rows,
                           editable=editable, counties=ops.counties_with_rules())


@bp.route("/rules/new", methods=["GET", "POST"])
@bp.route("/rules/<int:rule_id>/edit", methods=["GET", "POST"])
@roles(COUNTY_OFFICIAL)
def edit_rule(rule_id: int | None = None):
    rule = get_visible_or_404(current_user, MoralRule, rule_id) if rule_id else None
    form = RuleForm(obj=rule)
    return form_page(form, lambda f: ops.save_rule(current_user, f.data, rule),
                     lambda r: url_for("moral_bank.rules", county=r.county_code),
                     _("规则已保存"), "moral_bank/rule_form.html", rule=rule)


@bp.route("/deeds")
@roles(*ops.REVIEWERS)
def deeds():
    """Deeds of the jurisdiction, newest first (names masked), filter by status."""
    args = {"status": (request.args.get("status") or "")[:20]}
    page = paginate_query(ops.list_stmt(current_user, args), Deed.id, request.args)
    return render_template("moral_bank/deeds.html", page=page, args=args,
                           statuses=DEED_STATUSES)


def _deed_form() -> DeedForm:
    form = DeedForm()
    county = db.session.get(Region, current_user.region_code).county_code
    form.rule_id.choices = [(r.id, _(
        "%(category)s·%(deed)s（%(points)s 分）",
        category=r.category, deed=r.deed, points=r.points))
                            for r in db.session.scalars(ops.rules_stmt(county))]
    return form


def _residents() -> list[Volunteer]:
    # A township's residents to choose from (at most 500, by name); the API takes any id.
    return list(db.session.scalars(select(Volunteer).where(
        Volunteer.township_code == current_user.region_code,
        Volunteer.status != "deregistered").order_by(Volunteer.name).limit(500)))


@bp.route("/deeds/new", methods=["GET", "POST"])
@roles(STATION_ADMIN)
def new_deed():
    """A station admin records a deed for a resident; another staff member approves it."""
    form = _deed_form()
    if form.validate_on_submit():
        upload = form.photo.data
        photo = (upload.stream, upload.filename) if photos.has_file(upload) else None
        try:
            deed = ops.record(current_user, form.data, photo)
            db.session.commit()
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            flash(_("已登记，待另一名工作人员审核"), "success")
            return redirect(url_for("moral_bank.deed", deed_id=deed.id))
    return render_template("moral_bank/deed_form.html", form=form, residents=_residents()), \
        422 if form.errors else 200


@bp.route("/deeds/<int:deed_id>")
@roles(*ops.REVIEWERS)
def deed(deed_id: int):
    row = get_visible_or_404(current_user, Deed, deed_id)
    return render_template("moral_bank/deed.html", deed=row, form=ReviewForm(),
                           reviewable=ops.reviewable(current_user, row),
                           objections=ops.objections_of(row), history=history(row))


@bp.route("/deeds/<int:deed_id>/<any(approve, reject):action>", methods=["POST"])
@roles(*ops.REVIEWERS)
def review(deed_id: int, action: str):
    row = get_visible_or_404(current_user, Deed, deed_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    move = ops.approve if action == "approve" else ops.reject
    try:
        move(current_user, row, form.comment.data)
        db.session.commit()
    except RegistryError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(_("已审核：%(status)s", status=row.status_label), "success")
    return redirect(url_for("moral_bank.deed", deed_id=deed_id))


@bp.route("/deeds/<int:deed_id>/photo")
@roles(*ops.REVIEWERS)
def photo(deed_id: int):
    try:
        path, content_type = ops.photo_of(current_user,
                                          get_visible_or_404(current_user, Deed, deed_id))
    except RegistryError:
        abort(404)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=content_type, max_age=0)
