"""The 积分超市: stores (one per station), items with a points price and stock, restocking, and
the guarded stock updates every redemption and cancellation goes through."""

from typing import Any

from sqlalchemy import Integer, bindparam, func, select, update

from registry.errors import Conflict, FieldErrors, NotAllowed, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.incentives.models import PointsStore, Redemption, StoreItem, StoreRestock
from registry.models import STATION_ADMIN
from registry.validators import check_text
from registry.volunteers.models import Station

MAX_PRICE = 1_000_000     # points for one item (a bag of rice is ~90)
MAX_STOCK = 1_000_000     # pieces on one shelf
MAX_QUANTITY = 1_000      # pieces in one redemption or … one restock below MAX_STOCK


def whole_number(value: Any, field: str, label: str, low: int, high: int) -> int:
    """An integer within [low, high] from a form or JSON value (text digits allowed)."""
    if isinstance(value, bool):
        raise ValidationFailed(_("%(label)s必须是整数", label=label), field)
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 12 or not text.lstrip("-").isdigit():
            raise ValidationFailed(_("%(label)s必须是整数", label=label), field)
        value = int(text)
    if not isinstance(value, int):
        raise ValidationFailed(_("%(label)s必须是整数", label=label), field)
    if value < low:
        raise ValidationFailed(_("%(label)s不能小于 %(low)s", label=label, low=low), field)
    if value > high:
        raise ValidationFailed(_(
            "%(label)s不能大于 %(high)s", label=label, high=format(high, ",")), field)
    return value


def station_of(user) -> Station:
    """The station a station admin runs (their township's); NotAllowed for anyone else."""
    if user is None or user.role != STATION_ADMIN:
        raise NotAllowed(_("只有志愿服务站管理员可以管理积分超市"))
    station = db.session.scalar(select(Station).where(Station.township_code == user.region_code))
    if station is None:
        raise NotAllowed(_("您所在的乡镇（街道）还没有志愿服务站，不能开设积分超市"))
    return station


def store_of_station(station: Station) -> PointsStore:
    """The station's store, opened on first use (named after the station)."""
    store = db.session.scalar(select(PointsStore).where(PointsStore.station_id == station.id))
    if store is None:
        store = PointsStore(station_id=station.id, township_code=station.township_code,
                            name=_(
                                "%(name)s积分超市",
                                name=station.name), address=station.address or "")
        db.session.add(store)
        db.session.flush()
    return store


def my_store(user) -> PointsStore:
    return store_of_station(station_of(user))


def _item_fields(data: dict, *, creating: bool) -> dict:
    errors = FieldErrors()
    name = errors.check(check_text, data.get("name"), "name", _("商品名称"), max_length=100)
    description = errors.check(check_text, data.get("description"), "description", _("说明"),
                               required=False, max_length=500)
    price = errors.check(whole_number, data.get("points_price"), "points_price", _("所需积分"),
                         1, MAX_PRICE)
    stock = 0
    if creating:
        raw = data.get("stock")
        stock = errors.check(whole_number, 0 if raw in (None, "") else raw, "stock",
                             _("初始库存"), 0, MAX_STOCK)
    errors.raise_if_any()
    return {"name": name, "description": description or "", "points_price": price,
            "stock": stock}


def create_item(user, data: dict) -> StoreItem:
    """A new item in the admin's own store; its initial stock is recorded as a restock."""
    store = my_store(user)
    fields = _item_fields(data, creating=True)
    stock = fields.pop("stock")
    item = StoreItem(store_id=store.id, township_code=store.township_code, stock=0,
                     created_by=user.id, **fields)
    db.session.add(item)
    db.session.flush()
    if stock:
        restock(user, item, stock, _("初始库存"))
    return item


def update_item(user, item: StoreItem, data: dict) -> StoreItem:
    """Change an item's name, description or price (stock only moves by restocking and
    redemptions); `active` takes it off or back on the shelf."""
    _check_own(user, item)
    fields = _item_fields(data, creating=False)
    item.name, item.description = fields["name"], fields["description"]
    item.points_price = fields["points_price"]
    if "active" in data:
        item.active = bool(data["active"])
    db.session.flush()
    return item


def _check_own(user, item: StoreItem) -> None:
    if station_of(user).township_code != item.township_code:
        raise NotAllowed(_("只能管理本站积分超市的商品"))


def restock(user, item: StoreItem, quantity: Any, memo: str = "") -> StoreRestock:
    """Put `quantity` more on the shelf: one guarded UPDATE and a StoreRestock row (who, how
    many, the stock after)."""
    _check_own(user, item)
    errors = FieldErrors()
    quantity = errors.check(whole_number, quantity, "quantity", _("补货数量"), 1, MAX_STOCK)
    memo = errors.check(check_text, memo, "memo", _("备注"), required=False, max_length=200)
    errors.raise_if_any()
    table = StoreItem.__table__
    after = db.session.execute(
        update(table).where(table.c.id == item.id, table.c.stock + quantity <= MAX_STOCK)
        .values(stock=table.c.stock + quantity).returning(table.c.stock)).scalar_one_or_none()
    if after is None:
        raise ValidationFailed(_(
            "补货后库存不能超过 %(MAX_STOCK)s", MAX_STOCK=format(MAX_STOCK, ",")), "quantity")
    row = StoreRestock(item_id=item.id, township_code=item.township_code, quantity=quantity,
                       stock_after=after, memo=memo or "", created_by=user.id)
    db.session.add(row)
    db.session.flush()
    db.session.refresh(item, ["stock"])
    return row


_STOCK = StoreItem.__table__.c.stock
_TAKEN = bindparam("quantity", type_=Integer)
TAKE_STOCK = (update(StoreItem.__table__)  # built once: building costs more than sending it
              .where(StoreItem.__table__.c.id == bindparam("item"), _STOCK >= _TAKEN)
              .values(stock=_STOCK - _TAKEN).returning(_STOCK))


def take_stock(item: StoreItem, quantity: int) -> int:
    """Take quantity off the shelf: UPDATE … WHERE stock >= quantity (the row lock on
    PostgreSQL, the write lock on SQLite: two takers never both get the last piece; CHECK
    stock >= 0 backs it). Conflict (409) when too few are left; returns the stock after."""
    table = StoreItem.__table__
    after = db.session.execute(TAKE_STOCK, {"item": item.id, "quantity": quantity}
                               ).scalar_one_or_none()
    if after is None:
        left = db.session.scalar(select(table.c.stock).where(table.c.id == item.id))
        raise Conflict(_(
            "库存不足：“%(name)s”还剩 %(left)s 件，需要 %(quantity)s 件",
            name=item.name, left=left, quantity=quantity), "quantity")
    return after


def put_back(item_id: int, quantity: int) -> None:
    """A cancelled redemption's goods back on the shelf."""
    db.session.execute(update(StoreItem).where(StoreItem.id == item_id)
                       .values(stock=StoreItem.stock + quantity)
                       .execution_options(synchronize_session="fetch"))


def stores_stmt():
    return select(PointsStore).order_by(PointsStore.id.desc())


def items_stmt(store_id: int | None = None, *, active_only: bool = True):
    stmt = select(StoreItem)
    if store_id is not None:
        stmt = stmt.where(StoreItem.store_id == store_id)
    if active_only:
        stmt = stmt.where(StoreItem.active.is_(True))
    return stmt.order_by(StoreItem.id.desc())


def restocks_stmt(item: StoreItem):
    return (select(StoreRestock).where(StoreRestock.item_id == item.id)
            .order_by(StoreRestock.id.desc()))


def mismatches():
    """(item id, stock, restocked − redeemed) of every item whose stock differs: the sums by
    the database (GROUP BY), only differing rows sent back."""
    restocked = (select(StoreRestock.item_id, func.sum(StoreRestock.quantity).label("n"))
                 .group_by(StoreRestock.item_id).subquery())
    taken = (select(Redemption.item_id, func.sum(Redemption.quantity).label("n"))
             .where(Redemption.status != "cancelled").group_by(Redemption.item_id).subquery())
    expected = func.coalesce(restocked.c.n, 0) - func.coalesce(taken.c.n, 0)
    stmt = (select(StoreItem.id, StoreItem.stock, expected)
            .outerjoin(restocked, restocked.c.item_id == StoreItem.id)
            .outerjoin(taken, taken.c.item_id == StoreItem.id)
            .where(StoreItem.stock != expected).order_by(StoreItem.id))
    yield from db.session.execute(stmt)
