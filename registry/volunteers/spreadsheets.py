"""Volunteers in .xlsx: the import template, the all-or-nothing import and the masked export."""

import os
from collections.abc import Mapping
from itertools import islice

from flask import current_app
from sqlalchemy import select

from registry import audit, exports, jobs, privacy
from registry.errors import FieldErrors, NotAllowed, ValidationFailed
from registry.extensions import db
from registry.masking import mask_phone
from registry.models import (
    STATION_ADMIN,
    Region,
    User,
)
from registry.validators import check_id_number, normalize_phone
from registry.volunteers.batches import known_for, make_volunteers
from registry.volunteers.models import VOLUNTEER_STATUSES
from registry.volunteers.operations import (
    STAFF,
    search_stmt,
    star_level,
    unique_guard,
    validate_person,
)

IMPORT_COLUMNS = (
    # (field, header, example, required)
    ("name", "姓名", "张三", True),
    ("id_number", "身份证号码", "511302199503070010", True),
    ("phone", "手机号码", "13800000000", True),
    ("township_code", "乡镇（街道）代码", "511302001", False),
    ("skills", "技能特长", "医疗救护", False),
    ("guardian_name", "监护人姓名", "", False),
    ("guardian_phone", "监护人电话", "", False),
    ("guardian_consent", "监护人已同意（是/否）", "", False),
)
FIELD_LABELS = {field: header for field, header, _, _ in IMPORT_COLUMNS} | {"_schema": "整行"}
EXPORT_COLUMNS = ("志愿者编号", "姓名", "性别", "身份证号码（脱敏）", "手机号码（脱敏）",
                  "乡镇（街道）", "状态", "服务时长（小时）", "星级", "注册时间")


def import_max_rows() -> int:
    """The most rows one file may have (config IMPORT_MAX_ROWS)."""
    return int(current_app.config["IMPORT_MAX_ROWS"])


class ImportFailed(ValidationFailed):
    """A file with bad rows: problems lists (row number, field label, reason); nothing saved."""

    def __init__(self, message: str, problems: list[tuple[int, str, str]]):
        super().__init__(message, "file")
        self.problems = problems


def import_template() -> bytes:
    """The import template: a header row, an example row and a notes sheet."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "志愿者"
    sheet.append([header for _, header, _, _ in IMPORT_COLUMNS])
    sheet.append([example for _, _, example, _ in IMPORT_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGH", (10, 22, 14, 18, 16, 12, 14, 20), strict=True):
        sheet.column_dimensions[column].width = width
    for cell in sheet["B"] + sheet["C"] + sheet["D"] + sheet["G"]:
        cell.number_format = "@"  # text, so long numbers keep every digit
    notes = book.create_sheet("填写说明")
    for line in (
        "第 1 行为表头，请勿修改；第 2 行是示例，导入前请删除或替换。",
        f"每个文件最多 {import_max_rows()} 行；只读取第一个工作表。",
        "身份证号码、手机号码请按文本填写（单元格格式设为“文本”），以免末位被改成 0。",
        "乡镇（街道）代码为 9 位统计用区划代码；志愿服务站管理员可留空，默认为本站所在乡镇。",
        "未满 14 周岁不能注册；14–17 周岁须填写监护人姓名、电话，并在“监护人已同意”填“是”。",
        "整个文件全部校验通过才会导入；只要有一行有误，就一行也不导入，并列出每行的错误。",
        "导入的志愿者直接为“已注册”状态（由站点核验身份后导入），可在详情页为其开通登录账号。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_rows(stream) -> list[tuple[int, dict]]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    head = stream.read(4)
    stream.seek(0)
    if not head:
        raise ImportFailed("上传的文件是空的", [])
    if head != b"PK\x03\x04":
        raise ImportFailed("文件不是 Excel .xlsx 格式（请用模板另存为 .xlsx，不支持 .xls 或 .csv）",
                           [])
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ImportFailed("无法读取该 Excel 文件，文件可能已损坏", []) from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        expected = [h for _, h, _, _ in IMPORT_COLUMNS]
        got = [_cell_text(v) for v in (header or ())][:len(expected)]
        if got[:3] != expected[:3]:
            raise ImportFailed("表头与模板不一致：请下载模板，按模板的列填写", [])
        out = []
        for number, values in enumerate(rows, start=2):
            values = list(values or ())
            if not any(_cell_text(v) for v in values):
                continue
            if len(out) >= import_max_rows():
                raise ImportFailed(f"文件超过 {import_max_rows()} 行，请拆分成多个文件后分别导入",
                                   [])
            data = {}
            for index, (field, header_text, _, _) in enumerate(IMPORT_COLUMNS):
                if index < len(got) and got[index] != header_text:
                    continue
                data[field] = _cell_text(values[index]) if index < len(values) else ""
            out.append((number, data))
    finally:
        book.close()
    if not out:
        raise ImportFailed("文件中没有数据行（第 1 行为表头，从第 2 行起填写）", [])
    return out


def import_xlsx(staff: User, stream, progress=None) -> int:
    """Import volunteers from an .xlsx in the template; all rows or none.

    Raises ImportFailed with every problem (row, field, reason) when any row is bad, having
    saved nothing. Imported volunteers are active (the station checked their documents) and
    have no login yet. The look-ups (taken ID numbers and phones, the staff member's
    townships) are made once for the file and the rows written in batches. progress(done) is
    told how many rows are checked. Returns the number imported.
    """
    if staff.role not in STAFF:
        raise NotAllowed("只有志愿服务站管理员或民政干部可以导入志愿者")
    rows = _read_rows(stream)
    known = known_for(staff, [_maybe(check_id_number, d.get("id_number")) for _, d in rows],
                      [_maybe(normalize_phone, d.get("phone")) for _, d in rows])
    problems: list[tuple[int, str, str]] = []
    cleaned = []
    seen_ids: dict[str, int] = {}
    seen_phones: dict[str, int] = {}
    default_township = staff.region_code if staff.role == STATION_ADMIN else ""
    for checked, (number, data) in enumerate(rows, 1):
        data = dict(data)
        data["township_code"] = data.get("township_code") or default_township
        data["guardian_consent"] = data.get("guardian_consent") in ("是", "同意", "Y", "y", "1")
        errors = FieldErrors()
        clean = validate_person(data, errors, staff=staff, known=known)
        if clean["id_number"]:
            first = seen_ids.setdefault(clean["id_number"], number)
            if first != number:
                errors.add("id_number", f"与第 {first} 行的身份证号码重复")
        if clean["phone"]:
            first = seen_phones.setdefault(clean["phone"], number)
            if first != number:
                errors.add("phone", f"与第 {first} 行的手机号码重复")
        for field, messages in errors.fields.items():
            for message in messages:
                problems.append((number, FIELD_LABELS.get(field, field), message))
        cleaned.append(clean)
        if progress and checked % 1000 == 0:
            progress(checked)
    if problems:
        raise ImportFailed(f"共有 {len({p[0] for p in problems})} 行有误，整个文件未导入",
                           problems)
    with unique_guard():
        numbers = make_volunteers(cleaned, status="active", source="import")
    audit.record("import", object_type="Volunteer", region_code=staff.region_code,
                 comment=f"从 Excel 导入志愿者 {len(cleaned)} 名",
                 changes={"volunteer_nos": numbers})
    return len(cleaned)


def _maybe(check, value) -> str:
    """The cleaned value, or "" when it is invalid (reported later, row by row)."""
    try:
        return check(value)
    except ValidationFailed:
        return ""


def row_estimate(stream) -> int:
    """The number of data rows in the first sheet, counted up to one past the job threshold, to
    choose between importing now and a background job. The rows are counted, not read from the
    size a file declares: some tools (openpyxl's write-only mode among them) do not write it."""
    from openpyxl import load_workbook

    enough = current_app.config["JOBS_THRESHOLD"] + 2  # the header and one row past the limit
    try:
        book = load_workbook(stream, read_only=True)
        sheet = book.worksheets[0]
        sheet.reset_dimensions()
        rows = sum(1 for _ in islice(sheet.iter_rows(values_only=True), enough)) - 1
        book.close()
    except Exception:  # noqa: BLE001 (a bad file is reported by the import itself)
        rows = 0
    stream.seek(0)
    return max(rows, 0)


def export_stmt(user: User, args: Mapping):
    """The scoped, filtered list an export writes."""
    if user.role not in STAFF:
        raise NotAllowed("没有权限导出志愿者名单")
    return search_stmt(user, args)


def export_rows(user: User, args: Mapping):
    """The masked rows of the export, read in batches (registry/exports.py caps them)."""
    names = dict(db.session.execute(select(Region.code, Region.name)
                                    .where(Region.level == "township")).all())
    for volunteer in exports.batched(export_stmt(user, args)):
        yield [
            volunteer.volunteer_no, volunteer.name,
            {"M": "男", "F": "女"}.get(volunteer.gender, ""),
            volunteer.id_number_masked, mask_phone(volunteer.phone),
            names.get(volunteer.township_code, volunteer.township_code),
            VOLUNTEER_STATUSES.get(volunteer.status, volunteer.status),
            round(volunteer.total_minutes / 60, 1), star_level(volunteer.total_minutes),
            volunteer.created_at.strftime("%Y-%m-%d"),
        ]


def export_filters(args: Mapping) -> dict:
    """The filters as the audit row keeps them: a search by phone or ID number is not kept."""
    kept = {k: args.get(k) for k in ("status", "township_code", "q") if args.get(k)}
    if privacy.looks_personal(kept.get("q")):
        kept["q"] = "***"
    return kept


def export_xlsx(user: User, args: Mapping, target, progress=None) -> int:
    """Write the scoped, filtered list (masked) to target as .xlsx; audited. Returns the
    number of rows written."""
    written = exports.write_xlsx(EXPORT_COLUMNS, export_rows(user, args), target, "志愿者",
                                 progress)
    exports.record("Volunteer", written, "导出志愿者名单（已脱敏）", user.region_code,
                   export_filters(args))
    return written


@jobs.handler("volunteer_export")
def export_job(job, user: User) -> None:
    path = jobs.file_path(".xlsx")
    export_xlsx(user, job.args, path, job.report)
    job.result_path = path
    job.result_name = f"志愿者名单-{job.created_at:%Y%m%d}.xlsx"


@jobs.handler("volunteer_import")
def import_job(job, user: User) -> None:
    path = job.args["path"]
    try:
        with open(path, "rb") as stream:
            count = import_xlsx(user, stream, job.report)
    finally:
        os.remove(path)
    job.total = job.done = count
    job.message = f"已导入 {count} 名志愿者"
