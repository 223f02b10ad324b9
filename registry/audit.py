"""The audit log: every write recorded with its actor and masked changes.

Rows are collected when the ORM flushes (or `record` is called) and chained in one short step
right before the transaction's COMMIT (audit_chain.append), so the chain's head is locked only
for the length of that commit, never for a whole long transaction; rows of a rolled-back
transaction or savepoint are dropped and never reach the chain.
"""

import json
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, SessionTransaction

from registry import audit_chain
from registry.clock import utcnow
from registry.extensions import db
from registry.masking import mask
from registry.models import AuditEntry
from registry.privacy import mask_in_text

PENDING = "audit_pending"  # session.info key: [(transaction, row), ...] not yet chained
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


# Which fields hold personal data, read from their names (DOMAIN.md §1), so that every model,
# including ones added later, is covered; a model's __masked_fields__ wins over these.
SECRET_WORDS = {"password", "token", "secret", "encrypted", "hash", "salt"}
PHONE_WORDS = {"phone", "mobile", "tel", "telephone"}


def masked_kind(model: type | None, key: str) -> str | None:
    """How a field is masked in an audit row (a masking.MASKERS kind), or None if shown as is.

    Secrets (password or token hashes, encrypted values) never show. A birth date is hidden
    whole: it is digits 7-14 of the ID number, so next to a masked ID it would rebuild it. ID
    numbers, phones, contacts and a guardian's name are masked as DOMAIN.md §1 shows them."""
    explicit = getattr(model, "__masked_fields__", {}).get(key)
    if explicit:
        return explicit
    name = key.lower()
    words = set(name.split("_"))
    if words & SECRET_WORDS:
        return "secret"
    if name.startswith("birth") or "birth" in words or "birthday" in words:
        return "secret"
    if "id_number" in name or "id_card" in name or "idcard" in name:
        return "id_number"
    if words & PHONE_WORDS:
        return "phone"
    if words & {"contact", "contacts", "guardian"}:
        return "name" if "name" in words else "contact"
    return None


def _shown(model: type | None, key: str, value: Any) -> Any:
    kind = masked_kind(model, key)
    return mask(kind, value) if kind else _plain(value)


def masked_changes(model: type | None, changes: dict) -> dict:
    """Explicit changes given to record(): each value (or [old, new] pair) masked by its key."""
    return {key: [_shown(model, key, v) for v in value] if isinstance(value, list | tuple)
            else _shown(model, key, value) for key, value in changes.items()}


def changes_of(obj: Any, action: str) -> dict:
    """The masked content of an ORM write: all set fields (create) or [old, new] (update)."""
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


def _scrubbed(value: Any) -> Any:
    """Every string of an audit row with phone- and ID-shaped parts masked: the masking by
    field name misses such numbers typed into free text (a workflow comment, a file name)."""
    if isinstance(value, str):
        return mask_in_text(value)
    if isinstance(value, dict):
        return {key: _scrubbed(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(item) for item in value]
    return value


def _row(object_type: str, object_id: str, action: str, changes: dict, comment: str,
         region_code: str | None) -> dict:
    """One audit row; every row, automatic or explicit, is built here, so _scrubbed holds for
    all of them."""
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
        "changes": json.dumps(_scrubbed(changes), ensure_ascii=False, sort_keys=True),
        "comment": _scrubbed(str(comment or "")),  # str(): a label may be a lazy text
        "region_code": region_code,
    }


def _transaction(session: Session) -> SessionTransaction | None:
    return session.get_nested_transaction() or session.get_transaction()


def _collect(session: Session, rows: list[dict]) -> None:
    """Keep rows until the commit, tagged with the (sub)transaction they were written in."""
    tx = _transaction(session)
    session.info.setdefault(PENDING, []).extend((tx, row) for row in rows)


def record(action: str, obj: Any = None, *, object_type: str = "", object_id: str = "",
           changes: dict | None = None, comment: str = "", region_code: str | None = None) -> None:
    """Write an explicit audit row at this transaction's commit (logins, workflow moves, views
    of unmasked data)."""
    session = db.session()
    if obj is not None:
        session.flush()
        object_type = object_type or type(obj).__name__
        object_id = object_id or _object_id(obj)
        region_code = region_code or _region_of(obj)
    session.connection()  # begin the transaction now, so a rollback before commit drops the row
    model = type(obj) if obj is not None else None
    _collect(session, [_row(object_type, object_id, action, masked_changes(model, changes or {}),
                            comment, region_code)])


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
            changes = changes_of(obj, action)
            if action == "update" and not changes:
                continue
            rows.append(_row(type(obj).__name__, _object_id(obj), action, changes, "",
                             _region_of(obj)))
    if rows:
        _collect(session, rows)


@event.listens_for(Session, "before_commit")
def _chain_at_commit(session: Session) -> None:
    """Chain the transaction's rows right before its COMMIT (the head is locked from here on).

    A savepoint's release fires this too (a nested transaction is still open then): its rows
    wait for the outer commit, which runs after every savepoint is closed."""
    if session.in_nested_transaction():
        return
    session.flush()  # the commit's own flush would come after this hook; its rows belong here
    pending = session.info.pop(PENDING, None)
    if pending:
        audit_chain.append(session.connection(), [row for _, row in pending])


def _inside(tx: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while tx is not None:
        if tx is ended:
            return True
        tx = tx.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """A rolled-back savepoint or transaction takes its rows with it."""
    pending = session.info.get(PENDING)
    if pending:
        pending[:] = [(tx, row) for tx, row in pending if not _inside(tx, previous_transaction)]


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    """Whatever is left when the outermost transaction ends (closed, not committed) is dropped."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)
