"""Household accounts (户积分), points expiry (oldest first, twice a no-op) and the monthly
通存通兑 settlement, through the operations and `flask expire-points` / `ledger-check`."""

from datetime import date, timedelta

import pytest
from conftest import PASSWORD
from sqlalchemy import select, update
from test_incentives_helpers import make_admin, rich_volunteer, store_with_item

from registry import accounts
from registry.clock import today_local, utcnow
from registry.errors import Conflict, NotAllowed, ValidationFailed
from registry.extensions import db
from registry.incentives import expiry, households, redemptions, settlement
from registry.incentives.models import HouseholdMember
from registry.models import User
from registry.points import ledger
from registry.points.ledger import HOUSEHOLDS
from registry.points.models import HouseholdPointsEntry, PointsLedgerEntry
from registry.points.operations import mismatches, rebuild_summaries


def user_of(username):
    return db.session.scalar(select(User).where(User.username == username))


def family(admin, *points):
    """A household whose head and members have the given points; returns (household, people)."""
    people = [rich_volunteer(p) for p in points]
    household = households.create_household(admin, people[0][0], "王家")
    for volunteer, _ in people[1:]:
        households.add_member(admin, household, volunteer)
    return household, people


def test_members_pool_points_and_redeem_from_the_pool(ctx):
    admin, item = store_with_item(price=30, stock=5)
    household, people = family(admin, 20, 40)
    (head, head_login), (member, member_login) = people
    households.transfer_in(user_of(head_login), head, 20)
    households.transfer_in(user_of(member_login), member, 15)
    assert ledger.pool_balance(household.id).balance == 35
    assert ledger.balance(member).balance == 25
    r = redemptions.redeem(user_of(member_login), member, item, 1, from_household=True)
    assert (r.household_id, r.balance_after) == (household.id, 5)
    with pytest.raises(Conflict):  # the pool has 5 left
        redemptions.redeem(user_of(head_login), head, item, 1, from_household=True)
    redemptions.cancel(admin, r)
    assert ledger.pool_balance(household.id).balance == 35
    kinds = db.session.scalars(select(HouseholdPointsEntry.kind).order_by(
        HouseholdPointsEntry.id)).all()
    assert kinds == ["pool_in", "pool_in", "redeem", "refund"]
    assert list(mismatches()) == [] and list(mismatches(book=HOUSEHOLDS)) == []


def test_a_transfer_beyond_the_balance_moves_nothing(app):
    with app.app_context():
        admin = make_admin()
        household, [(head, login)] = family(admin, 10)
        db.session.commit()
        for bad in (11, 0, -5, 10**12, "many"):
            with pytest.raises((Conflict, ValidationFailed)):
                households.transfer_in(user_of(login), head, bad)
            db.session.rollback()
        assert ledger.balance(head).balance == 10
        assert ledger.pool_balance(household.id).balance == 0


def test_one_household_per_person_and_same_township(ctx):
    admin = make_admin()
    first, [(head, _)] = family(admin, 0)
    second, _ = family(admin, 0)
    with pytest.raises(Conflict):
        households.add_member(admin, second, head)
    with pytest.raises(Conflict):
        households.create_household(admin, head)
    stranger, _ = rich_volunteer(0, township="511302002")
    with pytest.raises((ValidationFailed, NotAllowed)):
        households.add_member(admin, first, stranger)


def test_leaving_is_kept_and_the_head_cannot_leave(ctx):
    admin = make_admin()
    household, [(head, _), (member, member_login)] = family(admin, 0, 0)
    with pytest.raises(Conflict):
        households.leave(admin, household, head)
    households.leave(user_of(member_login), household, member)
    rows = db.session.scalars(select(HouseholdMember).where(
        HouseholdMember.volunteer_id == member.id)).all()
    assert len(rows) == 1 and rows[0].left_at is not None
    assert households.household_of(member) is None
    other, _ = family(admin, 0)
    households.add_member(admin, other, member)  # free to join another one now
    assert households.household_of(member).id == other.id


def test_another_township_admin_cannot_manage_the_household(ctx):
    admin = make_admin()
    household, _ = family(admin, 0)
    foreign = make_admin("511302002")
    newcomer, _ = rich_volunteer(0)
    with pytest.raises(NotAllowed):
        households.add_member(foreign, household, newcomer)


def _backdate(volunteer, days):
    db.session.execute(update(PointsLedgerEntry).where(
        PointsLedgerEntry.volunteer_id == volunteer.id, PointsLedgerEntry.kind == "earn")
        .values(created_at=utcnow() - timedelta(days=days)))
    rebuild_summaries()  # history rewritten behind the ledger: its summaries too


def test_expiry_takes_the_oldest_points_first_and_twice_is_a_no_op(app):
    with app.app_context():
        _, item = store_with_item(price=10, stock=10)
        volunteer, login = rich_volunteer(100, ref="old")
        _backdate(volunteer, 800)                      # 100 points earned > 24 months ago
        ledger.credit(volunteer, 50, "earn", "新积分", "new")
        redemptions.redeem(user_of(login), volunteer, item, 3)   # 30 spent: from the old ones
        db.session.commit()
        assert expiry.expiring_soon(volunteer) == 70
        result = app.test_cli_runner().invoke(args=["expire-points"])
        assert result.exit_code == 0, result.output
        bal = ledger.balance(volunteer)
        assert (bal.balance, bal.expired) == (50, 70)  # the 50 recent points stay
        assert app.test_cli_runner().invoke(args=["expire-points"]).exit_code == 0
        assert ledger.balance(volunteer).balance == 50
        expires = db.session.scalars(select(PointsLedgerEntry.points).where(
            PointsLedgerEntry.kind == "expire")).all()
        assert expires == [-70]
        assert app.test_cli_runner().invoke(args=["ledger-check"]).exit_code == 0


def test_nothing_expires_before_its_time_or_when_disabled(app):
    with app.app_context():
        volunteer, _ = rich_volunteer(40)
        _backdate(volunteer, 700)   # ~23 months: expires within 30 days
        db.session.commit()
        assert expiry.expiring_soon(volunteer) == 40
        assert expiry.run()["points"] == 0
        _backdate(volunteer, 760)
        app.config["POINTS_EXPIRY_MONTHS"] = 0
        assert expiry.run()["points"] == 0 and expiry.expiring_soon(volunteer) == 0
        app.config["POINTS_EXPIRY_MONTHS"] = 24
        assert expiry.run()["points"] == 40


def test_a_household_pool_expires_too(app):
    with app.app_context():
        admin = make_admin()
        household, [(head, login)] = family(admin, 30)
        households.transfer_in(user_of(login), head, 30)
        db.session.execute(update(HouseholdPointsEntry).values(
            created_at=utcnow() - timedelta(days=800)))
        rebuild_summaries()  # history rewritten behind the ledger: its summaries too
        db.session.commit()
        assert expiry.run()["points"] == 30
        assert ledger.pool_balance(household.id).balance == 0
        assert app.test_cli_runner().invoke(args=["ledger-check"]).exit_code == 0


def test_months_before_keeps_the_day_within_the_month():
    from datetime import datetime
    assert expiry.months_before(datetime(2026, 3, 31, 5), 1) == datetime(2026, 2, 28, 5)
    assert expiry.months_before(datetime(2026, 1, 15), 24) == datetime(2024, 1, 15)


def test_the_settlement_pairs_stores_with_earning_townships(ctx):
    _, rice = store_with_item("511302001", price=10, stock=50)
    _, soap = store_with_item("511302002", price=5, stock=50, name="肥皂")
    local, l_login = rich_volunteer(100, township="511302001")
    visitor, v_login = rich_volunteer(100, township="511302002")
    redemptions.redeem(user_of(l_login), local, rice, 2)      # 20 at home
    redemptions.redeem(user_of(v_login), visitor, rice, 3)    # 30 across townships
    redemptions.redeem(user_of(l_login), local, soap, 4)      # 20 across townships
    cancelled = redemptions.redeem(user_of(v_login), visitor, soap, 1)
    redemptions.cancel(user_of(v_login), cancelled)
    city, _ = accounts.create_user("settle-city", PASSWORD, "city_official", "511300", "市")
    today = today_local()
    table = settlement.monthly(city, date(today.year, today.month, 1))
    assert table.pairs == [("511302001", "511302001", 20, 1, 2),
                           ("511302001", "511302002", 30, 1, 3),
                           ("511302002", "511302001", 20, 1, 4)]
    assert table.townships == [("511302001", 50, 40, 10), ("511302002", 20, 30, -10)]
    last_year = settlement.monthly(city, date(today.year - 1, today.month, 1))
    assert last_year.pairs == []
    with pytest.raises(ValidationFailed):
        settlement.parse_month("2026-13")
    with pytest.raises(NotAllowed):
        settlement.monthly(make_admin(), table.month)
