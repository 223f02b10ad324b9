"""Every export (pages, back office, jobs) goes through here: formula-safe cells, the row cap,
rows read in batches, CSV streamed, .xlsx written in openpyxl's write-only mode, one audit row.

A spreadsheet runs a cell that starts with = + - @ (or a tab / carriage return before one) as
a formula: an organization named `=1+2+cmd|' /C calc'!A0协会` would run a command on the
reader's machine. Such a text is written with a leading apostrophe, shown as text.
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from typing import Any
from urllib.parse import quote

from flask import Response, current_app, send_file, stream_with_context
from sqlalchemy import Select, func, select

from registry import audit
from registry.extensions import db

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 1000  # rows fetched per round trip (yield_per): memory stays flat on 1M rows
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet should receive it: texts that would be formulas as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
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
    """How many rows stmt gives, counting no further than limit (cheap on huge tables)."""
    inner = stmt.order_by(None).limit(limit).subquery()
    return int(db.session.scalar(select(func.count()).select_from(inner)) or 0)


def batched(stmt: Select) -> Iterator[Any]:
    """The rows (first entity) of a capped statement, fetched BATCH at a time."""
    return db.session.execute(capped(stmt).execution_options(yield_per=BATCH)).scalars()


def _cap(rows: Iterable[Sequence]) -> Iterator[Sequence]:
    return islice(rows, max_rows())


class _Echo:
    """csv.writer writes into this and gets the line back, so lines can be yielded."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence], counter: list[int]) -> Iterator[str]:
    """The CSV text (with a BOM, so Excel reads UTF-8) line by line; counter[0] counts rows."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in _cap(rows):
        counter[0] += 1
        yield writer.writerow([safe_cell(v) for v in row])


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
        sheet.append([f"（只导出了前 {written:,} 条，请用筛选条件缩小范围后分批导出）"])
    book.save(target)
    return written


def record(what: str, rows: int, comment: str, region_code: str | None = None,
           filters: dict | None = None) -> None:
    """The audit row of an export: what, how many rows, with which filters."""
    audit.record("export", object_type=what, region_code=region_code,
                 comment=f"{comment}：{rows} 条", changes={"rows": rows, **(filters or {})})


def _disposition(filename: str) -> str:
    return f"attachment; filename=\"export.{filename.rsplit('.', 1)[-1]}\"; " \
           f"filename*=UTF-8''{quote(filename)}"


def response(fmt: str, filename: str, header: Sequence[str], rows: Iterable[Sequence], *,
             what: str, comment: str, region_code: str | None = None,
             filters: dict | None = None) -> Response:
    """A download of rows in fmt ('csv' streamed, 'xlsx' spooled to disk), audited once the
    number of rows is known. The caller passes rows already scoped to the user."""
    if fmt == "csv":
        counter = [0]

        def generate() -> Iterator[str]:
            yield from csv_lines(header, rows, counter)
            record(what, counter[0], comment, region_code, filters)
            db.session.commit()

        return Response(stream_with_context(generate()), mimetype="text/csv",
                        headers={"Content-Disposition": _disposition(filename + ".csv")})
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    written = write_xlsx(header, rows, spool, comment)
    record(what, written, comment, region_code, filters)
    db.session.commit()
    spool.seek(0)
    return send_file(spool, mimetype=XLSX, as_attachment=True, download_name=filename + ".xlsx")
