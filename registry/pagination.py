"""Pages of a query: page numbers for the first pages, a keyset cursor for deep ones."""

import base64
import time
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, literal_column, select

from registry.errors import ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _

MAX_PER_PAGE = 100
MAX_PAGE = 100_000
# Lists count their rows exactly up to here and say "more than 1,000" above: counting stops
# after COUNT_CAP + 1 rows, so a list of a million rows costs no more to count than one of a
# thousand (an exact count(*) is ~70 ms on 1M rows, ~0.7 s on 20M).
COUNT_CAP = 1_000
# When each remembered list (capped_count's remember_as) was last found over the cap, per
# worker; cleared whole when it reaches _OVER_CAP_KEPT lists.
_over_cap_seen: dict[tuple, float] = {}
_OVER_CAP_KEPT = 10_000


@dataclass
class Page:
    """One page of rows and how to reach the next."""

    items: list
    page: int
    per_page: int
    total: int | None
    next_cursor: str | None = None
    cursor: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def pages(self) -> int:
        if not self.total:
            return 1
        return (self.total + self.per_page - 1) // self.per_page


def _int_arg(args, name: str, default: int, low: int, high: int, label: str) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise ValidationFailed(_("%(label)s必须是整数", label=label), name) from None
    if not low <= value <= high:
        raise ValidationFailed(_("%(label)s应在 %(low)s 到 %(high)s 之间",
                                 label=label,
                                 low=low,
                                 high=high), name)
    return value


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> int:
    try:
        padded = raw + "=" * (-len(raw) % 4)
        value = int(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed(_("翻页游标 cursor 无效"), "cursor") from None
    if not 0 < value < 2**63:
        raise ValidationFailed(_("翻页游标 cursor 无效"), "cursor")
    return value


def capped_count(stmt: Select, cap: int = COUNT_CAP, *,
                 remember_as: tuple | None = None) -> int | None:
    """How many rows stmt selects, or None when there are more than cap.

    The rows are read as a constant, no column: an index that serves the filters answers
    alone (an index-only scan), without reading the table. With remember_as (a key naming the
    list: who asks, which filters), a list found over the cap is taken to be still over it for
    OVER_CAP_SECONDS without counting again.
    """
    seconds = current_app.config["OVER_CAP_SECONDS"]
    if remember_as is not None and seconds:
        seen = _over_cap_seen.get(remember_as)
        if seen is not None and time.monotonic() - seen < seconds:
            return None
    limited = (stmt.order_by(None).limit(cap + 1)
               .with_only_columns(literal_column("1"), maintain_column_froms=True))
    total = db.session.scalar(select(func.count()).select_from(limited.subquery()))
    if total <= cap:
        return total
    if remember_as is not None and seconds:
        if len(_over_cap_seen) >= _OVER_CAP_KEPT:
            _over_cap_seen.clear()
        _over_cap_seen[remember_as] = time.monotonic()
    return None


def paginate_query(stmt: Select, key_column, args, *, default_per_page: int = 20,
                   count: bool = True, count_cap: int | None = COUNT_CAP) -> Page:
    """Run stmt (already filtered and ordered by key_column descending) for one page.

    With ?cursor= the page starts after that key (keyset: as fast deep as on top);
    otherwise ?page= uses OFFSET, fine for the first pages people click through.
    The total is exact up to count_cap (COUNT_CAP unless told); above it `total` is None and
    `extra["total_capped"]` is set, and cursor pages skip the count, so that a list of a
    million rows never counts them all. count_cap=None counts exactly: only for lists that
    cannot grow large.
    """
    page = _int_arg(args, "page", 1, 1, MAX_PAGE, _("页码 page "))
    per_page = _int_arg(args, "per_page", default_per_page, 1, MAX_PER_PAGE,
                        _("每页条数 per_page "))
    raw_cursor = args.get("cursor") or None
    if raw_cursor:
        keys = stmt.where(key_column < decode_cursor(raw_cursor))
    else:
        keys = stmt.offset((page - 1) * per_page)
    # The page's keys first, then its rows: finding (and skipping) rows needs only the key and
    # the filtered columns, which an index such as (id, township_code) holds, so PostgreSQL
    # walks the index alone and reads just the page's rows from the table.
    keys = keys.limit(per_page + 1).with_only_columns(key_column, maintain_column_froms=True)
    rows_stmt = stmt.where(key_column.in_(keys.scalar_subquery()))
    rows = list(db.session.execute(rows_stmt).scalars())
    more = len(rows) > per_page
    rows = rows[:per_page]
    total, extra = None, {}
    if count and count_cap is None:
        total = db.session.scalar(select(func.count()).select_from(
            stmt.order_by(None).subquery()))
    elif count and not raw_cursor:
        total = capped_count(stmt, count_cap)
        if total is None:
            extra = {"total_capped": True}
    key_name = key_column.key
    next_cursor = encode_cursor(getattr(rows[-1], key_name)) if more and rows else None
    return Page(rows, page, per_page, total, next_cursor, raw_cursor, extra)
