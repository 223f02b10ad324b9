"""Counting failed logins and locking, atomically, so several workers (and 20 requests at the
same moment) lock after exactly LOCKOUT_FAILURES tries. One guarded UPDATE … RETURNING does the
counting, on the account's row or, for a name no account has, on its LoginFailure row, so an
unknown name answers exactly like a real one."""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import case, delete, null, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from registry.clock import utcnow
from registry.crypto import lookup_hash
from registry.extensions import db
from registry.models import LoginFailure


@dataclass
class Failure:
    """What one failed try did: locked the name now, found it locked, or left `left` tries."""

    locked_now: bool = False
    locked_until: datetime | None = None
    left: int = 0


def name_key(login: str) -> str:
    """The LoginFailure key of a login name: a keyed hash, never the name (it may be a phone)."""
    return lookup_hash("login-name:" + login)


def unknown_name_lock(key: str) -> datetime | None:
    """Until when an unknown name is locked, if it is."""
    return db.session.scalar(select(LoginFailure.locked_until).where(
        LoginFailure.name_hash == key))


def count_unknown_name(key: str) -> Failure:
    """Count a failed try of a name that belongs to no account."""
    table = LoginFailure.__table__
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(table).values(name_hash=key, failed_logins=0)
                       .on_conflict_do_nothing(index_elements=["name_hash"]))
    return count_failure(LoginFailure, LoginFailure.name_hash == key)


def count_failure(model, row_condition) -> Failure:
    """Add one failure to the row (a User or a LoginFailure) in a single guarded statement:
    a row that is already locked is not touched, the try that reaches the limit locks it."""
    config = current_app.config
    now = utcnow()
    fresh = or_(model.failed_window_start.is_(None),
                model.failed_window_start < now - config["LOCKOUT_WINDOW"])
    count = case((fresh, 1), else_=model.failed_logins + 1)
    reaches = count >= config["LOCKOUT_FAILURES"]
    stmt = (
        update(model)
        .where(row_condition, or_(model.locked_until.is_(None), model.locked_until <= now))
        .values(
            failed_logins=case((reaches, 0), else_=count),
            failed_window_start=case((reaches, null()), (fresh, now),
                                     else_=model.failed_window_start),
            locked_until=case((reaches, now + config["LOCKOUT_DURATION"]),
                              else_=model.locked_until),
        )
        .returning(model.failed_logins, model.locked_until)
        .execution_options(synchronize_session=False)
    )
    row = db.session.execute(stmt).first()
    if row is None:  # locked by a try that came a moment earlier
        locked_until = db.session.scalar(select(model.locked_until).where(row_condition))
        return Failure(locked_until=locked_until)
    failures, locked_until = row
    if locked_until is not None and locked_until > now:
        return Failure(locked_now=True, locked_until=locked_until)
    return Failure(left=config["LOCKOUT_FAILURES"] - failures)


def purge_unknown_names() -> int:
    """Forget unknown names whose window and lock are over (the table only grows otherwise)."""
    now = utcnow()
    stmt = delete(LoginFailure).where(
        or_(LoginFailure.locked_until.is_(None), LoginFailure.locked_until <= now),
        or_(LoginFailure.failed_window_start.is_(None),
            LoginFailure.failed_window_start < now - current_app.config["LOCKOUT_WINDOW"]))
    return db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount
