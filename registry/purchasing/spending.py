"""Spending on purchased services for officials: contract and paid amounts grouped by county,
year, directory category (level-1 item) or provider, scoped and filtered in one SQL GROUP BY
on the indexed (year, county_code, category_code, provider_id) columns; and its export."""

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from registry import exports
from registry.extensions import db
from registry.models import Region
from registry.organizations.models import Organization
from registry.purchasing.models import PurchasedServiceProject
from registry.purchasing.projects import project_filters
from registry.scoping import visible
from registry.texts import stored

P = PurchasedServiceProject
GROUPINGS = {"county": _l("区县"), "year": _l("年度"), "category": _l("目录类别"),
             "provider": _l("承接主体")}
KEYS = {"county": (P.county_code,), "year": (P.year,),
        "category": (P.category_code, P.category_name), "provider": (P.provider_id,)}
MAX_GROUPS = 500  # providers are many: the table shows the largest MAX_GROUPS


def spending(user: Any, by: str, filters: dict) -> dict:
    """{"by", "rows": [{"key", "label", "count", "amount_fen", "paid_fen"}], "total",
    "truncated"}: one GROUP BY over the projects user sees."""
    by = by if by in GROUPINGS else "county"
    keys = KEYS[by]
    amount = func.coalesce(func.sum(P.amount_fen), 0)
    stmt = select(*keys, func.count(P.id), amount, func.coalesce(func.sum(P.paid_fen), 0))
    stmt = visible(user, project_filters(stmt.select_from(P), filters), P).group_by(*keys)
    stmt = stmt.order_by(amount.desc() if by == "provider" else keys[0])
    found = list(db.session.execute(stmt.limit(MAX_GROUPS + 1)))
    truncated = len(found) > MAX_GROUPS
    rows = []
    for row in found[:MAX_GROUPS]:
        key = row[0]
        label = row[1] if by == "category" else key
        count, total, paid = row[-3:]
        rows.append({"key": str(key), "label": str(label), "count": int(count),
                     "amount_fen": int(total or 0), "paid_fen": int(paid or 0)})
    _name_rows(by, rows)
    if truncated:  # the groups shown are not all: the total is asked for
        totals = db.session.execute(visible(user, project_filters(
            select(func.count(P.id), func.coalesce(func.sum(P.amount_fen), 0),
                   func.coalesce(func.sum(P.paid_fen), 0)).select_from(P), filters), P)).one()
    else:  # every group is here: their sum is the total, without a second pass
        totals = [sum(r[name] for r in rows) for name in ("count", "amount_fen", "paid_fen")]
    return {"by": by, "rows": rows, "truncated": truncated,
            "total": {"count": int(totals[0]), "amount_fen": int(totals[1] or 0),
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
