"""Jurisdiction: the one place that narrows any query to what a user may see."""

from typing import Any

from flask import abort, g
from sqlalchemy import Select, false, select, true
from sqlalchemy.sql.elements import ColumnElement

from registry import regions
from registry.extensions import db
from registry.models import (
    AUDITOR,
    CITY_OFFICIAL,
    COUNTY_OFFICIAL,
    ORG_ADMIN,
    SECURITY_ADMIN,
    STATION_ADMIN,
    SYSTEM_ADMIN,
    VOLUNTEER,
    AuditEntry,
    Region,
    User,
)
from registry.regions import region_codes_under  # noqa: F401 (areas import it from here)

REGIONAL_ROLES = (CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN)
# Nanchong's largest county has 42 townships; the city 252 regions in all.
MAX_LITERAL_CODES = 64
# What the system administrator manages: accounts and regions, never citizens' records.
SYSTEM_ADMIN_MODELS = (User, Region)
# What the security administrator manages: users' roles and regions, nothing else.
SECURITY_ADMIN_MODELS = (User,)


def codes_under(code: str) -> list[str]:
    """The codes of a region and all regions below it, as a list: asked once per request (of
    the table each worker keeps, regions.kept)."""
    cache = g.setdefault("codes_under", {})
    if code not in cache:
        cache[code] = regions.codes_under(code)
    return cache[code]


def region_condition(column, code: str) -> ColumnElement[bool]:
    """column holds the code of a region at or under code.

    A county's few dozen codes go to the database as a literal list, which PostgreSQL tests
    while it reads an index (an index-only scan of (id, township_code) walks a county's rows
    newest first without reading the table) instead of joining every row to region. The
    city's few hundred would cost more to plan than the subquery, which its rows all match.
    """
    codes = codes_under(code)
    return column.in_(codes if len(codes) <= MAX_LITERAL_CODES else region_codes_under(code))


def scope_condition(user: Any, model: type) -> ColumnElement[bool]:
    """The SQL condition for the rows of model that user may see."""
    if user is None or not getattr(user, "is_authenticated", False):
        return false()
    role = user.role
    if role == SYSTEM_ADMIN:
        return true() if model in SYSTEM_ADMIN_MODELS else false()
    if role == SECURITY_ADMIN:
        return true() if model in SECURITY_ADMIN_MODELS else false()
    if role == AUDITOR:
        return true() if model is AuditEntry else false()
    if role in REGIONAL_ROLES:
        if model is AuditEntry and role != CITY_OFFICIAL:
            return false()
        column = getattr(model, "jurisdiction_column", None)
        if column is None:
            return false()
        return region_condition(column(), user.region_code)
    if role in (ORG_ADMIN, VOLUNTEER):
        owner = getattr(model, "owner_condition", None)
        return owner(user) if owner is not None else false()
    return false()


def visible(user: Any, stmt: Select, model: type) -> Select:
    """Narrow a select of model to the rows user may see."""
    return stmt.where(scope_condition(user, model))


def visible_select(user: Any, model: type) -> Select:
    """select(model) narrowed to user's jurisdiction."""
    return visible(user, select(model), model)


def get_visible(user: Any, model: type, ident: Any):
    """The row with this id if user may see it, else None (missing and foreign look alike)."""
    try:
        pk = model.__mapper__.primary_key[0]
        ident = pk.type.python_type(ident)
    except (TypeError, ValueError, OverflowError):
        return None
    if isinstance(ident, int) and not (0 < ident < 2**63):
        return None
    stmt = select(model).where(pk == ident).where(scope_condition(user, model))
    return db.session.execute(stmt).scalar_one_or_none()


def get_visible_or_404(user: Any, model: type, ident: Any):
    """The row with this id if user may see it; otherwise 404, as if it did not exist."""
    row = get_visible(user, model, ident)
    if row is None:
        abort(404)
    return row


def can_see(user: Any, obj: Any) -> bool:
    """Whether user may see obj (a loaded row)."""
    model = type(obj)
    pk = model.__mapper__.primary_key[0]
    return get_visible(user, model, getattr(obj, pk.key)) is not None


def region_visible(user: Any, code: str | None) -> bool:
    """Whether a region code lies in user's jurisdiction (for choices and form checks)."""
    if not code or user is None or user.role not in REGIONAL_ROLES:
        return False
    return code in codes_under(user.region_code)
