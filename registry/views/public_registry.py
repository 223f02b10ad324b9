"""The public registry of approved organizations, and the representative's sign-up."""

import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user

from registry import accounts, audit, regions
from registry.clock import today_local
from registry.errors import RegistryError, ValidationFailed
from registry.extensions import db, limiter
from registry.forms import show_errors
from registry.forms.organizations import SignupForm
from registry.i18n import gettext as _
from registry.models import ORG_ADMIN
from registry.organizations import operations as orgs
from registry.organizations.models import GRADES, ORG_CATEGORIES, ORG_TYPES, Organization
from registry.pagination import paginate_query
from registry.validators import normalize_phone

bp = Blueprint("public_registry", __name__, url_prefix="/registry")
PUBLIC_FILTERS = ("q", "org_type", "category", "region_code", "grade", "hub")


def _counties() -> list[tuple[str, str]]:
    return regions.kept().city_and_counties


@bp.route("/")
def index():
    """Browse and search approved organizations (nothing of an application is public)."""
    filters = orgs.check_filters({k: request.args.get(k, "") for k in PUBLIC_FILTERS})
    page = paginate_query(orgs.public_list_stmt(filters), Organization.id, request.args)
    return render_template("public_registry/list.html", page=page, filters=filters,
                           types=ORG_TYPES, categories=ORG_CATEGORIES, grades=GRADES,
                           counties=_counties(), today=today_local())


@bp.route("/<int:org_id>")
def detail(org_id):
    org = orgs.public_get(org_id)
    if org is None:
        abort(404)
    members = []
    if org.is_hub:
        from sqlalchemy import select

        members = list(db.session.scalars(
            select(Organization).where(Organization.hub_id == org.id,
                                       Organization.status == "approved")
            .order_by(Organization.id).limit(200)))
    return render_template("public_registry/detail.html", org=org, members=members,
                           today=today_local())


def _signup_limit() -> str:
    return current_app.config["PUBLIC_WRITE_RATE_LIMIT"]


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_signup_limit, methods=["POST"])
def signup():
    """A representative creates an account, then files the application online."""
    if current_user.is_authenticated:
        if current_user.role == ORG_ADMIN:
            return redirect(url_for("organizations.mine"))
        flash(_("您已登录工作人员账号，无需注册"), "info")
        return redirect(url_for("main.home"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            if form.password.data != form.confirm.data:
                raise ValidationFailed(_("两次输入的密码不一致"), "confirm")
            phone = normalize_phone(form.phone.data, "phone")
            user, _password = accounts.create_user(
                form.username.data.strip(), form.password.data, ORG_ADMIN, "511300",
                form.display_name.data, phone=phone)
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            audit.set_actor(user)
            audit.record("signup", user, comment="社会组织代表自助注册")
            db.session.commit()
            session.clear()
            login_user(user)
            session["last_seen"] = time.time()
            flash(_("注册成功，请填写登记（备案）申请"), "success")
            return redirect(url_for("organizations.new"))
    return render_template("public_registry/signup.html", form=form)
