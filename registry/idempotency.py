"""The Idempotency-Key records and their purge; the API's decorator is in
registry/views/api/idempotency.py."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry.clock import utcnow
from registry.extensions import db
from registry.i18n import lazy_gettext as _l


class IdempotencyRecord(db.Model):
    """A key a user sent, the request it came with and the result it got."""

    __label__ = _l("幂等请求记录")

    __audit_skip__ = True  # the effects themselves are audited
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_record_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    key: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)




def purge(older_than_days: int = 7) -> int:
    """Delete keys older than the given days (a client retries within minutes, not weeks)."""
    from datetime import timedelta

    from sqlalchemy import delete

    cutoff = utcnow() - timedelta(days=older_than_days)
    result = db.session.execute(delete(IdempotencyRecord).where(
        IdempotencyRecord.created_at < cutoff))
    return result.rowcount or 0


