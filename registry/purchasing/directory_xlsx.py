"""The directory in .xlsx: the import template, importing changes into a draft (all rows or
none, every bad row reported with its number and reason) and exporting any edition (streamed,
formula-safe, a background job when large). An export re-imports as it is."""

import io
import os
import zipfile
from collections import defaultdict

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from registry import audit, exports, jobs
from registry.errors import FieldErrors, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.purchasing import directory
from registry.purchasing.directory import FIELD_LABELS, check_code, check_parent, clean_fields
from registry.purchasing.models import DirectoryEdition, DirectoryItem
from registry.texts import stored

# The file's format (sheet names, headers, the delete word, the example row) is Chinese in every
# language, so that a file filled in under English imports anywhere; its notes are translated.
SHEET = stored("目录条目")
NOTES_SHEET = stored("填写说明")
COLUMNS = (
    # (field, header, example)
    ("code", stored("编码"), "LZ0105"),
    ("level", stored("层级"), 2),
    ("parent_code", stored("上级编码"), "LZ01"),
    ("name", stored("名称"), stored("基本养老服务")),
    ("description", stored("服务内容说明"), stored("居家和社区养老服务、老年人能力评估等")),
    ("purchasing_department", stored("购买主体（部门）"), stored("市民政局")),
    ("requirements", stored("承接主体条件"),
     stored("依法登记的社会组织，年检合格，具有相关服务经验")),
    ("action", stored("操作"), ""),
)
HEADERS = [header for _, header, _ in COLUMNS]
ACTION = COLUMNS[-1][1]
DELETE = stored("删除")


class ImportFailed(ValidationFailed):
    """A file with bad rows: problems lists (row number, column, reason); nothing saved."""

    def __init__(self, message: str, problems: list[tuple[int, str, str]] | None = None):
        super().__init__(message, "file")
        self.problems = problems or []


def import_max_rows() -> int:
    return int(current_app.config["IMPORT_MAX_ROWS"])


def template() -> bytes:
    """The import template: the items sheet (header and one example row) and the notes."""
    from openpyxl import Workbook  # ~0.1 s to import; few requests need it
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(HEADERS)
    sheet.append([example for _, _, example in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGH", (12, 6, 12, 28, 40, 20, 40, 8), strict=True):
        sheet.column_dimensions[column].width = width
    for cell in sheet["A"] + sheet["C"]:
        cell.number_format = "@"  # codes as text: 0101 keeps its leading zero
    notes = book.create_sheet(NOTES_SHEET)
    for line in (
        _(
            "只读取名为“%(SHEET)s”的工作表；第 1 行为表头，请勿修改；第 2 行是示例，导入前请删除"
            "或替换。", SHEET=SHEET),
        _("每行是一个目录条目，按“编码”对应：本版本已有该编码则修改该条目，没有则新增。"),
        _("“%(ACTION)s”列填“%(DELETE)s”表示从本版本删除该编码的条目（其下级条目须一并删除或移走）；"
          "其余留空。", ACTION=ACTION, DELETE=DELETE),
        _(
            "编码：字母、数字和 . _ - ，最长 20 位，在同一版本内不能重复；请将单元格格式设为“文本"
            "”。"),
        _("层级：1 到 4 的整数。1 级条目不填上级编码；2–4 级条目的上级编码须是本版本（或本文件）中"
        "比它高一级的条目。"),
        _("名称必填（最多 200 字）；服务内容说明、承接主体条件最多 2000 字。"),
        _(
            "每个文件最多 %(value1)s 行。只能导入到草稿版本；已发布的版本不能修改。",
            value1=import_max_rows()),
        _("整个文件全部校验通过才会导入；只要有一行有误，就一行也不导入，并列出每行的行号和原因。"),
        _("导出的目录文件与本模板格式相同，可修改后直接导入下一年度的草稿。"),
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith("'") and text[1:2] and text[1] in exports.FORMULA_STARTS:
        text = text[1:]  # an export's formula guard (exports.safe_cell), so exports re-import
    return text


def _read(stream) -> list[tuple[int, dict]]:
    """The data rows of the items sheet as (row number, {field: text}); a file that is not an
    .xlsx, has no items sheet, or another header is refused as a whole."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    head = stream.read(4)
    stream.seek(0)
    if not head:
        raise ImportFailed(_("上传的文件是空的"))
    if head != b"PK\x03\x04":
        raise ImportFailed(_("文件不是 Excel .xlsx 格式（可能是改了扩展名的其他文件；请用模板另存为"
                           " .xlsx，不支持 .xls 或 .csv）"))
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ImportFailed(_("无法读取该 Excel 文件，文件可能已损坏")) from None
    try:
        if SHEET not in book.sheetnames:
            names = "、".join(book.sheetnames[:5])
            raise ImportFailed(_(
                "文件中没有名为“%(SHEET)s”的工作表（现有：%(names)s）：请使用下载的模板",
                SHEET=SHEET, names=names))
        rows = book[SHEET].iter_rows(values_only=True)
        header = [_text(v) for v in (next(rows, None) or ())]
        if header[:7] != HEADERS[:7]:
            raise ImportFailed(_("“{}”工作表的表头与模板不一致：第 1 行应为 {}").format(
                SHEET, "、".join(HEADERS)))
        out = []
        for number, values in enumerate(rows, start=2):
            values = list(values or ())
            if not any(_text(v) for v in values):
                continue
            if len(out) >= import_max_rows():
                raise ImportFailed(_(
                    "文件超过 %(value1)s 行，请拆分后分别导入", value1=import_max_rows()))
            out.append((number, {name: _text(values[i]) if i < len(values) else ""
                                 for i, (name, _, _) in enumerate(COLUMNS)}))
    finally:
        book.close()
    if not out:
        raise ImportFailed(_("文件中没有数据行（第 1 行为表头，从第 2 行起填写）"))
    return out


def row_estimate(stream) -> int:
    """Data rows in the items sheet, counted up to one past the job threshold."""
    from itertools import islice

    from openpyxl import load_workbook

    enough = current_app.config["JOBS_THRESHOLD"] + 2
    try:
        book = load_workbook(stream, read_only=True)
        sheet = book[SHEET]
        sheet.reset_dimensions()
        rows = sum(1 for _ in islice(sheet.iter_rows(values_only=True), enough)) - 1
        book.close()
    except Exception:  # noqa: BLE001 (a bad file is reported by the import itself)
        rows = 0
    stream.seek(0)
    return max(rows, 0)


def _existing(edition: DirectoryEdition) -> dict[str, DirectoryItem]:
    return {item.code: item for item in db.session.scalars(
        select(DirectoryItem).where(DirectoryItem.edition_id == edition.id))}


def _check(rows, existing) -> tuple[list, list, list]:
    """Every row checked against the draft and the rest of the file: (upserts, deletes,
    problems). The tree is checked as it will be once the whole file is applied."""
    problems: list[tuple[int, str, str]] = []
    seen: dict[str, int] = {}
    upserts, deletes = [], []
    by_id = {item.id: item for item in existing.values()}
    parent_of = {code: (item.level, by_id[item.parent_id].code if item.parent_id in by_id else "")
                 for code, item in existing.items()}
    touched: dict[str, int] = {}
    for number, data in rows:
        errors = FieldErrors()
        action = data.get("action", "")
        if action not in ("", DELETE):
            errors.add("action", _("“%(ACTION)s”只能留空或填“%(DELETE)s”", ACTION=ACTION,
                                   DELETE=DELETE))
        if action == DELETE:
            code = errors.check(check_code, data.get("code"))
            if code and code not in existing:
                errors.add("code", _("要删除的编码“%(code)s”在本版本中不存在", code=code))
            clean = {"code": code}
        else:
            clean = clean_fields(data, errors)
            code = clean["code"]
        if code:
            first = seen.setdefault(code, number)
            if first != number:
                errors.add("code", _("编码“%(code)s”与第 %(first)s 行重复", code=code, first=first))
            else:
                touched[code] = number
        for name, messages in errors.fields.items():
            problems += [(number, FIELD_LABELS.get(name, _("操作")), m) for m in messages]
        if errors.fields:
            continue
        if action == DELETE:
            deletes.append((number, code))
            parent_of.pop(code, None)
        else:
            upserts.append((number, clean))
            parent_of[code] = (clean["level"], clean["parent_code"])
    for number, clean in upserts:  # parents as they will be after the whole file
        errors = FieldErrors()
        parent = parent_of.get(clean["parent_code"])
        check_parent(clean["level"], clean["parent_code"], parent[0] if parent else None,
                     errors, parent is not None)
        problems += [(number, FIELD_LABELS[n], m) for n, ms in errors.fields.items() for m in ms]
    for code, (level, parent_code) in parent_of.items():  # items the file leaves as they are
        if code in touched or level == 1:
            continue
        parent = parent_of.get(parent_code)
        if parent is None or parent[0] != level - 1:
            number = touched.get(parent_code)
            if number is not None:
                problems.append((number, _("编码"), _(
                    "条目“%(parent_code)s”还有下级条目“%(code)s”，"
                    "不能删除或改变层级（请一并删除或移走下级条目）",
                    parent_code=parent_code, code=code)))
    problems.sort(key=lambda p: p[0])
    return upserts, deletes, problems


def import_changes(user, edition: DirectoryEdition, stream, progress=None) -> dict:
    """Apply a template file to a draft: rows add or change items by code, or delete them.
    All rows or none: ImportFailed lists every problem, having saved nothing."""
    directory.check_editor(user)
    directory.check_draft(edition)
    rows = _read(stream)
    existing = _existing(edition)
    upserts, deletes, problems = _check(rows, existing)
    if problems:
        raise ImportFailed(_(
            "共有 %(value1)s 行有误，整个文件未导入", value1=len({p[0] for p in problems})),
                           problems)
    counts = {"added": 0, "changed": 0, "deleted": 0, "unchanged": 0}
    ids = {code: item.id for code, item in existing.items()}
    next_position = defaultdict(int, db.session.execute(
        select(DirectoryItem.parent_id, func.max(DirectoryItem.position))
        .where(DirectoryItem.edition_id == edition.id).group_by(DirectoryItem.parent_id)).all())
    by_level = sorted(upserts, key=lambda row: row[1]["level"])
    for done, (_number, clean) in enumerate(by_level, 1):
        parent_id = ids.get(clean["parent_code"]) if clean["level"] > 1 else None
        item = existing.get(clean["code"])
        values = {k: clean[k] for k in ("code", "level", "name", "description",
                                        "purchasing_department", "requirements")}
        if item is None:
            next_position[parent_id] += 1
            item = DirectoryItem(edition_id=edition.id, parent_id=parent_id,
                                 position=next_position[parent_id], **values)
            db.session.add(item)
            db.session.flush()
            ids[item.code] = item.id
            counts["added"] += 1
        elif all(getattr(item, k) == v for k, v in values.items()) and \
                item.parent_id == parent_id:
            counts["unchanged"] += 1
        else:
            if item.parent_id != parent_id:
                next_position[parent_id] += 1
                item.position = next_position[parent_id]
            item.parent_id = parent_id
            for name, value in values.items():
                setattr(item, name, value)
            counts["changed"] += 1
        if progress and done % 500 == 0:
            progress(done)
    db.session.flush()
    for _number, code in sorted(deletes, key=lambda row: -existing[row[1]].level):
        db.session.delete(existing[code])
        db.session.flush()  # children before parents (the FK holds on PostgreSQL)
        counts["deleted"] += 1
    audit.record("import", edition, changes=counts,
                 comment="从 Excel 导入目录变更：新增 {added} 条、修改 {changed} 条、"
                         "删除 {deleted} 条".format(**counts))
    return counts


# --- export --------------------------------------------------------------------------------

def export_rows(edition: DirectoryEdition):
    """The edition's items in the template's columns, by code, read in batches."""
    item, parent = aliased(DirectoryItem), aliased(DirectoryItem)
    stmt = (select(item.code, item.level, func.coalesce(parent.code, ""), item.name,
                   item.description, item.purchasing_department, item.requirements)
            .select_from(item).outerjoin(parent, parent.id == item.parent_id)
            .where(item.edition_id == edition.id).order_by(item.code)
            .limit(exports.max_rows()))
    for row in db.session.execute(stmt.execution_options(yield_per=exports.BATCH)):
        yield [*row, ""]


def export_name(edition: DirectoryEdition) -> str:
    return _(
        "政府购买服务指导性目录-%(year)s-%(value2)s",
            year=edition.year, value2=directory.EDITION_STATUSES[edition.status])


def export_xlsx(user, edition: DirectoryEdition, target, progress=None) -> int:
    """Write the edition to target in the template's layout; audited."""
    written = exports.write_xlsx(HEADERS, export_rows(edition), target, SHEET, progress)
    exports.record("DirectoryItem", written, f"导出 {edition.year} 年度政府购买服务指导性目录",
                   user.region_code if user else None, {"year": edition.year})
    return written


@jobs.handler("directory_export")
def export_job(job, user) -> None:
    edition = directory.get_edition(user, job.args["edition_id"])
    path = jobs.file_path(".xlsx")
    export_xlsx(user, edition, path, job.report)
    job.result_path = path
    job.result_name = f"{export_name(edition)}.xlsx"


@jobs.handler("directory_import")
def import_job(job, user) -> None:
    path = job.args["path"]
    try:
        edition = directory.get_edition(user, job.args["edition_id"])
        with open(path, "rb") as stream:
            counts = import_changes(user, edition, stream, job.report)
    finally:
        os.remove(path)
    job.total = job.done = sum(counts.values())
    job.message = _(
        "已导入：新增 {added} 条、修改 {changed} 条、删除 {deleted} 条").format(**counts)
