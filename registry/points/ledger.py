"""The points ledger: entries are only ever appended; one balance row per volunteer.

Every change of a volunteer's points is one PointsLedgerEntry (signed points, the balance
after it, a memo and a source reference) and one guarded UPDATE of their PointsBalance in
the same transaction. The balance row is what pages read (fast); `flask ledger-check`
proves it equals the sum of the entries.

Kinds and the balance column they count towards (the incentives area adds its own kinds to
KIND_BUCKETS: redeem/refund/transfer → spent, expire → expired):
  earn     +  points for confirmed service
  adjust   +  a correction that adds points
  reverse  -  a correction that takes points back
`(kind, ref)` is unique, so the same source can never post the same kind twice.
A household's pool (户积分) is a second book of the same shape (HouseholdPointsEntry,
HouseholdBalance), written here too: `pool_credit`, `pool_debit`, `transfer_to_pool`.
"""

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import DateTime, Integer, Table, Update, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from registry.clock import utcnow
from registry.errors import Conflict, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.points import earned_months, month_stats
from registry.points.models import (
    KIND_BUCKETS,
    KIND_LABELS,
    MAX_POINTS,
    POOL_KIND_BUCKETS,
    POOL_KIND_LABELS,
    HouseholdBalance,
    HouseholdPointsEntry,
    PointsBalance,
    PointsLedgerEntry,
)
from registry.volunteers.models import Volunteer


@dataclass(frozen=True)
class Balance:
    """A volunteer's points as the API shows them."""

    balance: int = 0
    earned: int = 0
    spent: int = 0
    expired: int = 0


def _check_points(points: Any) -> int:
    if isinstance(points, bool) or not isinstance(points, int):
        raise ValidationFailed(_("积分必须是整数"), "points")
    if points <= 0:
        raise ValidationFailed(_("积分必须大于 0"), "points")
    if points > MAX_POINTS:
        raise ValidationFailed(_("积分过大"), "points")
    return points


@dataclass(frozen=True)
class Book:
    """One kind of points account: a volunteer's, or a household pool's (户积分)."""

    entry: type            # its append-only entries
    balance: Any           # its balance table (one row per account)
    key: str               # the account column in both
    buckets: dict          # kind → balance column
    labels: dict           # kind → label
    stats: dict            # kind → the monthly summary's column (month_stats.py)


VOLUNTEERS = Book(PointsLedgerEntry, PointsBalance.__table__, "volunteer_id", KIND_BUCKETS,
                  KIND_LABELS, month_stats.VOLUNTEER_KINDS)
HOUSEHOLDS = Book(HouseholdPointsEntry, HouseholdBalance.__table__, "household_id",
                  POOL_KIND_BUCKETS, POOL_KIND_LABELS, month_stats.POOL_KINDS)


def _ensure_balance_row(book: Book, owner_id: int) -> bool:
    """Create the account's balance row if missing (a concurrent creator is harmless); True
    when it was missing. Called only when an UPDATE found no row to move, so that the usual
    entry costs no extra round trip."""
    table = book.balance
    if db.session.execute(select(table.c[book.key]).where(
            table.c[book.key] == owner_id)).first():
        return False
    try:
        with db.session.begin_nested():
            db.session.execute(insert(table).values({book.key: owner_id, "balance": 0,
                                                     "earned": 0, "spent": 0, "expired": 0,
                                                     "updated_at": utcnow()}))
    except IntegrityError:
        pass  # another transaction created it first
    return True


@cache
def _moving(table: Table, key: str, bucket: str, guard: bool) -> Update:
    """The balance's UPDATE for one kind of entry, built once (building one costs more than
    sending it): :points to the balance, :change to the bucket, RETURNING the balance."""
    points = bindparam("points", type_=Integer)
    stmt = (update(table).where(table.c[key] == bindparam("owner"))
            .values({"balance": table.c.balance + points,
                     bucket: table.c[bucket] + bindparam("change", type_=Integer),
                     "updated_at": bindparam("now", type_=DateTime)})
            .returning(table.c.balance))
    return stmt.where(table.c.balance + points >= 0) if guard else stmt


def _post(book: Book, owner_id: int, township_code: str, points: int, kind: str, memo: str,
          ref: str | None, by: Any, *, guard: bool, new_ref: bool = False, **extra) -> Any:
    """Move points (signed) and append the entry, in the caller's transaction.

    The balance row is changed by one UPDATE … WHERE balance + points >= 0 RETURNING balance:
    on PostgreSQL the UPDATE takes the row lock and re-checks the condition on the newest row
    version, so concurrent debits of one account queue and none overdraws; on SQLite a write
    takes the database's single write lock, so transactions are serialized anyway. The CHECK
    (balance >= 0) refuses what a missing guard would let through, on both.

    new_ref: the ref names a row inserted in this transaction (a redemption's id)."""
    if kind not in book.buckets:
        raise ValueError(f"unknown ledger kind {kind!r}")
    labels = book.labels
    # A ref made for this entry (a row just inserted) cannot be taken: no need to ask. The
    # unique (kind, ref) still backs the rule.
    if ref is not None and not new_ref and db.session.scalar(select(book.entry.id).where(
            book.entry.kind == kind, book.entry.ref == ref)):
        raise Conflict(_("该来源（%(ref)s）已记过%(value3)s积分，不能重复记入",
                         ref=ref, value3=labels[kind]))
    table = book.balance
    bucket = book.buckets[kind]
    stmt = _moving(table, book.key, bucket, guard)
    params = {"owner": owner_id, "points": points,
              "change": points if bucket == "earned" else -points, "now": utcnow()}
    after = db.session.execute(stmt, params).scalar_one_or_none()
    if after is None and _ensure_balance_row(book, owner_id):
        # a new account's first entry
        after = db.session.execute(stmt, params).scalar_one_or_none()
    if after is None:
        current = db.session.scalar(select(table.c.balance).where(
            table.c[book.key] == owner_id)) or 0
        raise Conflict(_("积分余额不足：当前余额 %(current)s 分，需要 %(value3)s 分",
                         current=current, value3=-points), "points")
    now = utcnow()
    entry = book.entry(**{book.key: owner_id}, township_code=township_code, kind=kind,
                       points=points, balance_after=after, memo=(memo or "")[:200], ref=ref,
                       created_at=now, created_by=getattr(by, "id", None), **extra)
    db.session.add(entry)
    try:
        db.session.flush()  # a duplicate ref ends the transaction: the Conflict rolls it back
    except IntegrityError:
        raise Conflict(_("该来源（%(ref)s）已记过%(value3)s积分，不能重复记入",
                         ref=ref, value3=labels[kind])) from None
    # The officials' monthly summary and a volunteer's monthly earnings (what expiry reads),
    # in this same transaction (rolled back with the entry).
    month_stats.record(book.stats, township_code, kind, points, now)
    if book.entry is PointsLedgerEntry and bucket == "earned":
        earned_months.record(owner_id, points, now)
    return entry


def credit(volunteer: Volunteer, points: int, kind: str = "earn", memo: str = "",
           ref: str | None = None, *, by: Any = None) -> PointsLedgerEntry:
    """Add points (> 0) to the volunteer's balance."""
    return _post(VOLUNTEERS, volunteer.id, volunteer.township_code, _check_points(points),
                 kind, memo, ref, by, guard=False)


def debit(volunteer: Volunteer, points: int, kind: str, memo: str = "",
          ref: str | None = None, *, by: Any = None, new_ref: bool = False
          ) -> PointsLedgerEntry:
    """Take points (> 0) from the balance; Conflict (409) if that would go below zero."""
    return _post(VOLUNTEERS, volunteer.id, volunteer.township_code, -_check_points(points),
                 kind, memo, ref, by, guard=True, new_ref=new_ref)


def pool_credit(household_id: int, township_code: str, points: int, kind: str, memo: str = "",
                ref: str | None = None, *, by: Any = None,
                member_id: int | None = None) -> HouseholdPointsEntry:
    """Add points (> 0) to a household's pool."""
    return _post(HOUSEHOLDS, household_id, township_code, _check_points(points), kind, memo,
                 ref, by, guard=False, volunteer_id=member_id)


def pool_debit(household_id: int, township_code: str, points: int, kind: str, memo: str = "",
               ref: str | None = None, *, by: Any = None, member_id: int | None = None,
               new_ref: bool = False) -> HouseholdPointsEntry:
    """Take points (> 0) from a household's pool; Conflict (409) if it has too few."""
    return _post(HOUSEHOLDS, household_id, township_code, -_check_points(points), kind, memo,
                 ref, by, guard=True, new_ref=new_ref, volunteer_id=member_id)


def transfer_to_pool(volunteer: Volunteer, household_id: int, township_code: str, points: int,
                     ref: str, *, by: Any = None, memo: str = "") -> tuple:
    """A member moves points into their household's pool: a `transfer` entry on their own
    ledger and a `pool_in` entry on the pool's, with the same ref, in one transaction."""
    out = debit(volunteer, points, "transfer", memo or _("转入户积分"), ref, by=by)
    into = pool_credit(household_id, township_code, points, "pool_in",
                       memo or _(
                           "%(name)s 转入",
                           name=volunteer.name), ref, by=by, member_id=volunteer.id)
    return out, into


def expire(book: Book, owner_id: int, township_code: str, points: int, spent: int,
           expired: int, ref: str, memo: str) -> dict | None:
    """Write off `points` of an account as expired, only if its spent and expired totals are
    still those the amount was computed from (a redemption in between changes what is left of
    the old points: the account is then left for the next run). Returns the entry's values for
    `append_expiries` (one bulk INSERT per batch), or None when skipped."""
    table = book.balance
    after = db.session.execute(
        update(table)
        .where(table.c[book.key] == owner_id, table.c.spent == spent,
               table.c.expired == expired, table.c.balance >= points)
        .values(balance=table.c.balance - points, expired=table.c.expired + points,
                updated_at=utcnow())
        .returning(table.c.balance)).scalar_one_or_none()
    if after is None:
        return None
    return {book.key: owner_id, "township_code": township_code, "kind": "expire",
            "points": -points, "balance_after": after, "memo": memo[:200], "ref": ref,
            "created_at": utcnow()}


def append_expiries(book: Book, rows: list[dict]) -> None:
    """The entries of the balances `expire` changed, in one executemany INSERT (the run is
    audited once, by its caller, instead of once per entry)."""
    if rows:
        db.session.execute(insert(book.entry.__table__), rows)
        month_stats.record_many(book.stats, rows)


def earning_kinds(book: Book) -> list[str]:
    """The kinds that count towards `earned` (areas add theirs to the buckets at import)."""
    return [kind for kind, bucket in book.buckets.items() if bucket == "earned"]


def balance(volunteer: Volunteer) -> Balance:
    """The volunteer's balance row (zeros if they never had points)."""
    row = db.session.execute(
        select(PointsBalance.balance, PointsBalance.earned, PointsBalance.spent,
               PointsBalance.expired).where(PointsBalance.volunteer_id == volunteer.id)
    ).first()
    return Balance(*row) if row else Balance()


def pool_balance(household_id: int) -> Balance:
    """A household pool's balance row (zeros if it never had points)."""
    row = db.session.execute(
        select(HouseholdBalance.balance, HouseholdBalance.earned, HouseholdBalance.spent,
               HouseholdBalance.expired).where(HouseholdBalance.household_id == household_id)
    ).first()
    return Balance(*row) if row else Balance()
