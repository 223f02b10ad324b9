"""积分超市 pages: stores and items for everyone signed in (a volunteer reserves), the station's
shelf and restocking, the counter (scan the volunteer's 兑换码 or search by name), the
printable receipt with fulfil and cancel, and the city's monthly 通存通兑 settlement."""


from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from registry import exports
from registry.activities import operations as activities
from registry.clock import to_local, today_local
from registry.errors import RegistryError
from registry.extensions import db
from registry.i18n import gettext as _
from registry.incentives import households, redemptions, settlement, store
from registry.incentives.models import PointsStore, Redemption, StoreItem, StoreRestock
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN
from registry.pagination import paginate_query
from registry.points import ledger
from registry.scoping import get_visible, get_visible_or_404, visible
from registry.views.access import roles
from registry.volunteers.models import Volunteer

bp = Blueprint("store", __name__, url_prefix="/store")


def _failed(error: RegistryError) -> dict:
    """Roll back what the request moved; the errors by field for the template."""
    db.session.rollback()
    flash(error.message, "danger")
    return error.fields or {}


@bp.route("/")
@login_required
def index():
    """Every township's store; the chosen store's items on the shelf."""
    stmt = visible(current_user, store.stores_stmt(), PointsStore)
    page = paginate_query(stmt, PointsStore.id, request.args, count=False)
    chosen = None
    store_id = request.args.get("store_id", "")
    if store_id.isdigit() and len(store_id) < 10:
        chosen = get_visible(current_user, PointsStore, int(store_id))
    elif current_user.role == STATION_ADMIN:
        chosen = db.session.scalar(select(PointsStore).where(
            PointsStore.township_code == current_user.region_code))
    chosen = chosen or (page.items[0] if page.items else None)
    items = list(db.session.scalars(store.items_stmt(chosen.id).limit(100))) if chosen else []
    volunteer = activities.volunteer_of(current_user)
    context = {}
    if volunteer is not None:
        context = {"balance": ledger.balance(volunteer),
                   "household": households.household_of(volunteer)}
        if context["household"]:
            context["pool"] = ledger.pool_balance(context["household"].id)
    return render_template("store/index.html", page=page, chosen=chosen, items=items,
                           volunteer=volunteer, **context)


@bp.route("/items/<int:item_id>/redeem", methods=["POST"])
@login_required
def redeem(item_id):
    """A volunteer reserves an item (points and stock taken now, picked up at the store)."""
    item = db.session.get(StoreItem, item_id) or abort(404)
    volunteer = activities.volunteer_of(current_user) or abort(404)
    try:
        r = redemptions.redeem(current_user, volunteer, item, request.form.get("quantity"),
                               from_household=request.form.get("from_household") == "1")
        db.session.commit()
    except RegistryError as error:
        _failed(error)
        return redirect(url_for(".index", store_id=item.store_id))
    flash(_("兑换成功：请凭兑换单到积分超市领取"), "success")
    return redirect(url_for(".receipt", redemption_id=r.id))


@bp.route("/manage", methods=["GET", "POST"])
@roles(STATION_ADMIN)
def manage():
    """The station's shelf: add an item, restock, take off or put back on the shelf."""
    try:
        my = store.my_store(current_user)
        db.session.commit()
    except RegistryError as error:
        _failed(error)
        return redirect(url_for("main.home"))
    errors, form = {}, request.form
    if request.method == "POST":
        try:
            action = form.get("action")
            if action == "create":
                store.create_item(current_user, form)
                message = _("商品已上架")
            else:
                item = get_visible_or_404(current_user, StoreItem, form.get("item_id"))
                if action == "restock":
                    store.restock(current_user, item, form.get("quantity"), form.get("memo"))
                    message = _("“%(name)s”已补货", name=item.name)
                else:
                    store.update_item(current_user, item, {
                        "name": item.name, "description": item.description,
                        "points_price": item.points_price, "active": action == "shelve"})
                    message = (_("“%(name)s”已上架", name=item.name) if item.active
                               else _("“%(name)s”已下架", name=item.name))
            db.session.commit()
            flash(message, "success")
            return redirect(url_for(".manage"))
        except RegistryError as error:
            errors = _failed(error)
    items = list(db.session.scalars(store.items_stmt(my.id, active_only=False).limit(200)))
    reserved = paginate_query(redemptions.store_redemptions_stmt(my.township_code, "reserved"),
                              Redemption.id, request.args, count=False, default_per_page=10)
    restocks = list(db.session.scalars(
        select(StoreRestock).where(StoreRestock.township_code == my.township_code)
        .order_by(StoreRestock.id.desc()).limit(10)))
    return render_template("store/manage.html", store=my, items=items, reserved=reserved,
                           restocks=restocks, errors=errors,
                           form=form if request.method == "POST" else {})


@bp.route("/counter", methods=["GET", "POST"])
@roles(STATION_ADMIN)
def counter():
    """The counter: the volunteer from their scanned code (any township) or a name search
    (this township), then the item and quantity; fulfilled at once, then the receipt."""
    try:
        my = store.my_store(current_user)
    except RegistryError as error:
        _failed(error)
        return redirect(url_for("main.home"))
    errors, found, volunteer = {}, [], None
    code = request.values.get("code", "")
    try:
        if code:
            volunteer = redemptions.volunteer_from_code(code)
        elif request.values.get("volunteer_id"):
            volunteer = get_visible(current_user, Volunteer,
                                    request.values.get("volunteer_id"))
        elif request.method == "POST" and request.form.get("q") is not None:
            found = list(db.session.scalars(redemptions.search_stmt(current_user,
                                                                    request.form["q"])))
            if not found:
                flash(_("本乡镇没有姓名以此开头的在册志愿者；其他乡镇的志愿者请扫描其兑换码"),
                      "warning")
    except RegistryError as error:
        errors = _failed(error)
    if volunteer is not None and request.method == "POST" and request.form.get("item_id"):
        try:
            item = redemptions.get_item(request.form.get("item_id"))
            if item.store_id != my.id:
                abort(404)
            r = redemptions.redeem(current_user, volunteer, item, request.form.get("quantity"),
                                   from_household=request.form.get("from_household") == "1")
            db.session.commit()
            flash(_("兑换完成"), "success")
            return redirect(url_for(".receipt", redemption_id=r.id))
        except RegistryError as error:
            errors = _failed(error)
    context = {}
    if volunteer is not None:
        household = households.household_of(volunteer)
        context = {"balance": ledger.balance(volunteer), "household": household,
                   "pool": ledger.pool_balance(household.id) if household else None}
    items = list(db.session.scalars(store.items_stmt(my.id).limit(200)))
    return render_template("store/counter.html", store=my, items=items, found=found,
                           volunteer=volunteer, code=code, errors=errors, **context)


@bp.route("/redemptions/<int:redemption_id>")
@login_required
def receipt(redemption_id):
    """The receipt (兑换单), printable: the volunteer's own, or the store's."""
    r = get_visible_or_404(current_user, Redemption, redemption_id)
    can_handle = (current_user.role == STATION_ADMIN
                  and current_user.region_code == r.store_township_code)
    return render_template("store/receipt.html", r=r, can_handle=can_handle,
                           same_day=r.created_at and today_local() == _local_day(r))


def _local_day(r: Redemption):
    return to_local(r.created_at).date()


@bp.route("/redemptions/<int:redemption_id>/<any(fulfil, cancel):action>", methods=["POST"])
@login_required
def handle(redemption_id, action):
    r = get_visible_or_404(current_user, Redemption, redemption_id)
    try:
        if action == "fulfil":
            redemptions.fulfil(current_user, r)
        else:
            redemptions.cancel(current_user, r, request.form.get("reason"))
        db.session.commit()
        flash(_("已领取") if action == "fulfil" else _("兑换已取消，积分和库存已退回"),
              "success")
    except RegistryError as error:
        _failed(error)
    return redirect(url_for(".receipt", redemption_id=redemption_id))


@bp.route("/settlement")
@roles(CITY_OFFICIAL, COUNTY_OFFICIAL)
def settlement_page():
    """The month's settlement table; ?format=xlsx exports it."""
    raw = request.args.get("month") or f"{today_local():%Y-%m}"
    try:
        month = settlement.parse_month(raw)
    except RegistryError as error:
        flash(error.message, "danger")
        month = settlement.parse_month(f"{today_local():%Y-%m}")
    table = settlement.monthly(current_user, month)
    fmt = request.args.get("format")
    if fmt in exports.FORMATS:
        return exports.response(fmt, f"settlement-{month:%Y-%m}", settlement.EXPORT_HEADER,
                                settlement.export_rows(table), what="Settlement",
                                comment=_("通存通兑结算表 %(month)s", month=format(month, "%Y-%m")),
                                region_code=current_user.region_code,
                                filters={"month": f"{month:%Y-%m}"})
    return render_template("store/settlement.html", table=table, month=month)
