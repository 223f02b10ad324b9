"""How a monthly report shows a figure, read from its key: money (fen) as 元 with 2 decimals,
minutes as hours with 1 decimal, per mille as a per cent, counts as they are; the change."""

import re
from decimal import ROUND_HALF_UP, Decimal

from registry.i18n import gettext as _

PLAIN = {"year"}  # numbers shown without a thousands separator
UNIT_SUFFIX = re.compile(r"[（(][^（）()]*[）)]$")  # a label's "（分）", "（分钟）", "（‰）"


def kind_of(key: str) -> str:
    """money (…_fen), minutes (…_minutes), rate (…_permille), plain (a year) or count."""
    if key in PLAIN:
        return "plain"
    for suffix, kind in (("_fen", "money"), ("_minutes", "minutes"), ("_permille", "rate")):
        if key.endswith(suffix):
            return kind
    return "count"


def is_number(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def number(key: str, value):
    """The value as a spreadsheet cell holds it: 元, hours (1 decimal) or % as Decimal; a
    count as it is; a text as it is."""
    if not is_number(value):
        return value
    kind = kind_of(key)
    if kind == "money":
        return Decimal(value) / 100
    if kind == "minutes":
        return (Decimal(value) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if kind == "rate":
        return Decimal(value) / 10
    return value


def number_format(key: str) -> str | None:
    return {"money": "#,##0.00", "minutes": "#,##0.0", "rate": "0.0"}.get(kind_of(key))


def shown(key: str, value) -> str:
    """A value as text: 1,234.50 (元), 12.5 (hours), 85.3%, 1,234."""
    if not is_number(value):
        return "" if value is None else str(value)
    kind, sign = kind_of(key), "-" if value < 0 else ""
    if kind == "money":
        yuan, fen = divmod(abs(value), 100)
        return f"{sign}{yuan:,}.{fen:02d}"
    if kind == "minutes":
        tenths = (abs(value) * 10 + 30) // 60  # half up, as the certificate's hours
        return f"{sign}{tenths // 10:,}.{tenths % 10}"
    if kind == "rate":
        return f"{sign}{abs(value) // 10}.{abs(value) % 10}%"
    return str(value) if kind == "plain" else f"{value:,}"


def unit(key: str) -> str:
    return {"money": _("元"), "minutes": _("小时"), "rate": "%"}.get(kind_of(key), "")


def label_with_unit(label, key: str) -> str:
    """The label with the unit the report shows: the figures' own unit (分, 分钟, ‰) replaced
    by 元, 小时 or %."""
    if not unit(key):
        return str(label)
    return f"{UNIT_SUFFIX.sub('', str(label))}（{unit(key)}）"


def change(key: str, this: int, last: int | None) -> dict:
    """The change from last month: the difference, and the per cent (in tenths) where it
    means something: a count or amount that was not zero (a rate's change is in points)."""
    if last is None:
        return {"diff": None, "percent_tenths": None}
    diff = this - last
    percent = None
    if kind_of(key) != "rate" and last > 0:
        percent = int((Decimal(diff) * 1000 / last).quantize(Decimal(1), ROUND_HALF_UP))
    return {"diff": diff, "percent_tenths": percent}


def signed(key: str, diff: int) -> str:
    return ("+" if diff > 0 else "") + shown(key, diff)


def percent_text(tenths: int | None) -> str:
    if tenths is None:
        return ""
    sign = "+" if tenths > 0 else "-" if tenths < 0 else ""
    return f"{sign}{abs(tenths) // 10}.{abs(tenths) % 10}%"


def change_text(key: str, moved: dict) -> str:
    """+12（+5.0%）, -1,200.00（-10.0%）, +1.5 个百分点, or 无上月数据."""
    diff, percent = moved["diff"], moved["percent_tenths"]
    if diff is None:
        return _("无上月数据")
    if kind_of(key) == "rate":
        return _("%(value)s 个百分点", value=signed(key, diff).rstrip("%"))
    text = signed(key, diff)
    return f"{text}（{percent_text(percent)}）" if percent is not None else text
