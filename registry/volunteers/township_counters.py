"""Per-township running totals per year and per month (TownshipYearStats, TownshipMonthStats)
that dashboards read."""

from sqlalchemy import case, func, select

from registry import counters
from registry.extensions import db
from registry.volunteers.models import TownshipMonthStats, TownshipYearStats

COUNTERS = ("volunteers", "activities", "service_minutes", "points_issued", "points_redeemed")
MONTH_COUNTERS = ("volunteers", "activities", "service_minutes")  # also kept per month


def bump(township_code: str, year: int, month: int | None = None, **deltas: int) -> None:
    """Add deltas to the township's row for year and, given the month (1-12, Beijing time, of
    the same event), to its row for that month, inside the caller's transaction.

    Every write path passes the month (the dashboards' months add up to the year's row);
    without it only the year's row moves. Concurrency-safe (registry/counters.py). Counters not
    named stay as they are. Deltas may be negative (a volunteer leaving the active state, a
    reversal).
    """
    unknown = set(deltas) - set(COUNTERS)
    if unknown:
        raise ValueError(f"unknown counters: {', '.join(sorted(unknown))}")
    counters.add(TownshipYearStats.__table__, {"township_code": township_code, "year": int(year)},
                 deltas, zeros=COUNTERS)
    if month is None:
        return
    if not 1 <= int(month) <= 12:
        raise ValueError(f"month out of range: {month}")
    monthly = {name: value for name, value in deltas.items() if name in MONTH_COUNTERS}
    counters.add(TownshipMonthStats.__table__,
                 {"township_code": township_code, "month": int(year) * 100 + int(month)},
                 monthly, zeros=MONTH_COUNTERS)


def totals(codes_stmt, year: int) -> dict[str, dict[str, int]]:
    """Per township in codes_stmt (a select of region codes): this year's counters and the
    current number of active volunteers (`active_volunteers`, the sum over all years)."""
    t = TownshipYearStats
    rows = db.session.execute(
        select(
            t.township_code,
            func.sum(t.volunteers).label("active_volunteers"),
            *[func.sum(func.coalesce(
                case((t.year == year, t.__table__.c[name]), else_=0), 0)).label(name)
              for name in COUNTERS],
        )
        .where(t.township_code.in_(codes_stmt), t.year <= year)
        .group_by(t.township_code)
    )
    out = {}
    for row in rows:
        data = row._mapping
        out[row.township_code] = {k: int(data[k] or 0) for k in ("active_volunteers", *COUNTERS)}
    return out
