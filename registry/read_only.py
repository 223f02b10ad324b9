"""A request that only read ends its transaction with COMMIT, not ROLLBACK.

The two are the same to the database when nothing was written, but psycopg forgets every
prepared statement on a ROLLBACK (a rolled-back transaction may have dropped what they
name). Flask-SQLAlchemy ends each request's session with a rollback, so no statement was ever
prepared: each was parsed and planned again on every request (0.8 ms for a back-office list).

Anything written or pending (a statement other than SELECT, unflushed changes, audit rows
waiting for the commit) keeps the usual rollback.
"""

from flask import Flask, g, has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

from registry.audit import PENDING
from registry.extensions import db


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(conn, cursor, statement, parameters, context, executemany):
    if has_app_context() and not statement.lstrip()[:6].upper() == "SELECT":
        g.statements_wrote = True


def init_app(app: Flask) -> None:
    @app.after_request
    def end_read_only_transaction(response):
        # A streamed body (an export) still reads after this, from cursors a COMMIT would close.
        session = db.session()
        if (not response.is_streamed and session.in_transaction() and not g.get("statements_wrote")
                and not (session.new or session.dirty or session.deleted)
                and not session.info.get(PENDING)):
            session.commit()
        return response
