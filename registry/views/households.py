"""户积分 pages: the station's households (list and search, registering one with its 户主,
adding and removing members, changing the 户主, the pool's ledger) and a volunteer's own
household with what its members have pooled. The rules are in incentives/households.py."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from registry.activities import operations as activities
from registry.errors import RegistryError, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.incentives import households, redemptions
from registry.incentives.models import Household
from registry.models import STATION_ADMIN, VOLUNTEER
from registry.pagination import paginate_query
from registry.points import ledger
from registry.points.models import HouseholdPointsEntry
from registry.scoping import get_visible, get_visible_or_404, visible
from registry.views.access import roles
from registry.volunteers.models import Volunteer

bp = Blueprint("households", __name__, url_prefix="/households")


def _failed(error: RegistryError) -> dict:
    """Roll back what the request moved; the errors by field for the template (a message
    naming no field is flashed)."""
    db.session.rollback()
    if not error.fields:
        flash(error.message, "danger")
    return error.fields or {}


def _person(field: str) -> Volunteer:
    """The volunteer chosen in the form, if the station may see them (a resident of another
    township is not found: the same message as the API's)."""
    volunteer = get_visible(current_user, Volunteer, request.form.get(field))
    if volunteer is None:
        raise ValidationFailed(_("您管辖范围内没有这名志愿者"), field)
    return volunteer


def _search() -> list[Volunteer]:
    """The counter's name search (active volunteers of the station's township)."""
    found = list(db.session.scalars(redemptions.search_stmt(current_user,
                                                            request.form.get("q"))))
    if not found:
        flash(_("本乡镇没有姓名以此开头的在册志愿者"), "warning")
    return found


@bp.route("/")
@roles(STATION_ADMIN)
def index():
    """The township's households, newest first; ?q= a household's or 户主's name prefix."""
    errors, q = {}, request.args.get("q", "")
    try:
        stmt = households.households_stmt(q)
    except RegistryError as error:
        errors, stmt = error.fields, households.households_stmt()
    page = paginate_query(visible(current_user, stmt, Household), Household.id, request.args,
                          count=False)
    balances = households.pool_balances(h.id for h in page.items)
    return render_template("households/index.html", page=page, q=q, errors=errors,
                           balances=balances), (
        422 if errors else 200)


@bp.route("/new", methods=["GET", "POST"])
@roles(STATION_ADMIN)
def create():
    """Register a household: find the 户主 by name, then register (name optional)."""
    errors, found, form, status = {}, [], request.form, 200
    if request.method == "POST":
        try:
            if form.get("action") == "create":
                household = households.create_household(current_user,
                                                        _person("head_volunteer_id"),
                                                        form.get("name"))
                db.session.commit()
                flash(_("家庭户“%(name)s”已登记", name=household.name), "success")
                return redirect(url_for(".detail", household_id=household.id))
            found = _search()
        except RegistryError as error:
            errors, status = _failed(error), error.status
    return render_template("households/new.html", found=found, errors=errors,
                           form=form), status


@bp.route("/<int:household_id>", methods=["GET", "POST"])
@roles(STATION_ADMIN)
def detail(household_id):
    """A household: members (remove, make 户主), add a member found by name, the pool."""
    household = get_visible_or_404(current_user, Household, household_id)
    errors, found, status = {}, [], 200
    if request.method == "POST":
        try:
            found = _search()
        except RegistryError as error:
            errors, status = _failed(error), error.status
    return _detail_page(household, errors, found, status)


def _detail_page(household: Household, errors: dict, found: list, status: int = 200):
    page = paginate_query(households.pool_entries_stmt(household), HouseholdPointsEntry.id,
                          request.args, count=False, default_per_page=20)
    return render_template(
        "households/detail.html", household=household, members=households.members(household),
        pool=ledger.pool_balance(household.id), page=page, found=found, errors=errors,
        names=households.member_names(e.volunteer_id for e in page.items)), status


@bp.route("/<int:household_id>/<any(add, remove, head):action>", methods=["POST"])
@roles(STATION_ADMIN)
def member(household_id, action):
    """Add a member, remove one (the row is kept with its leaving time), or name the 户主."""
    household = get_visible_or_404(current_user, Household, household_id)
    try:
        volunteer = _person("volunteer_id")
        if action == "add":
            households.add_member(current_user, household, volunteer)
            message = _("%(name)s已加入本户", name=volunteer.name)
        elif action == "remove":
            households.leave(current_user, household, volunteer)
            message = _("%(name)s已退出本户", name=volunteer.name)
        else:
            households.change_head(current_user, household, volunteer)
            message = _("户主已变更为%(name)s", name=volunteer.name)
        db.session.commit()
    except RegistryError as error:
        return _detail_page(household, _failed(error), [], error.status)
    flash(message, "success")
    return redirect(url_for(".detail", household_id=household.id))


@bp.route("/mine")
@roles(VOLUNTEER)
def mine():
    """The volunteer's own household: members, the pool and what each member pooled."""
    volunteer = activities.volunteer_of(current_user)
    household = households.household_of(volunteer) if volunteer else None
    if household is None:
        flash(_("您还没有加入家庭户"), "info")
        return redirect(url_for("me.points"))
    page = paginate_query(households.pool_entries_stmt(household), HouseholdPointsEntry.id,
                          request.args, count=False, default_per_page=20)
    return render_template(
        "households/mine.html", household=household, members=households.members(household),
        pool=ledger.pool_balance(household.id), page=page,
        names=households.member_names(e.volunteer_id for e in page.items))
