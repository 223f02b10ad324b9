"""通存通兑 settlement: for one month, the points redeemed at each township's store against the
township where those points were earned (the redeemer's, or the household's, township), so
that the township that issued the points pays the store's township for the goods.

Computed by the database: one GROUP BY (store township, earning township) over the month's
redemptions, read on the (created_at, store_township_code, payer_township_code) index; a
cancelled redemption counts nothing (cancellation is same-day only, so a closed month stays
as settled)."""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_, select

from registry.clock import from_local
from registry.errors import NotAllowed, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.incentives.models import Redemption
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, Region
from registry.scoping import region_condition

SETTLED = ("reserved", "fulfilled")


@dataclass
class Settlement:
    """One month's table: `pairs` rows (store township, earning township, points, count) and
    per-township totals: received (redeemed at its store), issued (its points redeemed
    anywhere), net = received − issued (> 0: the others owe it)."""

    month: date
    pairs: list = field(default_factory=list)
    townships: list = field(default_factory=list)
    names: dict = field(default_factory=dict)


def parse_month(value) -> date:
    """'2026-11' → date(2026, 11, 1); ValidationFailed otherwise (1900–2100)."""
    text = str(value or "").strip()
    try:
        year, month = (int(part) for part in text.split("-"))
        if not (1900 <= year <= 2100 and 1 <= month <= 12) or len(text) > 7:
            raise ValueError
    except ValueError:
        raise ValidationFailed(_("月份格式应为 YYYY-MM，例如 2026-11"), "month") from None
    return date(year, month, 1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month in Beijing time as the naive-UTC range the database stores."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return (from_local(datetime.combine(month, datetime.min.time())),
            from_local(datetime.combine(following, datetime.min.time())))


def _scope(user):
    if user is None or user.role not in (CITY_OFFICIAL, COUNTY_OFFICIAL):
        raise NotAllowed(_("只有市、县（区）主管部门可以查看通存通兑结算表"))
    r = Redemption
    return or_(region_condition(r.store_township_code, user.region_code),
               region_condition(r.payer_township_code, user.region_code))


def monthly(user, month: date) -> Settlement:
    """The settlement table of one month, within the user's jurisdiction (a county official
    sees every pair where the store or the earning township is in the county)."""
    start, end = month_bounds(month)
    r = Redemption
    stmt = (select(r.store_township_code, r.payer_township_code,
                   func.sum(r.points), func.count(), func.sum(r.quantity))
            .where(r.created_at >= start, r.created_at < end, r.status.in_(SETTLED),
                   _scope(user))
            .group_by(r.store_township_code, r.payer_township_code)
            .order_by(r.store_township_code, r.payer_township_code))
    result = Settlement(month=month)
    totals: dict[str, list[int]] = {}
    for store_code, payer_code, points, count, quantity in db.session.execute(stmt):
        result.pairs.append((store_code, payer_code, int(points), int(count), int(quantity)))
        totals.setdefault(store_code, [0, 0])[0] += int(points)
        totals.setdefault(payer_code, [0, 0])[1] += int(points)
    result.townships = [(code, received, issued, received - issued)
                        for code, (received, issued) in sorted(totals.items())]
    codes = set(totals)
    if codes:
        result.names = dict(db.session.execute(
            select(Region.code, Region.name).where(Region.code.in_(codes))).all())
    return result


EXPORT_HEADER = [_l("月份"), _l("兑换超市所在乡镇（街道）"), _l("积分来源乡镇（街道）"),
                 _l("兑换积分"), _l("兑换笔数"), _l("商品件数"), _l("是否跨乡镇")]


def export_rows(table: Settlement):
    label = f"{table.month:%Y-%m}"
    for store_code, payer_code, points, count, quantity in table.pairs:
        yield [label, f"{table.names.get(store_code, '')}（{store_code}）",
               f"{table.names.get(payer_code, '')}（{payer_code}）", points, count, quantity,
               _("是") if store_code != payer_code else _("否")]
