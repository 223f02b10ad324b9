"""The points ledger: append-only entries, the balance row, refusals, ledger-check."""

import pytest
from sqlalchemy import select, text, update
from test_activities_helpers import make_volunteer

from registry.audit import AppendOnlyError
from registry.errors import Conflict, ValidationFailed
from registry.extensions import db
from registry.points import ledger
from registry.points import operations as points
from registry.points.models import PointsBalance, PointsLedgerEntry


def test_credit_debit_balance(ctx):
    volunteer, _ = make_volunteer()
    assert ledger.balance(volunteer) == ledger.Balance(0, 0, 0, 0)
    first = ledger.credit(volunteer, 30, "earn", "服务", ref="service:1")
    second = ledger.credit(volunteer, 5, "adjust", "更正", ref="correction:1")
    third = ledger.debit(volunteer, 8, "reverse", "冲减", ref="correction:2")
    assert (first.balance_after, second.balance_after, third.balance_after) == (30, 35, 27)
    assert third.points == -8
    assert ledger.balance(volunteer) == ledger.Balance(balance=27, earned=27, spent=0, expired=0)
    assert list(points.mismatches()) == []


def test_debit_refuses_below_zero_and_moves_nothing(ctx):
    volunteer, _ = make_volunteer()
    ledger.credit(volunteer, 10, "earn", ref="service:9")
    with pytest.raises(Conflict) as error:
        ledger.debit(volunteer, 11, "reverse", ref="correction:9")
    assert "余额不足" in error.value.message
    assert ledger.balance(volunteer).balance == 10
    assert db.session.scalar(select(db.func.count()).select_from(PointsLedgerEntry)) == 1


@pytest.mark.parametrize("points", [0, -5, 1.5, "10", True, None, 10**10])
def test_points_must_be_positive_integers(ctx, points):
    volunteer, _ = make_volunteer()
    with pytest.raises(ValidationFailed):
        ledger.credit(volunteer, points, "earn")


def test_same_source_posts_once(ctx):
    volunteer, _ = make_volunteer()
    ledger.credit(volunteer, 10, "earn", ref="service:5")
    with pytest.raises(Conflict):
        ledger.credit(volunteer, 10, "earn", ref="service:5")
    assert ledger.balance(volunteer).balance == 10


def test_entries_are_append_only(ctx):
    volunteer, _ = make_volunteer()
    entry = ledger.credit(volunteer, 10, "earn", ref="service:6")
    db.session.commit()
    entry.points = 1000
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(PointsLedgerEntry, entry.id))
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()


def test_mismatches_found(ctx):
    good, _ = make_volunteer()
    bad, _ = make_volunteer()
    ledger.credit(good, 10, "earn", ref="service:1")
    ledger.credit(bad, 10, "earn", ref="service:2")
    db.session.execute(text("UPDATE points_balance SET balance = 99 WHERE volunteer_id = :v"),
                       {"v": bad.id})
    found = list(points.mismatches())
    assert found == [(bad.id, (99, 10, 0, 0), (10, 10, 0, 0))]


def test_ledger_check_command(app):
    with app.app_context():
        volunteer, _ = make_volunteer()
        ledger.credit(volunteer, 12, "earn", ref="service:1")
        db.session.commit()
        vid = volunteer.id
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ledger-check"])
    assert result.exit_code == 0, result.output
    assert "一致" in result.output
    with app.app_context():
        db.session.execute(text("UPDATE points_balance SET earned = 1 WHERE volunteer_id = :v"),
                           {"v": vid})
        db.session.commit()
    result = runner.invoke(args=["ledger-check"])
    assert result.exit_code == 1
    assert str(vid) in result.output


def test_balance_row_created_once(ctx):
    volunteer, _ = make_volunteer()
    ledger.credit(volunteer, 1, "earn", ref="a")
    ledger.credit(volunteer, 1, "earn", ref="b")
    assert db.session.scalar(select(db.func.count()).select_from(PointsBalance)) == 1


def test_seed_ledger_and_activities(app):
    with app.app_context():
        from test_activities_helpers import make_station

        make_station("511302001")
        make_volunteer()
        db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-ledger", "--entries", "300", "--others", "50"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["ledger-check"]).exit_code == 0
    result = runner.invoke(args=["seed-ledger", "--entries", "10", "--others", "0"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["ledger-check"]).exit_code == 0
    with app.app_context():
        # Each entry's balance_after is the running sum of its volunteer's entries (on
        # PostgreSQL the rows are made by SQL, elsewhere by Python: the same rows).
        running: dict[int, int] = {}
        entries = db.session.execute(select(PointsLedgerEntry.volunteer_id,
                                            PointsLedgerEntry.points,
                                            PointsLedgerEntry.balance_after)
                                     .order_by(PointsLedgerEntry.id)).all()
        assert len(entries) == 360
        for volunteer_id, points, balance_after in entries:
            running[volunteer_id] = running.get(volunteer_id, 0) + points
            assert balance_after == running[volunteer_id]
    with app.app_context():
        from registry.activities.bulk import seed_activities
        from registry.activities.models import Activity

        assert "新增 40 个活动" in seed_activities(40)
        db.session.commit()
        assert db.session.scalar(select(db.func.count()).select_from(Activity)) == 40


def test_idempotency_purge(app):
    from datetime import timedelta

    from registry.clock import utcnow
    from registry.idempotency import IdempotencyRecord

    with app.app_context():
        volunteer, username = make_volunteer()
        user_id = volunteer.user_id
        db.session.add_all([
            IdempotencyRecord(user_id=user_id, key="old", request_hash="x",
                              created_at=utcnow() - timedelta(days=30)),
            IdempotencyRecord(user_id=user_id, key="new", request_hash="x")])
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["idempotency-purge", "--days", "7"])
    assert result.exit_code == 0 and "1 条" in result.output
    with app.app_context():
        keys = list(db.session.scalars(select(IdempotencyRecord.key)))
        assert keys == ["new"]


def test_ledger_check_proves_the_monthly_summary(app):
    """The summary officials' statistics read must equal the entries of each month: a row
    changed behind the ledger's back, or one with no entries, fails ledger-check."""
    with app.app_context():
        from test_activities_helpers import make_station

        from registry.points.models import PointsMonthStats

        make_station("511302001")
        make_volunteer()
        db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-ledger", "--entries", "40", "--others", "0"]).exit_code == 0
    assert runner.invoke(args=["ledger-check"]).exit_code == 0
    with app.app_context():
        months = db.session.scalar(select(db.func.count()).select_from(PointsMonthStats))
        assert months > 12  # the entries are spread over three years
        row = db.session.scalars(select(PointsMonthStats)).first()
        row.issued += 1
        db.session.add(PointsMonthStats(township_code="511302002", month=202001, issued=5,
                                        redeemed=0, expired=0))
        db.session.commit()
    result = runner.invoke(args=["ledger-check"])
    assert result.exit_code == 1
    assert result.output.count("月度汇总") >= 2


def test_earnings_before_a_cutoff_come_from_the_monthly_sums(ctx):
    """What expiry reads (points earned before a cutoff) is the same from the per-month
    earnings as from the entries, wherever the cutoff falls; every earning entry keeps them
    and ledger-check's check finds a wrong month."""
    from datetime import datetime

    from registry.points import earned_months
    from registry.points.ledger import VOLUNTEERS, earning_kinds

    volunteer, _ = make_volunteer()
    other, _ = make_volunteer()
    kinds = earning_kinds(VOLUNTEERS)
    times = [datetime(2024, 1, 31, 23, 59), datetime(2024, 2, 1, 0, 0),
             datetime(2024, 2, 15, 12), datetime(2024, 2, 29, 23), datetime(2024, 3, 1, 8)]
    for n, moment in enumerate(times):
        entry = ledger.credit(volunteer, 10 + n, "earn", ref=f"service:{n}")
        db.session.execute(update(PointsLedgerEntry).where(PointsLedgerEntry.id == entry.id)
                           .values(created_at=moment))
    ledger.debit(volunteer, 3, "reverse", ref="correction:1")  # now: a negative earning
    ledger.credit(other, 99, "earn", ref="service:other")
    assert list(earned_months.mismatches(kinds))  # history rewritten behind the ledger
    points.rebuild_summaries()
    assert list(earned_months.mismatches(kinds)) == []
    for cutoff in [*times, datetime(2024, 2, 15, 11, 59), datetime(2023, 12, 1),
                   datetime(2030, 1, 1)]:
        e = PointsLedgerEntry
        raw = db.session.scalar(select(db.func.coalesce(db.func.sum(e.points), 0)).where(
            e.volunteer_id == volunteer.id, e.created_at < cutoff))
        assert earned_months.earned_before(volunteer.id, cutoff, kinds) == raw, cutoff
    ledger.credit(volunteer, 7, "earn", ref="service:later")  # the write path keeps them
    assert list(earned_months.mismatches(kinds)) == []
    db.session.execute(text("UPDATE points_earned_month SET earned = earned + 1 "
                            "WHERE volunteer_id = :v"), {"v": other.id})
    assert [(v, stored - summed) for v, _, stored, summed in
            earned_months.mismatches(kinds)] == [(other.id, 1)]
