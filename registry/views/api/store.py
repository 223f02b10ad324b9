"""API: the 积分超市 (stores, items, restocking, redemptions), household accounts (户积分) and
the city's monthly 通存通兑 settlement (API.md: store items, redemptions)."""

import marshmallow as ma
from marshmallow.validate import Length, OneOf, Range
from sqlalchemy import select

from registry.activities import operations as activities
from registry.clock import isoformat
from registry.errors import NotFound, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.incentives import redemptions, store
from registry.incentives.models import (
    REDEMPTION_STATUSES,
    PointsStore,
    Redemption,
    StoreItem,
)
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN, VOLUNTEER
from registry.pagination import paginate_query
from registry.scoping import get_visible, visible
from registry.views.api import auth_required, blp, current_api_user, page_body
from registry.views.api.idempotency import idempotent
from registry.views.api.schemas import ErrorSchema, JsonBody, PageArgs, PageSchema
from registry.volunteers.models import Volunteer

IDEMPOTENCY_DOC = {"parameters": [{
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "maxLength": 100},
    "description": _l("同一键、同一请求体：返回第一次的结果，不重复扣减积分或库存"),
}]}
ID = Range(1, 2**31 - 1)


def conflict(view):
    """Document the 409 of a call refused by the state of things (balance, stock, status)."""
    return blp.alt_response(409, schema=ErrorSchema,
                            description=_("积分或库存不足、状态不允许或重复操作：未做任何改动"))(view)


class StoreSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    station_id = ma.fields.Integer()
    township_code = ma.fields.String()
    address = ma.fields.String()
    opening_hours = ma.fields.String()


class StorePage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(StoreSchema))


class ItemSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    description = ma.fields.String()
    points_price = ma.fields.Integer()
    stock = ma.fields.Integer()
    station_id = ma.fields.Integer()
    store_id = ma.fields.Integer()
    township_code = ma.fields.String()
    active = ma.fields.Boolean()


class ItemPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ItemSchema))


class ItemArgs(PageArgs):
    station_id = ma.fields.Integer(load_default=None, validate=ID)


class ItemCreate(JsonBody):
    name = ma.fields.String(required=True, validate=Length(max=100))
    points_price = ma.fields.Integer(required=True, strict=True)
    stock = ma.fields.Integer(load_default=0, strict=True)
    description = ma.fields.String(load_default="", validate=Length(max=500))
    station_id = ma.fields.Integer(load_default=None, strict=True, validate=ID)


class RestockCreate(JsonBody):
    quantity = ma.fields.Integer(required=True, strict=True)
    memo = ma.fields.String(load_default="", validate=Length(max=200))


class RestockSchema(ma.Schema):
    id = ma.fields.Integer()
    item_id = ma.fields.Integer()
    quantity = ma.fields.Integer()
    stock_after = ma.fields.Integer()
    created_at = ma.fields.String()


class RedemptionCreate(JsonBody):
    item_id = ma.fields.Integer(required=True, strict=True, validate=ID)
    quantity = ma.fields.Integer(load_default=1, strict=True)
    from_household = ma.fields.Boolean(load_default=False, metadata={
        "description": _l("从本户的户积分中扣（本户任一成员均可）")})
    volunteer_id = ma.fields.Integer(load_default=None, strict=True, validate=ID, metadata={
        "description": _l("柜台办理：本乡镇的志愿者（站点管理员）")})
    volunteer_code = ma.fields.String(load_default=None, validate=Length(max=200), metadata={
        "description": _l("柜台办理：扫描志愿者“兑换码”得到的代码（任何乡镇的志愿者）")})


class RedemptionSchema(ma.Schema):
    id = ma.fields.Integer()
    receipt_no = ma.fields.String()
    item_id = ma.fields.Integer()
    item_name = ma.fields.String()
    store_id = ma.fields.Integer()
    volunteer_id = ma.fields.Integer()
    household_id = ma.fields.Integer(allow_none=True)
    quantity = ma.fields.Integer()
    points = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": list(REDEMPTION_STATUSES)})
    balance_after = ma.fields.Integer()
    store_township_code = ma.fields.String()
    payer_township_code = ma.fields.String()
    created_at = ma.fields.String()


class RedemptionPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(RedemptionSchema))


class RedemptionArgs(PageArgs):
    status = ma.fields.String(load_default=None, validate=OneOf(list(REDEMPTION_STATUSES)))


class RedemptionCancel(JsonBody):
    reason = ma.fields.String(load_default="", validate=Length(max=200))


def store_dict(s: PointsStore) -> dict:
    return {"id": s.id, "name": s.name, "station_id": s.station_id,
            "township_code": s.township_code, "address": s.address,
            "opening_hours": s.opening_hours}


def item_dict(item: StoreItem) -> dict:
    return {"id": item.id, "name": item.name, "description": item.description,
            "points_price": item.points_price, "stock": item.stock,
            "station_id": item.store.station_id, "store_id": item.store_id,
            "township_code": item.township_code, "active": item.active}


def redemption_dict(r: Redemption) -> dict:
    return {"id": r.id, "receipt_no": r.receipt_no, "item_id": r.item_id,
            "item_name": r.item_name, "store_id": r.store_id, "volunteer_id": r.volunteer_id,
            "household_id": r.household_id, "quantity": r.quantity, "points": r.points,
            "status": r.status, "balance_after": r.balance_after,
            "store_township_code": r.store_township_code,
            "payer_township_code": r.payer_township_code, "created_at": isoformat(r.created_at)}


@blp.route("/store/stores", methods=["GET"])
@auth_required()
@blp.arguments(PageArgs, location="query")
@blp.response(200, StorePage)
def list_stores(args):
    """The 积分超市: a volunteer sees every township's (points earned anywhere are spent
    anywhere: 通存通兑), staff those of their jurisdiction."""
    stmt = visible(current_api_user(), store.stores_stmt(), PointsStore)
    page = paginate_query(stmt, PointsStore.id, args)
    return page_body(page, store_dict)


@blp.route("/store/items", methods=["GET"])
@auth_required(STATION_ADMIN, VOLUNTEER, CITY_OFFICIAL, COUNTY_OFFICIAL)
@blp.arguments(ItemArgs, location="query")
@blp.response(200, ItemPage)
def list_items(args):
    """Items: a station admin sees their own store's (also those taken off the shelf), a
    volunteer every store's items on the shelf (filter station_id), officials their area's."""
    user = current_api_user()
    if user.role == STATION_ADMIN:
        stmt = store.items_stmt(store.my_store(user).id, active_only=False)
    elif user.role == VOLUNTEER:
        stmt = store.items_stmt()
    else:
        stmt = visible(user, store.items_stmt(active_only=False), StoreItem)
    if args.get("station_id"):
        stmt = stmt.where(StoreItem.store_id.in_(select(PointsStore.id).where(
            PointsStore.station_id == args["station_id"])))
    page = paginate_query(stmt, StoreItem.id, args)
    return page_body(page, item_dict)


@blp.route("/store/items", methods=["POST"])
@auth_required(STATION_ADMIN)
@blp.arguments(ItemCreate)
@blp.response(201, ItemSchema)
@blp.doc(**IDEMPOTENCY_DOC)
@idempotent
def create_item(body):
    """Put a new item in one's own store (points_price > 0, stock ≥ 0; the initial stock is
    recorded as a restock)."""
    user = current_api_user()
    station_id = body.pop("station_id", None)
    if station_id is not None and station_id != store.station_of(user).id:
        raise ValidationFailed(_("只能在本站的积分超市上架商品"), "station_id")
    return item_dict(store.create_item(user, body)), 201


def _item_or_404(item_id: int) -> StoreItem:
    user = current_api_user()
    item = (db.session.get(StoreItem, item_id) if user.role == VOLUNTEER
            else get_visible(user, StoreItem, item_id))
    if item is None:
        raise NotFound(_("商品不存在"))
    return item


@blp.route("/store/items/<int:item_id>/restocks", methods=["POST"])
@auth_required(STATION_ADMIN)
@blp.arguments(RestockCreate)
@blp.response(201, RestockSchema)
@blp.doc(**IDEMPOTENCY_DOC)
@idempotent
def restock_item(body, item_id):
    """Restock an item of one's own store: a row with who and how many, the stock after."""
    row = store.restock(current_api_user(), _item_or_404(item_id), body["quantity"],
                        body["memo"])
    return {"id": row.id, "item_id": row.item_id, "quantity": row.quantity,
            "stock_after": row.stock_after, "created_at": isoformat(row.created_at)}, 201


def _counter_volunteer(user, body) -> Volunteer:
    if user.role == VOLUNTEER:
        volunteer = activities.volunteer_of(user)
        if volunteer is None:
            raise NotFound(_("您还没有志愿者档案"))
        return volunteer
    if body.get("volunteer_code"):
        return redemptions.volunteer_from_code(body["volunteer_code"])
    if body.get("volunteer_id"):
        volunteer = get_visible(user, Volunteer, body["volunteer_id"])
        if volunteer is None:
            raise ValidationFailed(_("本乡镇没有这名志愿者；其他乡镇的志愿者请扫描其兑换码"),
                                   "volunteer_id")
        return volunteer
    raise ValidationFailed(_("请扫描志愿者的兑换码或选择志愿者"), "volunteer_code")


@blp.route("/store/redemptions", methods=["POST"])
@auth_required(VOLUNTEER, STATION_ADMIN)
@blp.arguments(RedemptionCreate)
@blp.response(201, RedemptionSchema)
@blp.doc(**IDEMPOTENCY_DOC)
@conflict
@idempotent
def create_redemption(body):
    """Redeem: a volunteer reserves (points and stock taken; picked up at the store), a
    station admin redeems at the counter (fulfilled at once). Not enough points or stock →
    409 and nothing moved."""
    user = current_api_user()
    volunteer = _counter_volunteer(user, body)
    item = redemptions.get_item(body["item_id"])
    redemption = redemptions.redeem(user, volunteer, item, body["quantity"],
                                    from_household=body["from_household"])
    return redemption_dict(redemption), 201


@blp.route("/store/redemptions", methods=["GET"])
@auth_required(VOLUNTEER, STATION_ADMIN, CITY_OFFICIAL, COUNTY_OFFICIAL)
@blp.arguments(RedemptionArgs, location="query")
@blp.response(200, RedemptionPage)
def list_redemptions(args):
    """A volunteer's own redemptions; a store's (station admin) or the area's (officials)."""
    user = current_api_user()
    if user.role == VOLUNTEER:
        volunteer = activities.volunteer_of(user)
        if volunteer is None:
            raise NotFound(_("您还没有志愿者档案"))
        stmt = redemptions.my_redemptions_stmt(volunteer)
        if args.get("status"):
            stmt = stmt.where(Redemption.status == args["status"])
    else:
        stmt = visible(user, select(Redemption).order_by(Redemption.id.desc()), Redemption)
        if args.get("status"):
            stmt = stmt.where(Redemption.status == args["status"])
    page = paginate_query(stmt, Redemption.id, args)
    return page_body(page, redemption_dict)


def _redemption_or_404(redemption_id: int) -> Redemption:
    redemption = get_visible(current_api_user(), Redemption, redemption_id)
    if redemption is None:
        raise NotFound(_("兑换记录不存在"))
    return redemption


@blp.route("/store/redemptions/<int:redemption_id>", methods=["GET"])
@auth_required(VOLUNTEER, STATION_ADMIN, CITY_OFFICIAL, COUNTY_OFFICIAL)
@blp.response(200, RedemptionSchema)
def get_redemption(redemption_id):
    """One redemption (its receipt)."""
    return redemption_dict(_redemption_or_404(redemption_id))


@blp.route("/store/redemptions/<int:redemption_id>/fulfil", methods=["POST"])
@auth_required(STATION_ADMIN)
@blp.response(200, RedemptionSchema)
@conflict
def fulfil_redemption(redemption_id):
    """The goods are handed over: reserved → fulfilled."""
    redemption = redemptions.fulfil(current_api_user(), _redemption_or_404(redemption_id))
    db.session.commit()
    return redemption_dict(redemption)


@blp.route("/store/redemptions/<int:redemption_id>/cancel", methods=["POST"])
@auth_required(VOLUNTEER, STATION_ADMIN)
@blp.arguments(RedemptionCancel)
@blp.response(200, RedemptionSchema)
@blp.doc(**IDEMPOTENCY_DOC)
@conflict
@idempotent
def cancel_redemption(body, redemption_id):
    """Cancel on the day it was made: a refund entry gives the points back, the stock comes
    back. Another day's redemption → 409."""
    redemption = redemptions.cancel(current_api_user(), _redemption_or_404(redemption_id),
                                    body["reason"])
    return redemption_dict(redemption)
