"""The points ledger: entries are only ever appended; one balance row per volunteer.

Every change of a volunteer's points is one PointsLedgerEntry (signed points, the balance
after it, a memo and a source reference) and one guarded UPDATE of their PointsBalance in
the same transaction. The balance row is what pages read (fast); `flask ledger-check`
proves it equals the sum of the entries.

Kinds and the balance column they count towards (the incentives area adds its own kinds to
KIND_BUCKETS: redeem/refund → spent, expire → expired):
  earn     +  points for confirmed service
  adjust   +  a correction that adds points
  reverse  -  a correction that takes points back
`(kind, ref)` is unique, so the same source can never post the same kind twice.
"""

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import (
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from registry.clock import utcnow
from registry.errors import Conflict, ValidationFailed
from registry.extensions import db
from registry.points.models import (
    KIND_BUCKETS,
    KIND_LABELS,
    MAX_POINTS,
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


def _ensure_balance_row(volunteer_id: int) -> None:
    """Create the volunteer's balance row if missing (a concurrent creator is harmless)."""
    table = PointsBalance.__table__
    if db.session.execute(select(table.c.volunteer_id).where(
            table.c.volunteer_id == volunteer_id)).first():
        return
    try:
        with db.session.begin_nested():
            db.session.execute(insert(table).values(volunteer_id=volunteer_id, balance=0,
                                                    earned=0, spent=0, expired=0,
                                                    updated_at=utcnow()))
    except IntegrityError:
        pass  # another transaction created it first


def _post(volunteer: Volunteer, points: int, kind: str, memo: str, ref: str | None,
          by: Any, *, guard: bool) -> PointsLedgerEntry:
    """Move points (signed) and append the entry, in the caller's transaction."""
    if kind not in KIND_BUCKETS:
        raise ValueError(f"unknown ledger kind {kind!r}")
    if ref is not None and db.session.scalar(select(PointsLedgerEntry.id).where(
            PointsLedgerEntry.kind == kind, PointsLedgerEntry.ref == ref)):
        raise Conflict(_("该来源（%(ref)s）已记过%(value3)s积分，不能重复记入",
                         ref=ref,
                         value3=KIND_LABELS[kind]))
    _ensure_balance_row(volunteer.id)
    table = PointsBalance.__table__
    bucket = KIND_BUCKETS[kind]
    change = points if bucket == "earned" else -points
    stmt = (
        update(table)
        .where(table.c.volunteer_id == volunteer.id)
        .values({"balance": table.c.balance + points, bucket: table.c[bucket] + change,
                 "updated_at": utcnow()})
        .returning(table.c.balance)
    )
    if guard:
        stmt = stmt.where(table.c.balance + points >= 0)
    after = db.session.execute(stmt).scalar_one_or_none()
    if after is None:
        current = balance(volunteer).balance
        raise Conflict(_("积分余额不足：当前余额 %(current)s 分，需要 %(value3)s"
                         " 分",
                         current=current,
                         value3=-points), "points")
    entry = PointsLedgerEntry(
        volunteer_id=volunteer.id, township_code=volunteer.township_code, kind=kind,
        points=points, balance_after=after, memo=(memo or "")[:200], ref=ref,
        created_by=getattr(by, "id", None),
    )
    db.session.add(entry)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("该来源（%(ref)s）已记过%(value3)s积分，不能重复记入",
                         ref=ref,
                         value3=KIND_LABELS[kind])) from None
    return entry


def credit(volunteer: Volunteer, points: int, kind: str = "earn", memo: str = "",
           ref: str | None = None, *, by: Any = None) -> PointsLedgerEntry:
    """Add points (> 0) to the volunteer's balance."""
    return _post(volunteer, _check_points(points), kind, memo, ref, by, guard=False)


def debit(volunteer: Volunteer, points: int, kind: str, memo: str = "",
          ref: str | None = None, *, by: Any = None) -> PointsLedgerEntry:
    """Take points (> 0) from the balance; Conflict (409) if that would go below zero."""
    return _post(volunteer, -_check_points(points), kind, memo, ref, by, guard=True)


def balance(volunteer: Volunteer) -> Balance:
    """The volunteer's balance row (zeros if they never had points)."""
    row = db.session.execute(
        select(PointsBalance.balance, PointsBalance.earned, PointsBalance.spent,
               PointsBalance.expired).where(PointsBalance.volunteer_id == volunteer.id)
    ).first()
    return Balance(*row) if row else Balance()




