"""The public side of projects: which approved organizations delivered a directory item, with
their latest 绩效评价 grade, kept a short while for the public directory's pages and API; it
imports no rule module so that any purchasing module may use it."""

import json

from sqlalchemy import func, select

from registry import memo
from registry.extensions import db
from registry.organizations.models import Organization
from registry.purchasing.models import EVALUATION_GRADES, PurchasedServiceProject

# A provider has "delivered" an item once its project passed 验收 (acceptance).
DELIVERED = ("accepted", "evaluating", "closed")
MAX_PER_ITEM = 20  # the public page names at most this many providers per item

PSP = PurchasedServiceProject  # short: the queries below name it often


def providers_by_code(codes) -> dict[str, list[dict]]:
    """{item code: [{"id", "name", "evaluation_grade", "grade"}]} for the given codes (None:
    every code), approved organizations only, best latest grade first. Two indexed queries."""
    latest = (select(PSP.item_code, PSP.provider_id, func.max(PSP.id).label("last_id"))
              .where(PSP.status.in_(DELIVERED)))
    if codes is not None:
        codes = list(codes)
        if not codes:
            return {}
        latest = latest.where(PSP.item_code.in_(codes))
    latest = latest.group_by(PSP.item_code, PSP.provider_id).subquery()
    graded = (select(PSP.item_code, PSP.provider_id, func.max(PSP.id).label("graded_id"))
              .where(PSP.status.in_(DELIVERED), PSP.evaluation_grade.is_not(None))
              .group_by(PSP.item_code, PSP.provider_id).subquery())
    last_graded = db.aliased(PSP)
    stmt = (select(latest.c.item_code, Organization.id, Organization.name,
                   last_graded.evaluation_grade)
            .join(Organization, Organization.id == latest.c.provider_id)
            .outerjoin(graded, (graded.c.item_code == latest.c.item_code)
                       & (graded.c.provider_id == latest.c.provider_id))
            .outerjoin(last_graded, last_graded.id == graded.c.graded_id)
            .where(Organization.status == "approved")
            .order_by(latest.c.item_code, Organization.name))
    order = {grade: rank for rank, grade in enumerate(EVALUATION_GRADES)}
    found: dict[str, list[dict]] = {}
    for code, org_id, name, grade in db.session.execute(stmt):
        found.setdefault(code, []).append({
            "id": org_id, "name": name, "evaluation_grade": grade,
            "grade": str(EVALUATION_GRADES[grade]) if grade in EVALUATION_GRADES else ""})
    for code, rows in found.items():
        rows.sort(key=lambda r: order.get(r["evaluation_grade"], len(order)))
        found[code] = rows[:MAX_PER_ITEM]
    return found


def _all() -> tuple[dict[str, list[dict]], str]:
    """providers_by_code(None) and how many each code has (as JSON), asked of the database at
    most once per PUBLIC_PROVIDERS_SECONDS (the public directory's every visit would otherwise
    group every delivered project)."""
    def compute():
        found = providers_by_code(None)
        return found, json.dumps({code: len(rows) for code, rows in found.items()},
                                 separators=(",", ":"))

    return memo.remembered("PUBLIC_PROVIDERS_SECONDS", (), compute)


def all_providers() -> dict[str, list[dict]]:
    """{item code: its providers (at most MAX_PER_ITEM, best grade first)}."""
    return _all()[0]


def provider_counts_json() -> str:
    """{item code: how many providers} as JSON: the public tree's light companion (the names
    of every item's providers would be megabytes on a phone; GET …/providers?code= has them)."""
    return _all()[1]
