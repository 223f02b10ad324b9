"""Summary rows kept in the caller's transaction: THE concurrency-safe way to add to one."""

from collections.abc import Iterable

from sqlalchemy import Table, update
from sqlalchemy.dialects import postgresql, sqlite

from registry.extensions import db


def add(table: Table, key: dict, deltas: dict[str, int], *, zeros: Iterable[str] = (),
        fill: dict | None = None) -> None:
    """Add deltas to the row of `table` whose key columns equal `key`.

    One `UPDATE … SET x = x + :d` (row-locked by the database); when no row was there, an
    `INSERT … ON CONFLICT DO UPDATE`, so that two first writers cannot both insert. A new row
    starts at 0 in `zeros` and takes `fill` (e.g. a name). Zero deltas are dropped; deltas may
    be negative.
    """
    deltas = {name: int(value) for name, value in deltas.items() if value}
    if not deltas:
        return
    session = db.session
    stmt = (update(table).where(*[table.c[name] == value for name, value in key.items()])
            .values({name: table.c[name] + value for name, value in deltas.items()}))
    if session.execute(stmt).rowcount:
        return
    row = dict.fromkeys(zeros, 0) | deltas | dict(fill or {}) | key
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else (
        sqlite.insert)
    upsert = insert(table).values(row)
    session.execute(upsert.on_conflict_do_update(
        index_elements=[table.c[name] for name in key],
        set_={name: table.c[name] + upsert.excluded[name] for name in deltas}))
