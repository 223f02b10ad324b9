"""The 积分超市: items, restocking, redemptions (reserve, fulfil, cancel), no overspend and no
negative stock, the same-day cancellation, the counter's QR code, through the operations."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from test_incentives_helpers import make_volunteer, rich_volunteer, store_with_item

from registry.errors import Conflict, NotAllowed, ValidationFailed
from registry.extensions import db
from registry.incentives import redemptions, store
from registry.incentives.models import Redemption, StoreItem, StoreRestock
from registry.models import User
from registry.points import ledger
from registry.points.models import PointsLedgerEntry
from registry.points.operations import mismatches


def user_of(username):
    return db.session.scalar(select(User).where(User.username == username))


def entries(volunteer):
    return db.session.scalar(select(func.count()).select_from(PointsLedgerEntry).where(
        PointsLedgerEntry.volunteer_id == volunteer.id))


def test_an_item_needs_a_positive_price_and_a_stock_not_below_zero(ctx):
    admin, item = store_with_item()
    for bad in ({"points_price": 0}, {"points_price": -5}, {"points_price": 10**12},
                {"points_price": "abc"}, {"stock": -1}, {"stock": 10**15}, {"name": ""}):
        data = {"name": "洗衣液", "points_price": 10, "stock": 3, **bad}
        with pytest.raises(ValidationFailed) as caught:
            store.create_item(admin, data)
        assert caught.value.fields and caught.value.status == 422
    assert item.stock == 5
    restocks = db.session.scalars(select(StoreRestock)).all()
    assert [(r.quantity, r.stock_after, r.created_by) for r in restocks] == [(5, 5, admin.id)]


def test_restocking_records_who_and_how_many(ctx):
    admin, item = store_with_item(stock=0)
    row = store.restock(admin, item, 7, "爱心企业捐赠")
    assert (row.quantity, row.stock_after, row.created_by, item.stock) == (7, 7, admin.id, 7)
    for bad in (0, -3, 10**9, "7x"):
        with pytest.raises(ValidationFailed):
            store.restock(admin, item, bad)
    assert db.session.get(StoreItem, item.id).stock == 7


def test_another_township_admin_cannot_manage_the_item(ctx):
    _, item = store_with_item("511302001")
    other, _ = store_with_item("511302002", name="牙膏")
    with pytest.raises(NotAllowed):
        store.restock(other, item, 3)


def test_a_reservation_takes_points_and_stock_and_fulfils(ctx):
    admin, item = store_with_item(price=10, stock=5)
    volunteer, username = rich_volunteer(50)
    r = redemptions.redeem(user_of(username), volunteer, item, 2)
    assert (r.status, r.points, r.balance_after, item.stock) == ("reserved", 20, 30, 3)
    assert ledger.balance(volunteer).balance == 30 and ledger.balance(volunteer).spent == 20
    redemptions.fulfil(admin, r)
    assert r.status == "fulfilled" and r.fulfilled_by == admin.id
    with pytest.raises(Conflict):
        redemptions.fulfil(admin, r)


@pytest.mark.parametrize("quantity, points, why", [(6, 1000, "stock"), (3, 25, "points")])
def test_not_enough_stock_or_points_moves_nothing(app, quantity, points, why):
    with app.app_context():
        _, item = store_with_item(price=10, stock=5)
        volunteer, username = rich_volunteer(points)
        db.session.commit()
        before = entries(volunteer)
        with pytest.raises(Conflict) as caught:
            redemptions.redeem(user_of(username), volunteer, item, quantity)
        assert caught.value.status == 409
        db.session.rollback()
        assert db.session.get(StoreItem, item.id).stock == 5
        assert ledger.balance(volunteer).balance == points
        assert entries(volunteer) == before
        assert db.session.scalar(select(func.count()).select_from(Redemption)) == 0


@pytest.mark.parametrize("quantity", [0, -1, 10**6, "2.5", None, True])
def test_bad_quantities_are_refused(ctx, quantity):
    _, item = store_with_item()
    volunteer, username = rich_volunteer(100)
    with pytest.raises(ValidationFailed):
        redemptions.redeem(user_of(username), volunteer, item, quantity)
    assert ledger.balance(volunteer).balance == 100


def test_cancelling_the_same_day_gives_points_and_stock_back(ctx):
    admin, item = store_with_item(price=10, stock=5)
    volunteer, username = rich_volunteer(50)
    r = redemptions.redeem(admin, volunteer, item, 2)  # at the counter: fulfilled at once
    assert r.status == "fulfilled"
    redemptions.cancel(admin, r, "拿错了")
    assert (r.status, item.stock) == ("cancelled", 5)
    db.session.expire_all()
    assert db.session.get(StoreItem, item.id).stock == 5
    bal = ledger.balance(volunteer)
    assert (bal.balance, bal.spent) == (50, 0)
    kinds = db.session.scalars(select(PointsLedgerEntry.kind).where(
        PointsLedgerEntry.volunteer_id == volunteer.id).order_by(PointsLedgerEntry.id)).all()
    assert kinds == ["earn", "redeem", "refund"]
    with pytest.raises(Conflict):
        redemptions.cancel(admin, r)
    assert list(mismatches()) == [] and list(store.mismatches()) == []


def test_another_days_redemption_cannot_be_cancelled(ctx):
    admin, item = store_with_item(price=10, stock=5)
    volunteer, username = rich_volunteer(50)
    r = redemptions.redeem(user_of(username), volunteer, item, 1)
    r.created_at -= timedelta(days=1)
    db.session.flush()
    with pytest.raises(Conflict) as caught:
        redemptions.cancel(admin, r)
    assert "当天" in caught.value.message
    assert ledger.balance(volunteer).balance == 40 and r.status == "reserved"


def test_a_volunteer_cancels_only_their_own_reservation(ctx):
    admin, item = store_with_item(price=10, stock=5)
    volunteer, username = rich_volunteer(50)
    _, other = rich_volunteer(50)
    r = redemptions.redeem(user_of(username), volunteer, item, 1)
    with pytest.raises(NotAllowed):
        redemptions.cancel(user_of(other), r)
    redemptions.cancel(user_of(username), r)
    assert ledger.balance(volunteer).balance == 50
    r2 = redemptions.redeem(admin, volunteer, item, 1)
    with pytest.raises(Conflict):  # handed over: only the counter takes it back
        redemptions.cancel(user_of(username), r2)


def test_any_township_store_takes_points_earned_elsewhere(ctx):
    _, item = store_with_item("511302002", price=10, stock=5)
    volunteer, username = rich_volunteer(30, township="511302001")
    r = redemptions.redeem(user_of(username), volunteer, item, 2)
    assert (r.store_township_code, r.payer_township_code) == ("511302002", "511302001")
    assert ledger.balance(volunteer).balance == 10


def test_only_the_volunteer_or_the_store_counter_redeems(ctx):
    _, item = store_with_item("511302001")
    other_admin, _ = store_with_item("511302002", name="毛巾")
    volunteer, _ = rich_volunteer(100)
    _, stranger = rich_volunteer(100)
    with pytest.raises(NotAllowed):
        redemptions.redeem(user_of(stranger), volunteer, item, 1)
    with pytest.raises(NotAllowed):
        redemptions.redeem(other_admin, volunteer, item, 1)


def test_the_counter_code_names_the_volunteer_and_cannot_be_forged(ctx):
    volunteer, _ = make_volunteer()
    code = redemptions.member_code(volunteer)
    assert redemptions.volunteer_from_code(code).id == volunteer.id
    for bad in ("", "x", code[:-2] + "zz", None):
        with pytest.raises(ValidationFailed):
            redemptions.volunteer_from_code(bad)


def test_an_inactive_item_or_volunteer_cannot_redeem(ctx):
    admin, item = store_with_item()
    volunteer, username = rich_volunteer(100)
    store.update_item(admin, item, {"name": item.name, "points_price": 10, "active": False})
    with pytest.raises(Conflict):
        redemptions.redeem(user_of(username), volunteer, item, 1)
    item.active = True
    volunteer.status = "suspended"
    with pytest.raises(Conflict):
        redemptions.redeem(user_of(username), volunteer, item, 1)


def test_the_schema_refuses_a_negative_balance_or_stock(app):
    with app.app_context():
        _, item = store_with_item()
        volunteer, _ = rich_volunteer(5)
        db.session.commit()
        from sqlalchemy import update
        from sqlalchemy.exc import IntegrityError

        from registry.points.models import PointsBalance
        for stmt in (update(StoreItem).where(StoreItem.id == item.id).values(stock=-1),
                     update(PointsBalance).where(PointsBalance.volunteer_id == volunteer.id)
                     .values(balance=-1)):
            with pytest.raises(IntegrityError):
                db.session.execute(stmt)
                db.session.flush()
            db.session.rollback()
