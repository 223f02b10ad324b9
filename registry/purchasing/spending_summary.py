"""The spending summaries (ProjectSpending per year, county, category and provider;
ProjectSpendingArea without the provider; ProjectSpendingProvider per year and provider),
bumped in the same transaction as each project's
creation, contract change and payment, and THE check that they still equal the projects
(`mismatches`, run by `flask spending-check`)."""

from sqlalchemy import and_, func, or_, select

from registry import counters
from registry.extensions import db
from registry.purchasing.models import PurchasedServiceProject
from registry.purchasing.spending_models import (
    ProjectSpending,
    ProjectSpendingArea,
    ProjectSpendingProvider,
)

TABLE = ProjectSpending.__table__
AREA_TABLE = ProjectSpendingArea.__table__
PROVIDER_TABLE = ProjectSpendingProvider.__table__
COLUMNS = ("projects", "amount_fen", "paid_fen")
KEYS = ("year", "county_code", "category_code", "provider_id")
# each summary and the project columns that key its rows
SUMMARIES = ((TABLE, KEYS), (AREA_TABLE, KEYS[:3]), (PROVIDER_TABLE, ("year", "provider_id")))


def bump(project: PurchasedServiceProject, **deltas: int) -> None:
    """Add deltas to the project's row of each summary."""
    for table, names in SUMMARIES:
        _bump(table, {name: getattr(project, name) for name in names}, project.category_name,
              deltas)


def _bump(table, key: dict, category_name: str, deltas: dict) -> None:
    fill = {"category_name": category_name} if "category_name" in table.c else None
    counters.add(table, key, deltas, zeros=COLUMNS, fill=fill)


def mismatches():
    """Yield (key, stored, summed) for every row of any summary that differs from its
    projects (stored is None when the row is missing)."""
    for table, names in SUMMARIES:
        yield from _mismatches(table, names)


def _mismatches(table, names):
    p = PurchasedServiceProject
    keys = [getattr(p, name) for name in names]
    summed = (select(*keys, func.count(p.id).label("projects"),
                     func.sum(p.amount_fen).label("amount_fen"),
                     func.sum(p.paid_fen).label("paid_fen")).group_by(*keys).subquery())
    pairs = [(summed.c[name], table.c[name]) for name in names]
    stored = [table.c[name] for name in COLUMNS]
    sums = [summed.c[name] for name in COLUMNS]
    width = len(names)
    joined = select(*[a for a, _ in pairs], table.c.projects, *stored, *sums).select_from(
        summed.outerjoin(table, and_(*[a == b for a, b in pairs])))
    rows = joined.where(or_(table.c.projects.is_(None),
                            *[a != b for a, b in zip(stored, sums, strict=True)]))
    for row in db.session.execute(rows):
        have = row[width]
        yield (tuple(row[:width]), None if have is None else tuple(row[width + 1:width + 4]),
               tuple(int(v) for v in row[width + 4:width + 7]))
    orphans = select(*[table.c[name] for name in names], *stored).select_from(
        table.outerjoin(summed, and_(*[a == b for a, b in pairs]))).where(
        summed.c.year.is_(None), or_(*[c != 0 for c in stored]))
    for row in db.session.execute(orphans):
        yield tuple(row[:width]), tuple(row[width:width + 3]), (0, 0, 0)


def rebuild() -> None:
    """Make every summary anew from the projects (after a bulk load that bypassed the
    bumps)."""
    p = PurchasedServiceProject
    for table, names in SUMMARIES:
        keys = [getattr(p, name) for name in names]
        named = "category_name" in table.c
        db.session.execute(table.delete())
        db.session.execute(table.insert().from_select(
            [*names, *(["category_name"] if named else []), *COLUMNS],
            select(*keys, *([func.max(p.category_name)] if named else []), func.count(p.id),
                   func.sum(p.amount_fen), func.sum(p.paid_fen)).group_by(*keys)))
