"""公益反哺 pages: the benefits open now (a volunteer sees what they qualify for and claims),
the city's publishing, and the provider's confirmation of use by claim code."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from registry.errors import RegistryError
from registry.extensions import db
from registry.forms import form_page
from registry.forms.benefits import BenefitForm, ClaimForm, ConfirmForm
from registry.i18n import gettext as _
from registry.incentives import benefits as ops
from registry.incentives.models import Benefit
from registry.incentives.reports import show_code
from registry.models import CITY_OFFICIAL, VOLUNTEER
from registry.pagination import paginate_query
from registry.views.access import roles
from registry.volunteers.models import STAR_LABELS
from registry.volunteers.operations import own_volunteer, star_level

bp = Blueprint("benefits", __name__, url_prefix="/benefits")


@bp.context_processor
def helpers():
    return {"show_code": show_code, "star_labels": STAR_LABELS}


def _me():
    if current_user.is_authenticated and current_user.role == VOLUNTEER:
        return own_volunteer(current_user)
    return None


@bp.route("/")
def index():
    """Benefits valid today; a volunteer sees which they qualify for and their claims."""
    page = paginate_query(ops.open_stmt(), Benefit.id, request.args)
    me = _me()
    reasons = {b.id: ops.shortfall(me, b) for b in page.items} if me else {}
    claims = ops.claims_of(me) if me else []
    claimed = {c.benefit_id for c in claims}
    return render_template("benefits/index.html", page=page, me=me, reasons=reasons,
                           claims=claims, claimed=claimed, form=ClaimForm(),
                           stars=star_level(me.total_minutes) if me else 0)


@bp.route("/<int:benefit_id>/claim", methods=["POST"])
@roles(VOLUNTEER)
def claim(benefit_id: int):
    form = ClaimForm()
    benefit = db.session.get(Benefit, benefit_id)
    if benefit is None or not form.validate_on_submit():
        flash(_("该项目不存在"), "danger")
        return redirect(url_for("benefits.index"))
    try:
        row = ops.claim(_me(), benefit)
        db.session.commit()
    except RegistryError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(_("领取成功，领取码 %(code)s，请到提供单位出示使用", code=show_code(row.code)),
              "success")
    return redirect(url_for("benefits.index"))


@bp.route("/manage")
@roles(CITY_OFFICIAL)
def manage():
    page = paginate_query(ops.manage_stmt(current_user), Benefit.id, request.args)
    return render_template("benefits/manage.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@roles(CITY_OFFICIAL)
def new():
    form = BenefitForm()
    return form_page(form, lambda f: ops.publish(current_user, f.data),
                     lambda b: url_for("benefits.manage"), _("已发布"), "benefits/new.html")


@bp.route("/confirm", methods=["GET", "POST"])
@login_required
def confirm():
    """The provider's account confirms a claim's use with its code."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            row = ops.confirm_use(current_user, form.code.data)
            db.session.commit()
        except RegistryError as error:
            db.session.rollback()
            form.code.errors = [error.message]
        else:
            flash(_("已确认使用：%(title)s", title=row.benefit.title), "success")
            return redirect(url_for("benefits.confirm"))
    return render_template("benefits/confirm.html", form=form,
                           provided=ops.provided_by(current_user)), 422 if form.errors else 200
