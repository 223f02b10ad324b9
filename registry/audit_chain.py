"""The audit log's keyed hash chain: append rows under the head lock, verify, re-key.

Each row's hash is an HMAC-SHA256, keyed with AUDIT_KEY (kept outside the database like the
encryption key), over the previous row's hash and the row's content. Someone who can write to
the database but has no key cannot delete or change rows and recompute the chain.

Rows written before the chain was keyed carry a plain SHA-256. `verify` reports them as not
keyed; `rekey` checks that old chain from the first row to the last and only then rewrites
every hash with the current key (it is also how the key is rotated: `old_key`).
"""

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from registry.extensions import db
from registry.i18n import gettext as _
from registry.models import AuditEntry, AuditHead

GENESIS = "0" * 64
ENTRY = AuditEntry.__table__
HEAD = AuditHead.__table__
# Every audited transaction sends these: built once (building costs more than sending).
LOCK_HEAD = (update(HEAD).where(HEAD.c.id == 1).values(last_id=HEAD.c.last_id)
             .returning(HEAD.c.last_hash, HEAD.c.last_id))
INSERT_ROWS = insert(ENTRY).returning(ENTRY.c.id, sort_by_parameter_order=True)
MOVE_HEAD = update(HEAD).where(HEAD.c.id == 1).values(last_hash=bindparam("hash"),
                                                     last_id=bindparam("last"))


def current_key() -> bytes:
    """The configured AUDIT_KEY as bytes (the app refuses to start without it in production)."""
    return current_app.config["AUDIT_KEY"].encode()


def row_hash(key: bytes | None, prev_hash: str, row) -> str:
    """The row's HMAC-SHA256 chained to the previous hash; key None = the legacy SHA-256."""
    fields = [
        prev_hash,
        row["created_at"].isoformat(),
        row["actor_id"],
        row["actor_name"],
        row["actor_role"],
        row["ip"],
        row["object_type"],
        row["object_id"],
        row["action"],
        row["changes"],
        row["comment"],
        row["region_code"],
    ]
    payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def _lock_head(conn: Connection) -> tuple[str, int]:
    """Lock the head row and return (last hash, last id).

    An UPDATE … RETURNING: it takes the row lock on PostgreSQL and the write lock on SQLite, so
    the head it returns is the one this transaction builds on (a plain SELECT on SQLite would
    not lock)."""
    head = conn.execute(LOCK_HEAD).first()
    if head is None:
        # The first row ever: make the head (a concurrent first writer may have made it; then
        # this waits for it and does nothing), and lock it.
        insert_head = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(insert_head(HEAD).values(id=1, last_hash=GENESIS, last_id=0)
                     .on_conflict_do_nothing())
        head = conn.execute(LOCK_HEAD).one()
    return head.last_hash, head.last_id


def append(conn: Connection, rows: list[dict]) -> None:
    """Chain and insert rows in one short step; the head stays locked until the COMMIT that
    follows, so concurrent transactions chain one after the other in id order."""
    if not rows:
        return
    key = current_key()
    prev, _ = _lock_head(conn)
    for row in rows:
        row["prev_hash"] = prev
        row["row_hash"] = prev = row_hash(key, prev, row)
    ids = conn.execute(INSERT_ROWS, rows).scalars().all()
    conn.execute(MOVE_HEAD, {"hash": prev, "last": ids[-1]})


def _batches(conn, last_id: int, batch: int) -> Iterator[list]:
    """Rows with id <= last_id in id order, a batch at a time (never the whole table at once)."""
    after = 0
    while True:
        rows = conn.execute(select(ENTRY).where(ENTRY.c.id > after, ENTRY.c.id <= last_id)
                            .order_by(ENTRY.c.id).limit(batch)).mappings().all()
        if not rows:
            return
        yield rows
        after = rows[-1]["id"]


@dataclass
class ChainReport:
    """What verify found: rows checked, and the first bad row (its id and what is wrong)."""

    rows: int = 0
    last_id: int = 0
    last_hash: str = GENESIS
    bad_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def head_id() -> int:
    """The id of the chain's last row (how far a verify will go; a job's total)."""
    return db.session.execute(select(HEAD.c.last_id).where(HEAD.c.id == 1)).scalar() or 0


def verify(batch: int = 5000, progress=None) -> ChainReport:
    """Recompute the chain up to the head as it is now; stop at the first bad row.
    progress(rows checked) is called after each batch (a job's progress bar).

    Rows committed while this runs lie past the head read at the start and are left for the
    next run (the head and its rows are committed together)."""
    conn = db.session.connection()
    key = current_key()
    head = conn.execute(select(HEAD.c.last_hash, HEAD.c.last_id).where(HEAD.c.id == 1)).first()
    end_id, end_hash = (head.last_id, head.last_hash) if head else (0, GENESIS)
    report = ChainReport()
    if head is None and conn.execute(select(ENTRY.c.id).limit(1)).first():
        report.problem = _("链头记录（audit_head）缺失，无法确认链尾")
        return report
    for rows in _batches(conn, end_id, batch):
        for row in rows:
            problem = _check(key, row, report.last_hash)
            if problem:
                report.bad_id, report.problem = row["id"], _("第 %(value1)s 条：%(problem)s",
                                                             value1=row['id'],
                                                             problem=problem)
                return report
            report.rows += 1
            report.last_id, report.last_hash = row["id"], row["row_hash"]
        if progress:
            progress(report.last_id)
    if (report.last_id, report.last_hash) != (end_id, end_hash):
        report.bad_id = end_id
        report.problem = (_("链尾应为第 %(end_id)s 条，实际止于第 %(last_id)s 条"
                            "：最后的记录被删除或链头被改动",
                            end_id=end_id,
                            last_id=report.last_id))
    return report


def _check(key: bytes, row, prev: str) -> str:
    """What is wrong with one row given the previous row's hash ('' if nothing)."""
    if row["prev_hash"] != prev:
        return _("“前一条哈希”与上一条记录不符（之前的记录被删除、插入或重写）")
    if hmac.compare_digest(row_hash(key, prev, row), row["row_hash"]):
        return ""
    if row_hash(None, prev, row) == row["row_hash"]:
        return (_("哈希未使用审计密钥（启用密钥之前的旧记录，或被人无密钥地重算）；"
                "旧记录请先运行 flask audit-rekey"))
    return _("内容或哈希被修改（与审计密钥计算的哈希不符）")


def rekey(old_key: bytes | None, batch: int = 5000) -> int:
    """Rewrite every row's hashes with the current key, after checking the whole old chain.

    A row passes if its hash is the old scheme's (plain SHA-256 when old_key is None, else the
    old key's HMAC) or already the current key's (rows written since the upgrade). Any break
    raises ValueError and nothing is changed. Runs in the caller's transaction with the head
    locked, so writers wait until the caller commits: run it in a maintenance window."""
    conn = db.session.connection()
    key = current_key()
    end_hash, end_id = _lock_head(conn)
    old_prev = new_prev = GENESIS
    count = 0
    stmt = update(ENTRY).where(ENTRY.c.id == bindparam("b_id")).values(
        prev_hash=bindparam("b_prev"), row_hash=bindparam("b_hash"))
    for rows in _batches(conn, end_id, batch):
        changed = []
        for row in rows:
            stored = row["row_hash"]
            if row["prev_hash"] != old_prev or stored not in (
                    row_hash(old_key, old_prev, row), row_hash(key, old_prev, row)):
                raise ValueError(_("第 %(value1)s 条记录与原链不符，未重写任何记录",
                                   value1=row['id']))
            new_hash = row_hash(key, new_prev, row)
            changed.append({"b_id": row["id"], "b_prev": new_prev, "b_hash": new_hash})
            old_prev, new_prev = stored, new_hash
            count += 1
        conn.execute(stmt, changed)
    if old_prev != end_hash:
        raise ValueError(_("链尾与链头（第 %(end_id)s 条）不符，未重写任何记录",
                           end_id=end_id))
    conn.execute(update(HEAD).where(HEAD.c.id == 1).values(last_hash=new_prev))
    return count
