"""Station pages: coverage of townships for officials, creating a station, its dashboard,
editing it and appointing its admins."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from registry import accounts
from registry.errors import RegistryError
from registry.extensions import db
from registry.forms import show_errors
from registry.forms.volunteers import (
    ActionForm,
    AppointAdminForm,
    StationEditForm,
    StationForm,
    township_choices,
)
from registry.i18n import gettext as _
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN, Region
from registry.scoping import get_visible_or_404
from registry.views.access import roles
from registry.volunteers import stations
from registry.volunteers.models import Station

bp = Blueprint("stations", __name__, url_prefix="/stations")
OFFICIALS = (CITY_OFFICIAL, COUNTY_OFFICIAL)


@bp.route("/")
@roles(STATION_ADMIN, *OFFICIALS)
def index():
    """Coverage: every township in the jurisdiction, with or without its station."""
    if current_user.role == STATION_ADMIN:
        station = stations.station_of_township(current_user.region_code)
        if station is None:
            return render_template("stations/no_station.html")
        return redirect(url_for("stations.detail", station_id=station.id))
    only_missing = request.args.get("missing") == "1"
    county = (request.args.get("county") or "")[:6]
    try:
        result = stations.coverage(current_user, only_missing=only_missing, county_code=county)
    except RegistryError as error:
        flash(error.message, "danger")
        return redirect(url_for("stations.index"))
    counties = []
    if current_user.role == CITY_OFFICIAL:
        counties = list(db.session.scalars(
            select(Region).where(Region.level == "county").order_by(Region.code)))
    return render_template("stations/coverage.html", result=result, only_missing=only_missing,
                           county=county, counties=counties)


@bp.route("/new", methods=["GET", "POST"])
@roles(*OFFICIALS)
def new():
    form = StationForm()
    form.township_code.choices = township_choices(current_user.region_code)
    if request.method == "GET":
        form.township_code.data = (request.args.get("township") or "")[:9]
    if form.validate_on_submit():
        try:
            station = stations.create_station(current_user, form.data)
            db.session.commit()
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            flash(_("已设立%(name)s，请为其任命站点管理员", name=station.name), "success")
            return redirect(url_for("stations.detail", station_id=station.id))
    return render_template("stations/new.html", form=form)


@bp.route("/<int:station_id>", methods=["GET", "POST"])
@login_required
def detail(station_id: int):
    """The station's dashboard, its admins, and its edit form."""
    station = get_visible_or_404(current_user, Station, station_id)
    form = StationEditForm(obj=station)
    if form.validate_on_submit():
        try:
            stations.update_station(current_user, station, form.data)
            db.session.commit()
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            flash(_("已保存"), "success")
            return redirect(url_for("stations.detail", station_id=station.id))
    return _detail_page(station, form, AppointAdminForm())


def _detail_page(station: Station, form, admin_form, status: int = 200):
    data = stations.dashboard(current_user, station)
    resettable = {a.id for a in data["admins"] if accounts.may_reset_password(current_user, a)}
    return render_template("stations/detail.html", station=station, data=data, form=form,
                           admin_form=admin_form, resettable=resettable,
                           action_form=ActionForm(),
                           township=db.session.get(Region, station.township_code)), status


@bp.route("/<int:station_id>/admins/<int:admin_id>/reset-password", methods=["POST"])
@roles(*OFFICIALS)
def reset_admin_password(station_id: int, admin_id: int):
    """A station admin's temporary password, shown once to the county official."""
    station = get_visible_or_404(current_user, Station, station_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        admin, password = stations.reset_admin_password(current_user, station, admin_id)
        db.session.commit()
    except RegistryError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash(error.message, "danger")
    else:
        flash(_("已为 %(name)s 重置登录密码，临时密码：%(pw)s（只显示这一次，请当面交给本人，"
                "首次登录须修改）", name=admin.display_name, pw=password), "warning")
    return redirect(url_for("stations.detail", station_id=station.id))


@bp.route("/<int:station_id>/admins", methods=["POST"])
@roles(*OFFICIALS)
def appoint(station_id: int):
    station = get_visible_or_404(current_user, Station, station_id)
    form = AppointAdminForm()
    if form.validate_on_submit():
        try:
            admin, password = stations.appoint_admin(current_user, station, form.data)
            db.session.commit()
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            flash(_("已任命 %(name)s 为站点管理员。用户名 %(user)s，临时密码 %(pw)s"
                    "（只显示这一次，请当面交给本人，首次登录须修改）",
                    name=admin.display_name, user=admin.username, pw=password), "warning")
            return redirect(url_for("stations.detail", station_id=station.id))
    # Each message at its field, on the station's page (422), as every form page does.
    return _detail_page(station, StationEditForm(obj=station), form, 422)
