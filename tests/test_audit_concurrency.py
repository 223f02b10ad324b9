"""The audit chain under concurrent transactions on PostgreSQL: the head is locked only while a
transaction commits, and the chain stays gap-free and in commit order."""

import threading
import time

import pytest
from conftest import PASSWORD, PG_URL
from sqlalchemy import select

from registry import accounts, audit, audit_chain
from registry.extensions import db
from registry.models import AuditEntry

pytestmark = pytest.mark.skipif(not PG_URL, reason="row locks need PostgreSQL")


def _create(username: str) -> None:
    accounts.create_user(username, PASSWORD, "county_official", "511302", "并发")


def _user_rows() -> list[str]:
    """The usernames of the User create rows, in chain (id) order."""
    rows = db.session.scalars(select(AuditEntry.object_id).where(
        AuditEntry.object_type == "User", AuditEntry.action == "create").order_by(AuditEntry.id))
    return list(rows)


def test_a_short_commit_does_not_wait_for_a_long_uncommitted_transaction(app):
    written, quick_done = threading.Event(), threading.Event()
    times = {}
    errors = []

    def long_import():
        with app.app_context():
            try:
                for n in range(200):
                    _create(f"import{n}")
                db.session.flush()  # 200 audited rows written, the transaction still open
                written.set()
                quick_done.wait(10)  # a long import goes on; on the old code this times out
                time.sleep(0.3)
                db.session.commit()
                times["import_committed"] = time.monotonic()
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)
            finally:
                db.session.remove()

    def quick_login():
        with app.app_context():
            try:
                assert written.wait(10)
                start = time.monotonic()
                _create("quick1")
                audit.record("login", object_type="User", object_id="quick1")
                db.session.commit()
                times["quick_committed"] = time.monotonic()
                times["quick_seconds"] = times["quick_committed"] - start
            except Exception as error:  # noqa: BLE001
                errors.append(error)
            finally:
                quick_done.set()
                db.session.remove()

    threads = [threading.Thread(target=long_import), threading.Thread(target=quick_login)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert times["quick_seconds"] < 2, times
    assert times["quick_committed"] < times["import_committed"]
    with app.app_context():
        assert audit_chain.verify().ok
        rows = db.session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "User", AuditEntry.action.in_(["create", "login"]))
            .order_by(AuditEntry.id)).all()
        assert len(rows) == 202
        # The quick transaction committed first, so its rows come first in the chain.
        assert {row.action for row in rows[:2]} == {"create", "login"}
        assert all(row.action == "create" for row in rows[2:])


def test_many_committers_at_once_make_one_gap_free_chain(app):
    barrier = threading.Barrier(8)
    errors = []

    def worker(n):
        with app.app_context():
            try:
                barrier.wait()
                for k in range(5):
                    _create(f"w{n}x{k}")
                    db.session.flush()
                    audit.record("note", object_type="Test", object_id=f"{n}-{k}")
                db.session.commit()
            except Exception as error:  # noqa: BLE001
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    with app.app_context():
        report = audit_chain.verify()
        assert report.ok, report.problem
        assert len(_user_rows()) == 40
        # Each transaction's rows sit together: chained in one step at its commit.
        notes = list(db.session.scalars(select(AuditEntry.object_id).where(
            AuditEntry.object_type == "Test").order_by(AuditEntry.id)))
        owners = [note.split("-")[0] for note in notes]
        assert len(notes) == 40
        assert sum(1 for a, b in zip(owners, owners[1:], strict=False) if a != b) == 7
