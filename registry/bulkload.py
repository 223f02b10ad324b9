"""Loading millions of rows into PostgreSQL: COPY into a table whose secondary indexes are
rebuilt afterwards.

Measured here (2 shared cores): COPY of 200,000 volunteers took 20.5 s into the table with its
nine indexes (random ID hashes, phones and names make every row touch scattered index pages)
and 2.6 s without them; building an index afterwards sorts once instead. DDL is
transactional in PostgreSQL, so a failed load (or a duplicate found when a unique constraint
is rebuilt) rolls everything back, indexes included. The table is locked for the load: this
is for the seeding commands, never for the web app's writes.
"""

from contextlib import contextmanager

from sqlalchemy import text

from registry.extensions import db

REBUILD_FROM = 100_000  # rows in one load from which rebuilding beats maintaining the indexes
MAINTENANCE_WORK_MEM = "512MB"  # for this transaction only


@contextmanager
def indexes_rebuilt_after(table: str, rows: int):
    """For a load of rows ≥ REBUILD_FROM: drop table's secondary indexes, unique constraints
    and foreign keys, run the block, then recreate them exactly as they were (definitions read
    from the catalogue). Smaller loads just run the block."""
    session = db.session
    if rows < REBUILD_FROM:
        yield
        return
    # Unique constraints and foreign keys: a foreign key checks each loaded row on its own, a
    # re-added one checks them all in one join.
    constraints = session.execute(text(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = CAST(:t AS regclass) AND contype IN ('u', 'f')"), {"t": table}).all()
    indexes = session.execute(text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = :t "
        "AND i.schemaname = current_schema() AND i.indexname NOT IN ("
        "  SELECT conname FROM pg_constraint WHERE conrelid = CAST(:t AS regclass) "
        "  AND contype IN ('p', 'u'))"), {"t": table}).all()
    for name, _ in constraints:
        session.execute(text(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        session.execute(text(f'DROP INDEX "{name}"'))
    yield
    # Sorting in memory rather than in temporary files: the rebuild is most of a big load.
    session.execute(text(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'"))
    for _, definition in indexes:
        session.execute(text(definition))
    for name, definition in constraints:
        session.execute(text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'))
    session.execute(text(f'ANALYZE "{table}"'))
