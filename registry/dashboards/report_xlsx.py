"""Write a monthly report as .xlsx: a sheet for the headline (this month, last month, change)
and one per table, numbers as numbers (元, hours, %), every text formula-safe."""

import io

from registry.dashboards.report_values import (
    change,
    label_with_unit,
    number,
    number_format,
)
from registry.exports import safe_cell
from registry.i18n import gettext as _

BAD_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


def _cell(sheet, key: str | None, value, bold: bool = False):
    from openpyxl.cell import WriteOnlyCell  # imported here: openpyxl costs ~0.1 s to load
    from openpyxl.styles import Font

    cell = WriteOnlyCell(sheet, value=safe_cell(number(key, value) if key else value))
    if key and (fmt := number_format(key)) and not isinstance(value, str):
        cell.number_format = fmt
    if bold:
        cell.font = Font(bold=True)
    return cell


def _sheet(book, name: str, used: set[str]):
    name = (str(name).translate(BAD_SHEET_CHARS).strip() or "Sheet")[:31]
    base, n = name, 2
    while name in used:
        name = f"{base[:28]}({n})"
        n += 1
    used.add(name)
    return book.create_sheet(name)


def render(figures: dict, last: dict, title: str, lines: list[str]) -> bytes:
    """The .xlsx bytes: 主要指标 (指标, 本月, 上月, 变化, 变化率 %), then a sheet per table."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    used: set[str] = set()
    sheet = _sheet(book, _("主要指标"), used)
    sheet.append([_cell(sheet, None, title, bold=True)])
    for line in lines:
        sheet.append([_cell(sheet, None, line)])
    sheet.append([])
    sheet.append([_cell(sheet, None, text, bold=True) for text in
                  (_("指标"), _("本月"), _("上月"), _("变化"), _("变化率（%）"))])
    labels = figures["headline_labels"]
    for key, value in figures["headline"].items():
        before = last.get(key)
        moved = change(key, value, before)
        percent = moved["percent_tenths"]
        sheet.append([
            _cell(sheet, None, label_with_unit(labels.get(key, key), key)),
            _cell(sheet, key, value),
            _cell(sheet, key, before),
            _cell(sheet, key, moved["diff"]),
            _cell(sheet, "x_permille", percent),  # tenths of a per cent, shown as 0.0
        ])
    for table in figures["tables"].values():
        sheet = _sheet(book, table["title"], used)
        keys = [key for key, _label in table["columns"]]
        sheet.append([_cell(sheet, None, label_with_unit(label, key), bold=True)
                      for key, label in table["columns"]])
        for row in table["rows"]:
            sheet.append([_cell(sheet, key, row.get(key)) for key in keys])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
