"""The spending summary (ProjectSpending): one row per (year, county, category, provider), bumped
in the same transaction as each project's creation, contract change and payment, and THE
check that it still equals the projects (`mismatches`, run by `flask spending-check`)."""

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from registry.extensions import db
from registry.purchasing.models import ProjectSpending, PurchasedServiceProject

TABLE = ProjectSpending.__table__
COLUMNS = ("projects", "amount_fen", "paid_fen")


def bump(project: PurchasedServiceProject, **deltas: int) -> None:
    """Add deltas to the project's summary row: one `UPDATE … SET x = x + :d` (row-locked),
    else `INSERT … ON CONFLICT DO UPDATE`, so two first writers cannot both insert."""
    deltas = {name: int(value) for name, value in deltas.items() if value}
    if not deltas:
        return
    key = {"year": project.year, "county_code": project.county_code,
           "category_code": project.category_code, "provider_id": project.provider_id}
    stmt = (update(TABLE).where(*[TABLE.c[k] == v for k, v in key.items()])
            .values({name: TABLE.c[name] + value for name, value in deltas.items()}))
    if db.session.execute(stmt).rowcount:
        return
    row = {name: 0 for name in COLUMNS} | deltas | key | {
        "category_name": project.category_name}
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    upsert = insert(TABLE).values(row)
    db.session.execute(upsert.on_conflict_do_update(
        index_elements=[TABLE.c[k] for k in key],
        set_={name: TABLE.c[name] + upsert.excluded[name] for name in deltas}))


def mismatches():
    """Yield (key, stored, summed) for every summary row that differs from its projects."""
    p = PurchasedServiceProject
    keys = (p.year, p.county_code, p.category_code, p.provider_id)
    summed = (select(*keys, func.count(p.id).label("projects"),
                     func.sum(p.amount_fen).label("amount_fen"),
                     func.sum(p.paid_fen).label("paid_fen")).group_by(*keys).subquery())
    pairs = [(summed.c[k.key], TABLE.c[k.key]) for k in keys]
    stored = [TABLE.c[name] for name in COLUMNS]
    sums = [summed.c[name] for name in COLUMNS]
    joined = select(*[a for a, _ in pairs], TABLE.c.projects, *stored, *sums).select_from(
        summed.outerjoin(TABLE, and_(*[a == b for a, b in pairs])))
    rows = joined.where(or_(TABLE.c.projects.is_(None),
                            *[a != b for a, b in zip(stored, sums, strict=True)]))
    for row in db.session.execute(rows):
        key, have = tuple(row[:4]), row[4]
        yield key, None if have is None else tuple(row[5:8]), tuple(int(v) for v in row[8:11])
    orphans = select(*[TABLE.c[k.key] for k in keys], *stored).select_from(
        TABLE.outerjoin(summed, and_(*[a == b for a, b in pairs]))).where(
        summed.c.year.is_(None), or_(*[c != 0 for c in stored]))
    for row in db.session.execute(orphans):
        yield tuple(row[:4]), tuple(row[4:7]), (0, 0, 0)


def rebuild() -> None:
    """Make the summary anew from the projects (after a bulk load that bypassed the bumps)."""
    p = PurchasedServiceProject
    keys = (p.year, p.county_code, p.category_code, p.provider_id)
    db.session.execute(TABLE.delete())
    db.session.execute(TABLE.insert().from_select(
        ["year", "county_code", "category_code", "provider_id", "category_name", *COLUMNS],
        select(*keys, func.max(p.category_name), func.count(p.id), func.sum(p.amount_fen),
               func.sum(p.paid_fen)).group_by(*keys)))
