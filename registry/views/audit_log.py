"""The audit log for auditors and city officials: filter by user, object type and date."""

from datetime import datetime, timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user

from registry.clock import from_local
from registry.errors import ValidationFailed
from registry.models import AUDITOR, CITY_OFFICIAL, AuditEntry
from registry.pagination import paginate_query
from registry.scoping import visible_select
from registry.validators import parse_date
from registry.views.access import roles

bp = Blueprint("audit_log", __name__, url_prefix="/audit")


def _parse_date(value: str | None):
    """A filter date, or None (no filter) when it is not a date in the sane range."""
    try:
        day = parse_date(value, "date")
    except ValidationFailed:
        return None
    return datetime.combine(day, datetime.min.time()) if day else None


@bp.route("/")
@roles(AUDITOR, CITY_OFFICIAL)
def index():
    args = request.args
    stmt = visible_select(current_user, AuditEntry)
    actor = (args.get("actor") or "").strip()[:64]
    object_type = (args.get("object_type") or "").strip()[:64]
    start, end = _parse_date(args.get("from")), _parse_date(args.get("to"))
    if actor:
        stmt = stmt.where(AuditEntry.actor_name == actor)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if start:
        stmt = stmt.where(AuditEntry.created_at >= from_local(start))
    if end:
        stmt = stmt.where(AuditEntry.created_at < from_local(end + timedelta(days=1)))
    page = paginate_query(stmt.order_by(AuditEntry.id.desc()), AuditEntry.id, args)
    types = sorted(m.class_.__name__ for m in AuditEntry.registry.mappers
                   if not getattr(m.class_, "__audit_skip__", False))
    return render_template("audit_log/index.html", page=page, object_types=types,
                           filters={"actor": actor, "object_type": object_type,
                                    "from": args.get("from", ""), "to": args.get("to", "")})
