"""The monthly points summary (PointsMonthStats): which ledger kinds count as issued, redeemed
or expired, and the concurrency-safe bump every ledger write makes in its own transaction."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Integer, and_, case, cast, func, or_, select, text, union_all

from registry import counters
from registry.clock import to_local
from registry.extensions import db
from registry.points.models import HouseholdPointsEntry, PointsLedgerEntry, PointsMonthStats

# kind → summary column, for a volunteer's book and a household pool's. Earning kinds are
# "issued" (a correction's reversal is negative: it subtracts); a redemption's points are
# "redeemed" and its cancellation's refund gives them back; a member's transfer into the pool
# (transfer / pool_in) only moves points between books and counts nowhere.
VOLUNTEER_KINDS = {"earn": "issued", "adjust": "issued", "reverse": "issued",
                   "report": "issued", "deed": "issued", "redeem": "redeemed",
                   "refund": "redeemed", "expire": "expired"}
POOL_KINDS = {"redeem": "redeemed", "refund": "redeemed", "expire": "expired"}
COLUMNS = ("issued", "redeemed", "expired")


def month_of(moment: datetime) -> int:
    """A stored naive-UTC time's Beijing month as YYYYMM."""
    local = to_local(moment)
    return local.year * 100 + local.month


def delta(kinds: dict, kind: str, points: int) -> dict[str, int]:
    """What a ledger entry of kind and signed points adds to the summary: issued counts the
    signed points, redeemed and expired count what left the balance (−points)."""
    column = kinds.get(kind)
    if column is None:
        return {}
    return {column: points if column == "issued" else -points}


def bump(township_code: str, month: int, **deltas: int) -> None:
    """Add deltas to the (township, month) row in the caller's transaction
    (registry/counters.py: concurrency-safe)."""
    counters.add(PointsMonthStats.__table__, {"township_code": township_code, "month": month},
                 deltas, zeros=COLUMNS)


def record(kinds: dict, township_code: str, kind: str, points: int, moment: datetime) -> None:
    """Count one ledger entry."""
    bump(township_code, month_of(moment), **delta(kinds, kind, points))


def record_many(kinds: dict, rows: Iterable[dict]) -> None:
    """Count a batch of entries (an expiry run's) with one bump per township and month."""
    sums: dict[tuple[str, int], dict[str, int]] = {}
    for row in rows:
        key = (row["township_code"], month_of(row["created_at"]))
        for name, value in delta(kinds, row["kind"], row["points"]).items():
            sums.setdefault(key, {}).setdefault(name, 0)
            sums[key][name] += value
    for (township_code, month), deltas in sums.items():
        bump(township_code, month, **deltas)


def _beijing_month(column):
    """SQL for a stored naive-UTC time's Beijing month as YYYYMM (as month_of computes it)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.to_char(column + text("interval '8 hours'"), "YYYYMM"), Integer)
    return cast(func.strftime("%Y%m", column, "+8 hours"), Integer)


def _sums(entry, kinds: dict):
    """One book's entries summed per township and Beijing month, by summary column."""
    month = _beijing_month(entry.created_at)
    columns = []
    for name in COLUMNS:
        chosen = [kind for kind, column in kinds.items() if column == name]
        sign = 1 if name == "issued" else -1
        columns.append(func.coalesce(func.sum(case((entry.kind.in_(chosen), sign * entry.points),
                                                   else_=0)), 0).label(name))
    return select(entry.township_code.label("township_code"), month.label("month"), *columns) \
        .group_by(entry.township_code, month)


def mismatches():
    """Yield (township, month, stored, summed) for every month whose summary row differs from
    the ledgers' entries (both books), computed by the database; stored is None when the row
    is missing. ledger-check runs it."""
    parts = union_all(_sums(PointsLedgerEntry, VOLUNTEER_KINDS),
                      _sums(HouseholdPointsEntry, POOL_KINDS)).subquery()
    summed = (select(parts.c.township_code, parts.c.month,
                     *[func.sum(parts.c[name]).label(name) for name in COLUMNS])
              .group_by(parts.c.township_code, parts.c.month).subquery())
    table = PointsMonthStats.__table__
    stored = [table.c[name] for name in COLUMNS]
    sums = [summed.c[name] for name in COLUMNS]
    stmt = (select(summed.c.township_code, summed.c.month, table.c.month, *stored, *sums)
            .outerjoin(table, and_(table.c.township_code == summed.c.township_code,
                                   table.c.month == summed.c.month))
            .where(or_(table.c.month.is_(None),
                       *[a != b for a, b in zip(stored, sums, strict=True)]))
            .order_by(summed.c.township_code, summed.c.month))
    for row in db.session.execute(stmt):
        have = None if row[2] is None else tuple(row[3:6])
        yield row[0], row[1], have, tuple(int(v) for v in row[6:9])
    # Summary rows with no entries behind them must be all zero.
    empty = (select(table.c.township_code, table.c.month, *stored)
             .outerjoin(summed, and_(table.c.township_code == summed.c.township_code,
                                     table.c.month == summed.c.month))
             .where(summed.c.month.is_(None), or_(*[c != 0 for c in stored])))
    for row in db.session.execute(empty):
        yield row[0], row[1], tuple(row[2:5]), (0, 0, 0)


def rebuild() -> None:
    """Make the summary anew from both ledgers (after history was rewritten outside the
    ledger's write path, as tests that age entries do)."""
    parts = union_all(_sums(PointsLedgerEntry, VOLUNTEER_KINDS),
                      _sums(HouseholdPointsEntry, POOL_KINDS)).subquery()
    table = PointsMonthStats.__table__
    db.session.execute(table.delete())
    db.session.execute(table.insert().from_select(
        ["township_code", "month", *COLUMNS],
        select(parts.c.township_code, parts.c.month,
               *[func.sum(parts.c[name]) for name in COLUMNS])
        .group_by(parts.c.township_code, parts.c.month)))
