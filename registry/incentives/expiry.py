"""Points expiry: points expire POINTS_EXPIRY_MONTHS after they were earned (0 = never),
oldest first; `flask expire-points` and a daily job on the queue append `expire` entries.

The rule, per account (a volunteer's, or a household pool's), with FIFO spending:
    cutoff  = now − POINTS_EXPIRY_MONTHS
    old     = Σ points of the account's earning entries (kinds counting towards `earned`:
              earn, adjust, reverse, …; a pool's transfers in) created before cutoff
    used    = spent + expired       (the balance row: every redemption, transfer out and
                                     earlier expiry, net of refunds)
    expires = min(balance, max(0, old − used))
Spending consumes the oldest points first, so of the points earned before the cutoff what
is left is `old − used` (if positive): everything spent so far came out of them first. After
an `expire` entry of that amount, `used` grows by it, so the same cutoff gives 0: running
twice appends nothing. Nothing is ever updated but the balance row (guarded); old entries
stay as they are.

Set-based: per range of account ids, one GROUP BY over the entries older than the cutoff
(the (account, created_at) index) joined to the balance rows; Python only sees the accounts
that expire something (never the entries), and each is written off by ledger.expire (a
guarded UPDATE that skips an account whose spending changed meanwhile) and one bulk INSERT of
the batch's entries. `expiring_soon` is the same formula with the cutoff 30 days later.
"""

import calendar
import logging
from datetime import datetime, timedelta

from flask import current_app
from huey import crontab
from sqlalchemy import func, select

from registry import audit
from registry.clock import utcnow
from registry.extensions import db
from registry.i18n import gettext as _
from registry.incentives.models import Household
from registry.jobs import _app as task_app
from registry.jobs import huey
from registry.points import earned_months, ledger
from registry.points.ledger import HOUSEHOLDS, VOLUNTEERS, Balance, Book
from registry.volunteers.models import Volunteer

log = logging.getLogger(__name__)
SOON = timedelta(days=30)
BATCH = 5000  # account ids per round (one transaction each)


def months() -> int:
    return int(current_app.config["POINTS_EXPIRY_MONTHS"])


def months_before(moment: datetime, count: int) -> datetime:
    """The same day and time `count` calendar months earlier (the 31st → the month's last)."""
    year, month0 = divmod(moment.year * 12 + moment.month - 1 - count, 12)
    day = min(moment.day, calendar.monthrange(year, month0 + 1)[1])
    return moment.replace(year=year, month=month0 + 1, day=day)


def _old_points(book: Book, owner_id: int, cutoff: datetime) -> int:
    if book is VOLUNTEERS:  # a few dozen monthly sums (earned_months), not every entry
        return earned_months.earned_before(owner_id, cutoff, ledger.earning_kinds(book))
    e = book.entry
    key = getattr(e, book.key)
    return db.session.scalar(
        select(func.coalesce(func.sum(e.points), 0)).where(
            key == owner_id, e.created_at < cutoff, e.kind.in_(ledger.earning_kinds(book)))) or 0


def due(book: Book, owner_id: int, balance: Balance, cutoff: datetime) -> int:
    """Points of the account that have expired by `cutoff` (see the module's formula)."""
    if balance.balance <= 0:
        return 0
    old = _old_points(book, owner_id, cutoff)
    return min(balance.balance, max(0, old - balance.spent - balance.expired))


def expiring_soon(volunteer: Volunteer, now: datetime | None = None,
                  balance: ledger.Balance | None = None) -> int:
    """Points of the volunteer that expire within 30 days (those already due included);
    balance: the volunteer's balance if the caller has just read it."""
    if months() <= 0:
        return 0
    now = now or utcnow()
    if balance is None:
        balance = ledger.balance(volunteer)
    return due(VOLUNTEERS, volunteer.id, balance, months_before(now + SOON, months()))


def pool_expiring_soon(household: Household, now: datetime | None = None,
                       balance: ledger.Balance | None = None) -> int:
    if months() <= 0:
        return 0
    now = now or utcnow()
    if balance is None:
        balance = ledger.pool_balance(household.id)
    return due(HOUSEHOLDS, household.id, balance, months_before(now + SOON, months()))


def _candidates(book: Book, owner, low: int, high: int, cutoff: datetime):
    """(account, township, amount, spent, expired) of the accounts in [low, high) that have
    points to expire: one aggregate over their old entries, joined to their balance rows."""
    e, b = book.entry, book.balance
    key = getattr(e, book.key)
    old = (select(key.label("owner"), func.sum(e.points).label("old"))
           .where(key >= low, key < high, e.created_at < cutoff,
                  e.kind.in_(ledger.earning_kinds(book)))
           .group_by(key).subquery())
    left = old.c.old - b.c.spent - b.c.expired
    stmt = (select(b.c[book.key], owner.township_code, b.c.balance, left, b.c.spent,
                   b.c.expired)
            .join(old, old.c.owner == b.c[book.key])
            .join(owner, owner.id == b.c[book.key])
            .where(b.c.balance > 0, left > 0)
            .order_by(b.c[book.key]))
    for owner_id, township, balance, rest, spent, expired in db.session.execute(stmt):
        yield owner_id, township, min(balance, rest), spent, expired


def run(now: datetime | None = None, batch: int = BATCH) -> dict:
    """Expire what is due, every account, in rounds of `batch` account ids (each committed).
    Returns {"accounts", "points", "skipped", "cutoff"}."""
    result = {"accounts": 0, "points": 0, "skipped": 0, "cutoff": None}
    if months() <= 0:
        return result
    now = now or utcnow()
    cutoff = months_before(now, months())
    result["cutoff"] = cutoff
    memo = _(
        "%(cutoff)s 前获得的积分已满 %(value1)s 个月，按先到期先扣除",
        cutoff=format(cutoff, "%Y-%m-%d"), value1=months())
    for book, owner in ((VOLUNTEERS, Volunteer), (HOUSEHOLDS, Household)):
        top = db.session.scalar(select(func.max(book.balance.c[book.key]))) or 0
        for low in range(0, top + 1, batch):
            rows = []
            for owner_id, township, amount, spent, expired in _candidates(
                    book, owner, low, low + batch, cutoff):
                ref = f"exp:{cutoff:%Y%m%d}:{owner_id}"
                row = ledger.expire(book, owner_id, township, amount, spent, expired, ref, memo)
                if row is None:
                    result["skipped"] += 1
                    continue
                rows.append(row)
                result["points"] += amount
            ledger.append_expiries(book, rows)
            result["accounts"] += len(rows)
            db.session.commit()
    audit.record("expire_points", object_type="PointsLedgerEntry",
                 comment=f"积分过期：{result['accounts']} 个账户共 {result['points']} 分"
                         f"（{cutoff:%Y-%m-%d} 前获得）",
                 changes={"accounts": result["accounts"], "points": result["points"]})
    db.session.commit()
    return result


@huey.periodic_task(crontab(hour="2", minute="40"))
def expire_points_daily() -> None:
    """Daily on the job queue: `flask expire-points` (safe to repeat: see the formula)."""
    with task_app().app_context():
        done = run()
        log.info("expired %s points of %s accounts", done["points"], done["accounts"])
