"""Per-township, per-year running totals (TownshipYearStats) that dashboards read."""

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from registry.extensions import db
from registry.volunteers.models import TownshipYearStats

COUNTERS = ("volunteers", "activities", "service_minutes", "points_issued", "points_redeemed")


def bump(township_code: str, year: int, **deltas: int) -> None:
    """Add deltas to the township's row for year, inside the caller's transaction.

    Concurrency-safe: one `UPDATE ... SET x = x + :d` (row-locked by the database); if no row
    was there, an `INSERT ... ON CONFLICT DO UPDATE` so that two first writers cannot both
    insert. Counters not named stay as they are. Deltas may be negative (a volunteer leaving
    the active state, a reversal).
    """
    unknown = set(deltas) - set(COUNTERS)
    if unknown:
        raise ValueError(f"unknown counters: {', '.join(sorted(unknown))}")
    deltas = {name: int(value) for name, value in deltas.items() if value}
    if not deltas:
        return
    table = TownshipYearStats.__table__
    session = db.session
    stmt = (
        update(table)
        .where(table.c.township_code == township_code, table.c.year == int(year))
        .values({name: table.c[name] + value for name, value in deltas.items()})
    )
    if session.execute(stmt).rowcount:
        return
    row = {name: 0 for name in COUNTERS} | deltas | {"township_code": township_code,
                                                     "year": int(year)}
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        upsert = insert(table).values(row)
        upsert = upsert.on_conflict_do_update(
            index_elements=[table.c.township_code, table.c.year],
            set_={name: table.c[name] + upsert.excluded[name] for name in deltas},
        )
        session.execute(upsert)
    else:  # pragma: no cover - other databases: a savepoint, then the update again
        try:
            with session.begin_nested():
                session.execute(table.insert().values(row))
        except Exception:  # noqa: BLE001 - a concurrent insert won; add to its row
            session.execute(stmt)


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
