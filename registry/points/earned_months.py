"""The per-volunteer monthly earnings (PointsEarnedMonth): bumped with every earning entry in
its transaction, read by expiry for the points earned before a cutoff, proven by ledger-check.

    earned_before(volunteer, cutoff) = Σ earned of the months before the cutoff's month
                                     + Σ the earning entries of the cutoff's month before it
"""

from datetime import datetime

from sqlalchemy import Integer, and_, cast, func, or_, select, text

from registry import counters
from registry.extensions import db
from registry.points.models import PointsEarnedMonth, PointsLedgerEntry

TABLE = PointsEarnedMonth.__table__


def month_of(moment: datetime) -> int:
    """A stored naive-UTC time's month as YYYYMM."""
    return moment.year * 100 + moment.month


def record(volunteer_id: int, points: int, moment: datetime) -> None:
    """Add an earning entry's signed points to its month (registry/counters.py)."""
    counters.add(TABLE, {"volunteer_id": volunteer_id, "month": month_of(moment)},
                 {"earned": points})


def earned_before(volunteer_id: int, cutoff: datetime, kinds: list[str]) -> int:
    """The volunteer's points of earning kinds created before cutoff."""
    e = PointsLedgerEntry
    month_start = cutoff.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    whole = select(func.coalesce(func.sum(TABLE.c.earned), 0)).where(
        TABLE.c.volunteer_id == volunteer_id, TABLE.c.month < month_of(cutoff))
    part = select(func.coalesce(func.sum(e.points), 0)).where(
        e.volunteer_id == volunteer_id, e.created_at >= month_start, e.created_at < cutoff,
        e.kind.in_(kinds))
    return int(db.session.scalar(select(whole.scalar_subquery() + part.scalar_subquery())) or 0)


def _utc_month(column):
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.to_char(column, "YYYYMM"), Integer)
    return cast(func.strftime("%Y%m", column), Integer)


def _sums(kinds: list[str]):
    e = PointsLedgerEntry
    month = _utc_month(e.created_at)
    return (select(e.volunteer_id.label("volunteer_id"), month.label("month"),
                   func.sum(e.points).label("earned"))
            .where(e.kind.in_(kinds)).group_by(e.volunteer_id, month))


def mismatches(kinds: list[str]):
    """Yield (volunteer, month, stored, summed) for every month whose row differs from the
    entries (stored None: the row is missing; summed 0: no entries behind a non-zero row)."""
    summed = _sums(kinds).subquery()
    stmt = (select(summed.c.volunteer_id, summed.c.month, TABLE.c.earned, summed.c.earned)
            .outerjoin(TABLE, and_(TABLE.c.volunteer_id == summed.c.volunteer_id,
                                   TABLE.c.month == summed.c.month))
            .where(or_(TABLE.c.earned.is_(None), TABLE.c.earned != summed.c.earned)))
    for row in db.session.execute(stmt):
        yield row[0], row[1], row[2], int(row[3])
    empty = (select(TABLE.c.volunteer_id, TABLE.c.month, TABLE.c.earned)
             .outerjoin(summed, and_(TABLE.c.volunteer_id == summed.c.volunteer_id,
                                     TABLE.c.month == summed.c.month))
             .where(summed.c.month.is_(None), TABLE.c.earned != 0))
    for row in db.session.execute(empty):
        yield row[0], row[1], row[2], 0


def rebuild(kinds: list[str]) -> None:
    """Make the table anew from the entries (after history was rewritten outside the
    ledger's write path, as tests that age entries do, or a load that bypassed it)."""
    db.session.execute(TABLE.delete())
    db.session.execute(TABLE.insert().from_select(["volunteer_id", "month", "earned"],
                                                  _sums(kinds)))


# seed-ledger's entries (points/bulk.py) counted by month in SQL, as they were inserted
BULK_PLAN_SQL = """
INSERT INTO points_earned_month (volunteer_id, month, earned)
SELECT p.volunteer_id, CAST(to_char({created_at}, 'YYYYMM') AS INTEGER), SUM(5 + n % 20)
{plan_rows}
GROUP BY 1, 2
ON CONFLICT (volunteer_id, month) DO UPDATE SET earned = points_earned_month.earned
    + EXCLUDED.earned
"""


def bulk_plan(created_at: str, plan_rows: str):
    return text(BULK_PLAN_SQL.format(created_at=created_at, plan_rows=plan_rows))
