"""Spending on purchased services for officials: contract and paid amounts grouped by county,
year, directory category (level-1 item) or provider, scoped and filtered in one SQL GROUP BY
on the indexed (year, county_code, category_code, provider_id) columns; and its export."""

from decimal import Decimal
from typing import Any

from flask_babel import get_locale
from sqlalchemy import func, select

from registry import exports, memo
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, ORG_ADMIN, Region
from registry.organizations.models import Organization
from registry.purchasing.models import (
    PROJECT_STATUSES,
    PurchasedServiceProject,
)
from registry.purchasing.projects import project_filters
from registry.purchasing.spending_models import (
    ProjectSpending,
    ProjectSpendingArea,
    ProjectSpendingProvider,
)
from registry.scoping import visible
from registry.texts import stored

P = PurchasedServiceProject
S = ProjectSpending
A = ProjectSpendingArea
R = ProjectSpendingProvider
GROUPINGS = {"county": _l("区县"), "year": _l("年度"), "category": _l("目录类别"),
             "provider": _l("承接主体")}
KEY = {"county": "county_code", "year": "year", "category": "category_code",
       "provider": "provider_id"}
MAX_GROUPS = 500  # providers are many: the table shows the largest MAX_GROUPS


def _valid_year(filters: dict) -> int | None:
    year = filters.get("year")
    return year if isinstance(year, int) and 0 < year < 2**31 else None


def _city_by_provider(user: Any, by: str, filters: dict):
    """(rows statement, totals statement) for the city's table by provider when only a year
    narrows it: the largest providers read on (year, amount_fen) of the per-provider summary,
    the totals from the per-area one; else None."""
    if by != "provider" or user.role != CITY_OFFICIAL or filters.get("item_code") or any(
            filters.get(name) for name in ("county_code", "category_code", "provider_id")) or (
            filters.get("status") in PROJECT_STATUSES):
        return None
    year = _valid_year(filters)
    if year:
        ranked = (select(R.provider_id, R.projects, R.amount_fen, R.paid_fen)
                  .where(R.year == year).order_by(R.amount_fen.desc()))
    else:
        amount = func.sum(R.amount_fen)
        ranked = (select(R.provider_id, func.sum(R.projects).label("projects"),
                         amount.label("amount_fen"), func.sum(R.paid_fen).label("paid_fen"))
                  .group_by(R.provider_id).order_by(amount.desc()))
    top = ranked.limit(MAX_GROUPS + 1).subquery()
    rows = (select(top.c.provider_id, Organization.name, top.c.projects, top.c.amount_fen,
                   top.c.paid_fen)  # the shown providers' names in the same query
            .join(Organization, Organization.id == top.c.provider_id)
            .order_by(top.c.amount_fen.desc()))
    totals = select(func.sum(A.projects), func.sum(A.amount_fen), func.sum(A.paid_fen))
    return rows, totals.where(A.year == year) if year else totals


def _summary(user: Any, by: str, filters: dict):
    """(summary table, its conditions) for the rows user sees, filtered, when a summary can
    answer (an official's or a representative's table without a status or item filter); else
    None. Without a provider in the question the per-area rows answer (far fewer)."""
    if filters.get("status") in PROJECT_STATUSES or filters.get("item_code"):
        return None
    provider = filters.get("provider_id")
    provider = provider if isinstance(provider, int) and 0 < provider < 2**31 else None
    table = S if by == "provider" or user.role == ORG_ADMIN or provider else A
    if user.role == CITY_OFFICIAL:
        where = []
    elif user.role == COUNTY_OFFICIAL:
        where = [table.county_code == user.region_code]
    elif user.role == ORG_ADMIN:
        where = [table.provider_id == (user.organization_id or -1)]
    else:
        return None
    year = _valid_year(filters)
    if year:
        where.append(table.year == year)
    if provider:
        where.append(table.provider_id == provider)
    for name in ("county_code", "category_code"):
        if filters.get(name):
            where.append(getattr(table, name) == str(filters[name])[:20])
    return table, where


def spending(user: Any, by: str, filters: dict) -> dict:
    """{"by", "rows": [{"key", "label", "count", "amount_fen", "paid_fen"}], "total",
    "truncated"}: one GROUP BY over the summary rows user sees (kept with every project
    write), or over the projects themselves for a status or item filter. Like the other
    officials' statistics it is kept per worker for STATISTICS_SECONDS, per person (their
    jurisdiction), grouping, filters and language."""
    key = ("spending", user.id, user.role, user.region_code, by,
           tuple(sorted((name, str(value)) for name, value in filters.items())),
           str(get_locale()))
    return memo.remembered("STATISTICS_SECONDS", key, lambda: _spending(user, by, filters))


def _spending(user: Any, by: str, filters: dict) -> dict:
    by = by if by in GROUPINGS else "county"
    city_by_provider = _city_by_provider(user, by, filters)
    summary = _summary(user, by, filters)
    if city_by_provider is not None:
        stmt, totals_stmt = city_by_provider
    elif summary is not None:
        table, where = summary
        key = getattr(table, KEY[by])
        count, amount, paid = (func.coalesce(func.sum(table.projects), 0),
                               func.coalesce(func.sum(table.amount_fen), 0),
                               func.coalesce(func.sum(table.paid_fen), 0))
        stmt = select(key, func.max(table.category_name), count, amount, paid).where(*where)
    else:
        key = getattr(P, KEY[by])
        count, amount, paid = (func.count(P.id), func.coalesce(func.sum(P.amount_fen), 0),
                               func.coalesce(func.sum(P.paid_fen), 0))
        stmt = visible(user, project_filters(
            select(key, func.max(P.category_name), count, amount, paid).select_from(P),
            filters), P)
    if city_by_provider is None:
        stmt = stmt.group_by(key).order_by(amount.desc() if by == "provider" else key)
    found = list(db.session.execute(stmt.limit(MAX_GROUPS + 1)))
    truncated = len(found) > MAX_GROUPS
    named = by == "category" or city_by_provider is not None
    rows = [{"key": str(code), "label": str(name if named else code),
             "count": int(n), "amount_fen": int(total or 0), "paid_fen": int(done or 0)}
            for code, name, n, total, done in found[:MAX_GROUPS]]
    if not named:
        _name_rows(by, rows)
    if truncated and city_by_provider is not None:
        totals = db.session.execute(totals_stmt).one()
    elif truncated:  # the groups shown are not all: the total is asked for
        groups = stmt.order_by(None).subquery()
        totals = db.session.execute(select(*[func.sum(column) for column in
                                             list(groups.c)[2:5]])).one()
    else:  # every group is here: their sum is the total, without a second pass
        totals = [sum(r[name] for r in rows) for name in ("count", "amount_fen", "paid_fen")]
    return {"by": by, "rows": rows, "truncated": truncated,
            "total": {"count": int(totals[0] or 0), "amount_fen": int(totals[1] or 0),
                      "paid_fen": int(totals[2] or 0)}}


def _name_rows(by: str, rows: list[dict]) -> None:
    """Counties and providers by name (one look-up for the shown rows)."""
    if by == "county":
        names = dict(db.session.execute(select(Region.code, Region.name).where(
            Region.code.in_([r["key"] for r in rows]))).all()) if rows else {}
    elif by == "provider":
        names = dict(db.session.execute(select(Organization.id, Organization.name).where(
            Organization.id.in_([int(r["key"]) for r in rows]))).all()) if rows else {}
        names = {str(k): v for k, v in names.items()}
    else:
        return
    for row in rows:
        row["label"] = names.get(row["key"], row["key"])


def years(user: Any) -> list[int]:
    stmt = visible(user, select(P.year).distinct(), P).order_by(P.year.desc()).limit(50)
    return list(db.session.scalars(stmt))


def yuan(fen: int) -> Decimal:
    """Fen as exact yuan for a spreadsheet cell (never a float)."""
    return Decimal(fen) / 100


def export(user: Any, by: str, filters: dict, fmt: str = "xlsx"):
    """The table as .xlsx (or CSV), formula-safe and audited (registry/exports.py)."""
    table = spending(user, by, filters)
    header = [str(GROUPINGS[table["by"]]), _("项目数"), _("合同金额（元）"), _("已付金额（元）")]
    rows = [(row["label"], row["count"], yuan(row["amount_fen"]), yuan(row["paid_fen"]))
            for row in table["rows"]]
    rows.append((_("合计"), table["total"]["count"], yuan(table["total"]["amount_fen"]),
                 yuan(table["total"]["paid_fen"])))
    return exports.response(fmt, "spending", header, rows, what="PurchasedServiceProject",
                            comment=stored("购买服务支出统计"), region_code=user.region_code,
                            filters={"by": table["by"], **{k: v for k, v in filters.items()
                                                           if v not in (None, "")}})
