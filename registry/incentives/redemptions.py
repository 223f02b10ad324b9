"""Redemptions (兑换): reserved (points taken, stock taken) → fulfilled, or cancelled (both
given back, the same Beijing day only); the counter's look-ups (the volunteer's QR code, a
name search) and the receipt.

No overspend and no negative stock: the points leave through ledger.debit / pool_debit (a
guarded UPDATE of the balance row) and the goods through store.take_stock (a guarded UPDATE
of the item row), both in the caller's one transaction: if either refuses (409), the caller
rolls back and nothing has moved. Both orders are fixed (balance row, then item row) so two
transactions never wait on each other in a cycle."""

from datetime import timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from registry.clock import to_local, today_local, utcnow
from registry.errors import Conflict, FieldErrors, NotAllowed, NotFound, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.incentives import households, store
from registry.incentives.models import REDEMPTION_STATUSES, Household, Redemption, StoreItem
from registry.models import STATION_ADMIN, VOLUNTEER
from registry.points import ledger
from registry.points.models import MAX_POINTS
from registry.texts import stored
from registry.validators import check_text
from registry.volunteers.models import Volunteer

CODE_MAX_AGE = timedelta(hours=24)  # a screenshot of the QR is useless the next day


def _ref(redemption: Redemption) -> str:
    return f"rd:{redemption.id}"


def _check_redeemer(user: Any, volunteer: Volunteer, item: StoreItem) -> bool:
    """Who may redeem: the volunteer for themselves (reserved, picked up later), or the
    station admin of the item's store at the counter (fulfilled at once). Returns at_counter."""
    if user is not None and user.role == VOLUNTEER and volunteer.user_id == user.id:
        return False
    if user is not None and user.role == STATION_ADMIN and user.region_code == item.township_code:
        return True
    raise NotAllowed(_("只能为自己兑换，或由该积分超市所在志愿服务站在柜台办理"))


def redeem(user: Any, volunteer: Volunteer, item: StoreItem, quantity: Any, *,
           from_household: bool = False) -> Redemption:
    """Exchange points for quantity pieces of item (any township's store: 通存通兑)."""
    at_counter = _check_redeemer(user, volunteer, item)
    errors = FieldErrors()
    quantity = errors.check(store.whole_number, quantity, "quantity", _("兑换数量"), 1,
                            store.MAX_QUANTITY)
    errors.raise_if_any()
    if volunteer.status != "active":
        raise Conflict(_("%(name)s的志愿者登记尚未通过审核或已暂停，不能兑换", name=volunteer.name))
    if not item.active:
        raise Conflict(_("“%(name)s”已下架，不能兑换", name=item.name), "item_id")
    points = item.points_price * quantity
    if points > MAX_POINTS:
        raise ValidationFailed(_("兑换积分过大"), "quantity")
    household = households.household_of(volunteer) if from_household else None
    if from_household and household is None:
        raise Conflict(_("您还没有加入家庭户，不能使用户积分"), "from_household")
    now = utcnow()
    redemption = Redemption(
        volunteer_id=volunteer.id, household_id=household.id if household else None,
        item_id=item.id, store_id=item.store_id, store_township_code=item.township_code,
        payer_township_code=household.township_code if household else volunteer.township_code,
        item_name=item.name, quantity=quantity, unit_price=item.points_price, points=points,
        balance_after=0, status="reserved", created_at=now, created_by=user.id)
    db.session.add(redemption)
    db.session.flush()
    memo = f"{item.name} × {quantity}（{item.store.name}）"
    if household is not None:
        entry = ledger.pool_debit(household.id, household.township_code, points, "redeem", memo,
                                  _ref(redemption), by=user, member_id=volunteer.id,
                                  new_ref=True)
    else:
        entry = ledger.debit(volunteer, points, "redeem", memo, _ref(redemption), by=user,
                             new_ref=True)
    stock = store.take_stock(item, quantity)
    set_committed_value(item, "stock", stock)  # what the guarded UPDATE returned
    redemption.balance_after = entry.balance_after
    if at_counter:
        redemption.status, redemption.fulfilled_at, redemption.fulfilled_by = (
            "fulfilled", now, user.id)
    db.session.flush()
    return redemption


def _check_store_admin(user: Any, redemption: Redemption) -> None:
    if user is None or user.role != STATION_ADMIN or \
            user.region_code != redemption.store_township_code:
        raise NotAllowed(_("只有该积分超市所在志愿服务站的管理员可以办理"))


def _move(redemption: Redemption, source: str | tuple, target: str, **values) -> None:
    """Change the status only from what it still is (two clerks at once: one wins, 409)."""
    sources = (source,) if isinstance(source, str) else source
    done = db.session.execute(
        update(Redemption).where(Redemption.id == redemption.id,
                                 Redemption.status.in_(sources))
        .values(status=target, **values)).rowcount
    db.session.refresh(redemption)
    if not done:
        raise Conflict(_(
            "该兑换当前为“%(status_label)s”，不能改为“%(value1)s”",
            status_label=redemption.status_label, value1=REDEMPTION_STATUSES[target]))


def fulfil(user: Any, redemption: Redemption) -> Redemption:
    """The clerk hands the goods over: reserved → fulfilled."""
    _check_store_admin(user, redemption)
    _move(redemption, "reserved", "fulfilled", fulfilled_at=utcnow(), fulfilled_by=user.id)
    return redemption


def cancel(user: Any, redemption: Redemption, reason: str | None = "") -> Redemption:
    """Cancel on the day it was made (Beijing time): the points come back (a `refund` entry)
    and the goods go back on the shelf. The station admin of the store cancels any; the
    volunteer only their own reservation (goods not yet handed over)."""
    own = (user is not None and user.role == VOLUNTEER
           and redemption.volunteer.user_id == user.id)
    if own:
        if redemption.status == "fulfilled":
            raise Conflict(_("已领取的兑换请到积分超市柜台办理退换"))
    else:
        _check_store_admin(user, redemption)
    reason = check_text(reason, "reason", _("取消原因"), required=False, max_length=200) or ""
    if redemption.status == "cancelled":
        raise Conflict(_("该兑换已取消"))
    made_on = to_local(redemption.created_at).date()
    if made_on != today_local():
        raise Conflict(_(
            "只能取消当天的兑换：该兑换办理于 %(made_on)s",
            made_on=format(made_on, "%Y-%m-%d")), "reason")
    _move(redemption, ("reserved", "fulfilled"), "cancelled", cancelled_at=utcnow(),
          cancelled_by=user.id, cancel_reason=reason)
    memo = stored(f"取消兑换 {redemption.item_name} × {redemption.quantity}")
    if redemption.household_id is not None:
        household = db.session.get(Household, redemption.household_id)
        ledger.pool_credit(household.id, household.township_code, redemption.points, "refund",
                           memo, _ref(redemption), by=user, member_id=redemption.volunteer_id)
    else:
        ledger.credit(redemption.volunteer, redemption.points, "refund", memo,
                      _ref(redemption), by=user)
    store.put_back(redemption.item_id, redemption.quantity)
    db.session.flush()
    return redemption


# ---- the counter: who is redeeming -----------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="store-counter")


def member_code(volunteer: Volunteer) -> str:
    """The signed code in a volunteer's 兑换码 QR (their id and the time; no personal data)."""
    return _serializer().dumps(volunteer.id)


def volunteer_from_code(code: str | None) -> Volunteer:
    """The volunteer a scanned code names; ValidationFailed for a forged or stale code."""
    try:
        ident = _serializer().loads(code or "", max_age=CODE_MAX_AGE.total_seconds())
    except SignatureExpired:
        raise ValidationFailed(_("兑换码已过期，请让志愿者刷新“我的积分”页面后重新出示"),
                               "code") from None
    except BadSignature:
        raise ValidationFailed(_("兑换码无效"), "code") from None
    volunteer = db.session.get(Volunteer, ident) if isinstance(ident, int) else None
    if volunteer is None:
        raise ValidationFailed(_("兑换码无效"), "code")
    return volunteer


def search_stmt(user: Any, name: str):
    """Active volunteers of the clerk's own township whose name starts with `name` (people
    from other townships show their QR code: the clerk cannot list them)."""
    name = check_text(name, "q", _("姓名"), max_length=30)
    return (select(Volunteer).where(Volunteer.township_code == user.region_code,
                                    Volunteer.status == "active",
                                    Volunteer.name.startswith(name, autoescape=True))
            .order_by(Volunteer.name, Volunteer.id).limit(20))


# ---- lists ------------------------------------------------------------------------------

def my_redemptions_stmt(volunteer: Volunteer):
    return (select(Redemption).where(Redemption.volunteer_id.between(volunteer.id,
                                                                     volunteer.id))
            .order_by(Redemption.volunteer_id.desc(), Redemption.id.desc()))


def store_redemptions_stmt(township_code: str, status: str | None = None):
    stmt = select(Redemption).where(Redemption.store_township_code == township_code)
    if status in REDEMPTION_STATUSES:
        stmt = stmt.where(Redemption.status == status)
    return stmt.order_by(Redemption.id.desc())


def get_item(item_id: Any) -> StoreItem:
    """An item by id (every store is open to every volunteer); NotFound otherwise."""
    try:
        if isinstance(item_id, bool):
            raise TypeError
        ident = int(item_id)
    except (TypeError, ValueError, OverflowError):
        raise ValidationFailed(_("请选择商品"), "item_id") from None
    # With its store: a redemption's memo names it.
    item = db.session.get(StoreItem, ident, options=[joinedload(StoreItem.store)]) \
        if 0 < ident < 2**31 else None
    if item is None:
        raise NotFound(_("商品不存在"))
    return item
