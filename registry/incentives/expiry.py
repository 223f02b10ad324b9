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
the batch's entries. `expiring_soon` is the same formula with the cutoff 30 days later;
`warn_soon` tells each holder of such points once a month (the message centre).
"""

import calendar
import logging
from datetime import datetime, timedelta

from flask import current_app
from huey import crontab
from sqlalchemy import func, select

from registry import audit, notifications
from registry.clock import to_local, utcnow
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.incentives.models import Household
from registry.jobs import _app as task_app
from registry.jobs import huey
from registry.points import earned_months, ledger
from registry.points.ledger import HOUSEHOLDS, VOLUNTEERS, Balance, Book
from registry.volunteers.models import Volunteer

log = logging.getLogger(__name__)
SOON = timedelta(days=30)
BATCH = 5000  # account ids per round (one transaction each)
EXPIRING = notifications.kind(
    "points_expiring", _l("您有 %(points)s 积分将于 %(until)s 前到期，请及时使用"))
POOL_EXPIRING = notifications.kind(
    "pool_points_expiring",
    _l("您家庭积分账户中有 %(points)s 积分将于 %(until)s 前到期，请及时使用"))


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


def _holders(book: Book, owner_ids: list[int]) -> dict[int, int]:
    """account → the user to tell: a volunteer's own login, a household's head's."""
    if book is VOLUNTEERS:
        stmt = select(Volunteer.id, Volunteer.user_id).where(Volunteer.id.in_(owner_ids))
    else:
        stmt = (select(Household.id, Volunteer.user_id)
                .join(Volunteer, Volunteer.id == Household.head_volunteer_id)
                .where(Household.id.in_(owner_ids)))
    return {owner: user for owner, user in db.session.execute(stmt) if user is not None}


def warn_soon(now: datetime | None = None, batch: int = BATCH) -> int:
    """Tell the holder of every account with points expiring within 30 days, once per account
    and month (notify_once keyed by the cutoff's month); returns how many were told."""
    if months() <= 0:
        return 0
    now = now or utcnow()
    cutoff = months_before(now + SOON, months())
    params = {"until": f"{to_local(now + SOON):%Y-%m-%d}"}
    told = 0
    for book, owner, kind, link in ((VOLUNTEERS, Volunteer, EXPIRING, "/me/points"),
                                    (HOUSEHOLDS, Household, POOL_EXPIRING, "/households/mine")):
        top = db.session.scalar(select(func.max(book.balance.c[book.key]))) or 0
        for low in range(0, top + 1, batch):
            due_here = {owner_id: amount for owner_id, _t, amount, _s, _e in _candidates(
                book, owner, low, low + batch, cutoff)}
            for owner_id, user_id in _holders(book, list(due_here)).items():
                key = f"pts:{book.key}:{owner_id}:{cutoff:%Y%m}"
                if notifications.notify_once(user_id, key, kind,
                                             {**params, "points": due_here[owner_id]}, link):
                    told += 1
            db.session.commit()
    return told


@huey.periodic_task(crontab(hour="2", minute="40"))
def expire_points_daily() -> None:
    """Daily on the job queue: `flask expire-points` (safe to repeat: see the formula)."""
    with task_app().app_context():
        done = run()
        log.info("expired %s points of %s accounts", done["points"], done["accounts"])
