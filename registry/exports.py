"""Every export (pages, back office, jobs) goes through here: formula-safe cells, the row cap,
rows read in batches, CSV streamed, .xlsx written in openpyxl's write-only mode, one audit row.

A spreadsheet runs a cell that starts with = + - @ (or a tab / carriage return before one) as
a formula: an organization named `=1+2+cmd|' /C calc'!A0协会` would run a command on the
reader's machine. Such a text is written with a leading apostrophe, shown as text.
"""

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from typing import Any

from flask import Response, current_app, send_file
from sqlalchemy import Select

from registry import audit
from registry.extensions import db
from registry.i18n import gettext as _
from registry.pagination import capped_count

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 1000  # rows fetched per round trip (yield_per): memory stays flat on 1M rows
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet should receive it: texts that would be formulas as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, int | float | Decimal | date | datetime):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def max_rows() -> int:
    """The cap on one export (config EXPORT_MAX_ROWS)."""
    return int(current_app.config["EXPORT_MAX_ROWS"])


def capped(stmt: Select) -> Select:
    """The statement limited to the export cap."""
    return stmt.limit(max_rows())


def count_upto(stmt: Select, limit: int) -> int:
    """How many rows stmt gives, counting no further than limit (the pagination's capped
    count: cheap on huge tables)."""
    total = capped_count(stmt, limit)
    return limit if total is None else total


def batched(stmt: Select) -> Iterator[Any]:
    """The rows (first entity) of a capped statement, fetched BATCH at a time."""
    return db.session.execute(capped(stmt).execution_options(yield_per=BATCH)).scalars()


def _cap(rows: Iterable[Sequence]) -> Iterator[Sequence]:
    return islice(rows, max_rows())


def write_csv(header: Sequence[str], rows: Iterable[Sequence], target) -> int:
    """Write the rows to target (a binary file) as UTF-8 CSV with a BOM (so Excel reads the
    Chinese); returns the rows written."""
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    written = 0
    for row in _cap(rows):
        writer.writerow([safe_cell(v) for v in row])
        written += 1
    text.flush()
    text.detach()  # leave target open for the response
    return written


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence], target, sheet_name: str,
               progress=None) -> int:
    """Write the rows to target (a path or binary file) as .xlsx; returns the rows written.
    progress(done) is called every BATCH rows (for a job's progress bar)."""
    from openpyxl import Workbook  # imported here: it costs ~0.1 s and most requests skip it

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name[:31])
    sheet.append(list(header))
    written = 0
    for row in _cap(rows):
        sheet.append([safe_cell(v) for v in row])
        written += 1
        if progress and written % BATCH == 0:
            progress(written)
    if written >= max_rows():
        sheet.append([_("（只导出了前 %(written)s 条，请用筛选条件缩小范围后"
                        "分批导出）",
                        written=format(written, ','))])
    book.save(target)
    return written


def record(what: str, rows: int, comment: str, region_code: str | None = None,
           filters: dict | None = None) -> None:
    """The audit row of an export: what, how many rows, with which filters."""
    audit.record("export", object_type=what, region_code=region_code,
                 comment=f"{comment}：{rows} 条", changes={"rows": rows, **(filters or {})})


def response(fmt: str, filename: str, header: Sequence[str], rows: Iterable[Sequence], *,
             what: str, comment: str, region_code: str | None = None,
             filters: dict | None = None) -> Response:
    """A download of rows in fmt ('csv' or 'xlsx'), audited. The caller passes rows already
    scoped to the user, read in batches; the file is written as they come into a spooled
    temporary file (memory up to 8 MB, then disk) and the response streams it from there.
    Writing it whole before answering keeps the database work inside the request (a
    generator answering after the view has returned would outlive the request's session)."""
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    if fmt == "csv":
        written, mimetype = write_csv(header, rows, spool), "text/csv"
    else:
        written, mimetype = write_xlsx(header, rows, spool, comment), XLSX
    record(what, written, comment, region_code, filters)
    db.session.commit()
    spool.seek(0)
    return send_file(spool, mimetype=mimetype, as_attachment=True,
                     download_name=f"{filename}.{fmt}")
