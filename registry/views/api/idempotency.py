"""Idempotency-Key for API endpoints that move points, stock or money (API.md).

Put `@idempotent` between `@blp.response(...)` and the view function, and let the view
*flush only*: the decorator commits. With an `Idempotency-Key` header, the key row is
inserted first (a concurrent request with the same key waits on the unique index, then
replays), the view runs, and its result is stored in the same transaction as what it moved.
The same key with the same method, path and body returns the stored result and moves nothing
again; the same key with another request is a 422. Errors are not stored (a retry runs again).
Without the header the view simply runs and is committed.
"""

import hashlib
import json
import re
from functools import wraps
from typing import Any

from flask import request
from sqlalchemy import DateTime, bindparam, select, text, update

from registry.clock import utcnow
from registry.errors import ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.idempotency import IdempotencyRecord
from registry.views.api import current_api_user
from registry.views.api.json_body import json_body

HEADER = "Idempotency-Key"
KEY_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,100}$")


def request_fingerprint() -> str:
    """SHA-256 of method, path and body (JSON normalised, so key order does not matter)."""
    if request.is_json:  # parsed through the guard (json_body.py), never json.loads here
        body = json.dumps(json_body(), sort_keys=True, separators=(",", ":"))
    else:
        body = request.get_data(cache=True).hex()
    payload = f"{request.method} {request.path}\n{body}"
    return hashlib.sha256(payload.encode()).hexdigest()


def sent_key() -> str | None:
    """The request's Idempotency-Key, checked, or None."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not KEY_RE.match(key):
        raise ValidationFailed(_("Idempotency-Key 应为 1–100 个字母、数字或 . _ : -"), HEADER)
    return key


def _split(result: Any) -> tuple[Any, int | None]:
    if isinstance(result, tuple):
        return result[0], (result[1] if len(result) > 1 else None)
    return result, None


def idempotent(view):
    """Replay the first result for a repeated Idempotency-Key; commit the view's work."""

    @wraps(view)
    def wrapper(*args, **kwargs):

        key = sent_key()
        if key is None:
            result = view(*args, **kwargs)
            db.session.commit()
            return result
        user = current_api_user()
        fingerprint = request_fingerprint()
        record_id = _claim(user.id, key, fingerprint)
        if record_id is None:
            return _replay(user.id, key, fingerprint)
        result = view(*args, **kwargs)
        body, status = _split(result)
        db.session.execute(STORE_RESULT, {
            "record": record_id, "status": status,
            "body": json.dumps(body, ensure_ascii=False, default=str)})
        db.session.commit()
        return result

    return wrapper


# One statement, the same on PostgreSQL and SQLite (3.35+): a concurrent request with the same
# key waits on the unique index until the first one ends, then finds the key taken. Plain SQL
# because SQLAlchemy compiles its ON CONFLICT anew on every call.
CLAIM = text(
    "INSERT INTO idempotency_record (user_id, key, request_hash, created_at) "
    "VALUES (:user_id, :key, :request_hash, :created_at) "
    "ON CONFLICT (user_id, key) DO NOTHING RETURNING id"
).bindparams(bindparam("created_at", type_=DateTime))


_RECORDS = IdempotencyRecord.__table__
STORE_RESULT = update(_RECORDS).where(_RECORDS.c.id == bindparam("record")).values(
    status_code=bindparam("status"), response_body=bindparam("body"))


def _claim(user_id: int, key: str, fingerprint: str) -> int | None:
    """Insert the key's row and return its id; None when the key is taken."""
    return db.session.scalar(CLAIM, {"user_id": user_id, "key": key,
                                     "request_hash": fingerprint, "created_at": utcnow()})


def _replay(user_id: int, key: str, fingerprint: str):
    db.session.rollback()
    record = db.session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key))
    if record is None or record.response_body is None:
        raise ValidationFailed(_("相同 Idempotency-Key 的请求正在处理，请稍后重试"), HEADER)
    if record.request_hash != fingerprint:
        raise ValidationFailed(_("该 Idempotency-Key 已用于另一个请求，请换一个新的键"), HEADER)
    body = json.loads(record.response_body)
    return (body, record.status_code) if record.status_code else body




