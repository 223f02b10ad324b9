"""The audit chain: keyed, so rows cannot be removed and the chain recomputed without the key;
verified a batch at a time; rows reach it only when their transaction commits."""

import hashlib
import hmac
import json

import pytest
from sqlalchemy import event, func, select, text

from registry import accounts, audit, audit_chain
from registry.extensions import db
from registry.models import AuditEntry, AuditHead, User


def _notes(count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        audit.record("note", object_type="Test", object_id=str(n))
    db.session.commit()


def _ids() -> list[int]:
    """The ids of the test's own rows (the template database holds the regions' rows)."""
    return list(db.session.scalars(select(AuditEntry.id).where(
        AuditEntry.object_type.in_(["Test", "User"])).order_by(AuditEntry.id)))


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def _rechain(key: bytes | None) -> None:
    """What an attacker with write access to the database does after removing rows: recompute
    every hash (plain SHA-256, or an HMAC with a key of their own) and the head."""
    prev = "0" * 64
    last_id = 0
    table = AuditEntry.__table__
    rows = db.session.execute(select(table).order_by(table.c.id)).mappings().all()
    for row in rows:
        fields = [prev, row["created_at"].isoformat(), row["actor_id"], row["actor_name"],
                  row["actor_role"], row["ip"], row["object_type"], row["object_id"],
                  row["action"], row["changes"], row["comment"], row["region_code"]]
        payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
        digest = (hmac.new(key, payload, hashlib.sha256) if key
                  else hashlib.sha256(payload)).hexdigest()
        db.session.execute(text("UPDATE audit_entry SET prev_hash = :p, row_hash = :h "
                                "WHERE id = :id"), {"p": prev, "h": digest, "id": row["id"]})
        prev, last_id = digest, row["id"]
    db.session.execute(text("UPDATE audit_head SET last_hash = :h, last_id = :i WHERE id = 1"),
                       {"h": prev, "i": last_id})
    db.session.commit()


def test_an_intact_chain_verifies(ctx):
    _notes(3)
    report = audit_chain.verify()
    assert report.ok and report.rows == _count() and report.last_id == _ids()[-1]


@pytest.mark.parametrize("attacker_key", [None, b"a key of the attacker's own"])
def test_removing_a_row_and_rechaining_without_the_key_is_found(ctx, attacker_key):
    _notes(4)
    ids = _ids()
    db.session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": ids[1]})
    db.session.commit()
    _rechain(attacker_key)
    report = audit_chain.verify()
    assert not report.ok
    first = db.session.scalar(select(func.min(AuditEntry.id)))
    assert report.bad_id == first  # the first rewritten row
    assert f"第 {first} 条" in report.problem


def test_a_changed_row_is_reported_with_its_id(ctx):
    _notes(3)
    middle = _ids()[1]
    db.session.execute(text("UPDATE audit_entry SET comment = 'forged' WHERE id = :id"),
                       {"id": middle})
    db.session.commit()
    report = audit_chain.verify()
    assert report.bad_id == middle and "被修改" in report.problem


def test_a_removed_row_is_reported_at_the_next_one(ctx):
    _notes(3)
    ids = _ids()
    db.session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": ids[1]})
    db.session.commit()
    report = audit_chain.verify()
    assert report.bad_id == ids[2] and "删除" in report.problem


def test_a_removed_last_row_is_found_through_the_head(ctx):
    _notes(2)
    last = _ids()[-1]
    db.session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": last})
    db.session.commit()
    report = audit_chain.verify()
    assert not report.ok and report.bad_id == last


def test_verify_reads_the_table_a_batch_at_a_time(ctx):
    _notes(25)
    statements = []

    def seen(conn, cursor, statement, *args):
        if "FROM audit_entry" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        report = audit_chain.verify(batch=10)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    total = _count()
    assert report.ok and report.rows == total
    assert total // 10 < len(statements) <= total // 10 + 2  # batches of 10, then the end
    assert all("LIMIT" in statement for statement in statements)


def test_verify_command_names_the_first_bad_row_and_exits_1(app):
    runner = app.test_cli_runner()
    with app.app_context():
        _notes(3)
        first, second = _ids()[:2]
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 0 and "完整" in result.output
    with app.app_context():
        db.session.execute(text("UPDATE audit_entry SET actor_name = 'x' WHERE id IN (:a, :b)"),
                           {"a": first, "b": second})
        db.session.commit()
    result = runner.invoke(args=["audit-verify", "--batch", "100"])
    assert result.exit_code == 1 and "校验失败" in result.output
    assert f"第 {first} 条" in result.output and f"第 {second} 条" not in result.output


def test_rows_of_a_rolled_back_transaction_never_reach_the_chain(ctx):
    accounts.create_user("gone1", "Gone#Pass2026", "county_official", "511302", "回滚")
    audit.record("note", object_type="Test", object_id="gone")
    db.session.flush()
    db.session.rollback()
    before = _count()
    _notes(1)
    assert _count() == before + 1 and len(_ids()) == 1
    assert audit_chain.verify().ok


def test_rows_of_a_rolled_back_savepoint_are_dropped_and_the_rest_kept(ctx):
    accounts.create_user("kept1", "Kept#Pass2026", "county_official", "511302", "保留")
    savepoint = db.session.begin_nested()
    accounts.create_user("gone2", "Gone#Pass2026", "county_official", "511302", "回滚")
    db.session.flush()
    savepoint.rollback()
    with db.session.begin_nested():
        audit.record("note", object_type="Test", object_id="in-released-savepoint")
    db.session.commit()
    logged = set(db.session.scalars(select(AuditEntry.changes)))
    assert any("kept1" in changes for changes in logged)
    assert not any("gone2" in changes for changes in logged)
    assert db.session.scalar(select(func.count()).where(AuditEntry.object_type == "Test")) == 1
    assert audit_chain.verify().ok


def test_nothing_is_written_to_the_log_before_the_commit(ctx):
    head = db.session.get(AuditHead, 1)
    before, last_id = _count(), head.last_id if head else 0
    accounts.create_user("later1", "Later#Pass2026", "county_official", "511302", "稍后")
    db.session.flush()
    assert _count() == before
    assert db.session.scalar(select(func.max(AuditHead.last_id))) in (None, last_id)
    db.session.commit()
    assert _count() == before + 1


def test_rekey_turns_a_legacy_unkeyed_chain_into_a_keyed_one(app):
    runner = app.test_cli_runner()
    with app.app_context():
        _notes(3)
        _rechain(None)  # what a database made before the key looks like
        report = audit_chain.verify()
        assert report.bad_id == 1 and "audit-rekey" in report.problem
        _notes(2, start=3)  # written after the upgrade, keyed, on top of the legacy rows
        total = _count()
    result = runner.invoke(args=["audit-rekey"])
    assert result.exit_code == 0 and f"{total} 条" in result.output
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 0, result.output


def test_rekey_refuses_a_broken_legacy_chain_and_changes_nothing(app):
    runner = app.test_cli_runner()
    with app.app_context():
        _notes(3)
        _rechain(None)
        ids = _ids()
        db.session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": ids[1]})
        db.session.commit()
        before = list(db.session.scalars(select(AuditEntry.row_hash).order_by(AuditEntry.id)))
    result = runner.invoke(args=["audit-rekey"])
    assert result.exit_code == 1 and f"第 {ids[2]} 条" in result.output
    with app.app_context():
        after = list(db.session.scalars(select(AuditEntry.row_hash).order_by(AuditEntry.id)))
        assert after == before


def test_rekey_rotates_the_key(app):
    runner = app.test_cli_runner()
    old_key = app.config["AUDIT_KEY"]
    with app.app_context():
        _notes(3)
    app.config["AUDIT_KEY"] = "a-new-audit-key"
    assert runner.invoke(args=["audit-verify"]).exit_code == 1
    result = runner.invoke(args=["audit-rekey", "--old-key", old_key])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["audit-verify"]).exit_code == 0


def test_production_refuses_to_start_without_the_audit_key(monkeypatch):
    from config import ProductionConfig
    from registry import create_app

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "k" * 32)
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", "sqlite://")
    monkeypatch.setattr(ProductionConfig, "ENCRYPTION_KEY", "x")
    monkeypatch.setattr(ProductionConfig, "AUDIT_KEY", None)
    with pytest.raises(RuntimeError) as error:
        create_app("production")
    assert "REGISTRY_AUDIT_KEY" in str(error.value)


def test_a_user_row_is_chained_with_the_configured_key(ctx):
    accounts.create_user("keyed1", "Keyed#Pass2026", "county_official", "511302", "密钥")
    db.session.commit()
    row = db.session.execute(select(AuditEntry.__table__).where(
        AuditEntry.object_type == "User")).mappings().one()
    key = b"test-audit-key-not-for-production"
    assert audit_chain.row_hash(key, row["prev_hash"], row) == row["row_hash"]
    assert db.session.scalar(select(User.username).where(User.username == "keyed1"))
