"""The audit log: every write recorded with actor and masked changes, hash-chained, verifiable."""

import hashlib
import json
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from registry.clock import utcnow
from registry.extensions import db
from registry.masking import mask
from registry.models import AuditEntry, AuditHead

GENESIS = "0" * 64
SENSITIVE_WORDS = ("password", "token", "encrypted", "secret")
cli_actor: ContextVar[dict | None] = ContextVar("cli_actor", default=None)


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove an append-only row."""


def set_actor(user: Any) -> None:
    """Remember who is acting in this request (or CLI run) for the rows the flush writes."""
    actor = {"id": user.id, "name": user.username, "role": user.role} if user else None
    if has_request_context():
        g.audit_actor = actor
    else:
        cli_actor.set(actor)


def _actor() -> dict:
    if has_request_context():
        actor = g.get("audit_actor") or {"id": None, "name": "anonymous", "role": ""}
        return {**actor, "ip": request.remote_addr or ""}
    actor = cli_actor.get() or {"id": None, "name": "cli", "role": "system"}
    return {**actor, "ip": "cli"}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return "<bytes>"
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def _shown(model: type, key: str, value: Any) -> Any:
    kind = getattr(model, "__masked_fields__", {}).get(key)
    if kind is None and any(word in key for word in SENSITIVE_WORDS):
        kind = "secret"
    return mask(kind, value) if kind else _plain(value)


def _changes(obj: Any, action: str) -> dict:
    state = inspect(obj)
    model = type(obj)
    out = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if action == "create":
            value = getattr(obj, key)
            if value is not None:
                out[key] = _shown(model, key, value)
        elif action == "update":
            hist = state.attrs[key].history
            if hist.has_changes():
                old = hist.deleted[0] if hist.deleted else None
                new = hist.added[0] if hist.added else None
                if old != new:
                    out[key] = [_shown(model, key, old), _shown(model, key, new)]
    return out


def _region_of(obj: Any) -> str | None:
    region_of = getattr(obj, "audit_region_code", None)
    if callable(region_of):
        return region_of()
    for name in ("region_code", "township_code"):
        value = getattr(obj, name, None)
        if isinstance(value, str):
            return value
    return None


def _object_id(obj: Any) -> str:
    # The identity key is only set after the flush finishes; the primary key is known already.
    ident = inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(part) for part in ident if part is not None)


def row_hash(prev_hash: str, row: dict) -> str:
    """The SHA-256 of a row's content chained to the previous row's hash."""
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
    payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _append(session: Session, rows: list[dict]) -> None:
    """Append rows to the chain, holding the head row's lock so concurrent writers queue."""
    if not rows:
        return
    conn = session.connection()
    head_table = AuditHead.__table__
    head = conn.execute(
        select(head_table.c.last_hash).where(head_table.c.id == 1).with_for_update()
    ).first()
    if head is None:
        conn.execute(head_table.insert().values(id=1, last_hash=GENESIS, last_id=0))
        prev = GENESIS
    else:
        prev = head.last_hash
    last_id = 0
    for row in rows:
        row["prev_hash"] = prev
        row["row_hash"] = prev = row_hash(prev, row)
        last_id = conn.execute(AuditEntry.__table__.insert().values(**row)).inserted_primary_key[0]
    conn.execute(
        update(head_table).where(head_table.c.id == 1).values(last_hash=prev, last_id=last_id)
    )


def _row(object_type: str, object_id: str, action: str, changes: dict, comment: str,
         region_code: str | None) -> dict:
    actor = _actor()
    return {
        "created_at": utcnow(),
        "actor_id": actor["id"],
        "actor_name": actor["name"] or "",
        "actor_role": actor["role"] or "",
        "ip": actor["ip"][:45],
        "object_type": object_type,
        "object_id": object_id[:64],
        "action": action,
        "changes": json.dumps(changes, ensure_ascii=False, sort_keys=True),
        "comment": comment or "",
        "region_code": region_code,
    }


def record(action: str, obj: Any = None, *, object_type: str = "", object_id: str = "",
           changes: dict | None = None, comment: str = "", region_code: str | None = None) -> None:
    """Write an explicit audit row now (logins, workflow moves, views of unmasked data)."""
    if obj is not None:
        db.session.flush()
        object_type = object_type or type(obj).__name__
        object_id = object_id or _object_id(obj)
        region_code = region_code or _region_of(obj)
    _append(db.session(), [_row(object_type, object_id, action, changes or {}, comment,
                                region_code)])


@event.listens_for(Session, "before_flush")
def _guard_append_only(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if getattr(type(obj), "__append_only__", False) or isinstance(obj, AuditEntry):
            if obj in session.deleted or session.is_modified(obj):
                raise AppendOnlyError(f"{type(obj).__name__} rows are never changed or removed")


@event.listens_for(Session, "after_flush")
def _audit_flush(session: Session, flush_context) -> None:
    rows = []
    for action, objects in (("create", session.new), ("update", session.dirty),
                            ("delete", session.deleted)):
        for obj in objects:
            if getattr(type(obj), "__audit_skip__", False):
                continue
            changes = _changes(obj, action)
            if action == "update" and not changes:
                continue
            rows.append(_row(type(obj).__name__, _object_id(obj), action, changes, "",
                             _region_of(obj)))
    _append(session, rows)


def verify_chain(batch: int = 5000) -> list[str]:
    """Recompute the chain; return a Chinese description of each break found (empty if intact)."""
    problems = []
    prev = GENESIS
    last_id = 0
    table = AuditEntry.__table__
    stmt = select(table).order_by(table.c.id).execution_options(yield_per=batch)
    for row in db.session.execute(stmt).mappings():
        if row["prev_hash"] != prev:
            problems.append(f"第 {row['id']} 条之前的记录被删除或修改（链断开）")
        if row_hash(row["prev_hash"], dict(row)) != row["row_hash"]:
            problems.append(f"第 {row['id']} 条记录的内容被修改")
        prev = row["row_hash"]
        last_id = row["id"]
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.last_hash != prev or head.last_id != last_id):
        problems.append("最后的记录被删除（链尾与记录不符）")
    return problems
