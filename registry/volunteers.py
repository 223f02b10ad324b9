"""Volunteers: registration, the approval workflow, scoped listing, ID look-ups (DOMAIN.md §5),
bulk import from .xlsx and export. Every function only flush()es; the caller commits once.
"""

import secrets
from collections.abc import Mapping
from contextlib import contextmanager
from datetime import date

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError

from registry import accounts, audit, crypto, township_stats
from registry.clock import today_local, utcnow
from registry.errors import Conflict, FieldErrors, NotAllowed, NotFound, ValidationFailed
from registry.extensions import db
from registry.masking import mask_id_number, mask_phone
from registry.models import (
    CITY_OFFICIAL,
    COUNTY_OFFICIAL,
    STATION_ADMIN,
    VOLUNTEER,
    Region,
    User,
)
from registry.pagination import Page, paginate_query
from registry.scoping import get_visible, region_visible, visible_select
from registry.validators import (
    birth_date_of,
    check_id_number,
    check_password,
    check_person_name,
    check_text,
    normalize_phone,
)
from registry.volunteer_models import VOLUNTEER_STATUSES, Volunteer
from registry.workflow import Machine, Move

MIN_AGE = 14  # under 14: refused (共青团《中国注册志愿者管理办法》); 14–17: guardian consent
ADULT_AGE = 18
STAFF = (STATION_ADMIN, COUNTY_OFFICIAL, CITY_OFFICIAL)

MACHINE = Machine(
    "volunteer",
    VOLUNTEER_STATUSES,
    (
        Move("approve", "审核通过", ("pending",), "active", STAFF),
        Move("suspend", "暂停", ("active",), "suspended", STAFF, comment_required=True),
        Move("resume", "恢复", ("suspended",), "active", STAFF),
        Move("deregister", "注销", ("pending", "active", "suspended"), "deregistered", STAFF,
             comment_required=True),
    ),
)


def age_on(birth: date, day: date) -> int:
    """Whole years of age on day."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_township(code: str | None, field: str = "township_code") -> Region:
    """A township (乡镇/街道) of Nanchong."""
    code = (code or "").strip()
    if not code:
        raise ValidationFailed("请选择所在乡镇（街道）", field)
    region = db.session.get(Region, code) if len(code) <= 9 else None
    if region is None or region.level != "township":
        raise ValidationFailed("所选乡镇（街道）不存在", field)
    return region


def check_age_and_guardian(birth: date, guardian_name, guardian_phone, consent,
                           errors: FieldErrors) -> tuple[str, str, bool]:
    """Under 14 refused; 14–17 need a guardian's name, phone and consent (DOMAIN.md §5)."""
    age = age_on(birth, today_local())
    if age < MIN_AGE:
        errors.add("id_number", f"未满 {MIN_AGE} 周岁不能注册为志愿者，"
                   "可在监护人陪同下参加适合的活动")
        return "", "", False
    if age >= ADULT_AGE:
        return "", "", False
    name = errors.check(check_person_name, guardian_name, "guardian_name", "监护人姓名")
    phone = errors.check(normalize_phone, guardian_phone, "guardian_phone")
    if not consent:
        errors.add("guardian_consent", "未满 18 周岁须经监护人同意，请勾选监护人同意")
    return name or "", phone or "", bool(consent)


def id_number_taken(id_number: str) -> bool:
    digest = crypto.lookup_hash(id_number)
    return bool(db.session.scalar(select(exists().where(Volunteer.id_number_hash == digest))))


def phone_taken(phone: str) -> bool:
    """A volunteer account (which logs in by phone) or a volunteer record already uses it."""
    user = exists().where(User.phone == phone, User.role == VOLUNTEER)
    vol = exists().where(Volunteer.phone == phone)
    return bool(db.session.scalar(select(or_(user, vol))))


def _new_volunteer_no(township_code: str) -> str:
    for _ in range(20):
        number = f"V{township_code}{secrets.randbelow(10**8):08d}"
        if not db.session.scalar(select(exists().where(Volunteer.volunteer_no == number))):
            return number
    raise Conflict("生成志愿者编号失败，请重试")  # pragma: no cover


def validate_person(data: Mapping, errors: FieldErrors, *, township_field="township_code",
                    staff: User | None = None) -> dict:
    """Check the personal fields of a registration or an import row; returns clean values."""
    name = errors.check(check_person_name, data.get("name"))
    id_number = errors.check(check_id_number, data.get("id_number"))
    phone = errors.check(normalize_phone, data.get("phone"))
    township = errors.check(check_township, data.get("township_code"), township_field)
    if township is not None and staff is not None and not region_visible(staff, township.code):
        errors.add(township_field, "所选乡镇（街道）不在您的管辖范围内")
    skills = errors.check(check_text, data.get("skills"), "skills", "技能特长", required=False,
                          max_length=200) or ""
    clean = {"name": name, "id_number": id_number, "phone": phone,
             "township_code": township.code if township else None, "skills": skills,
             "guardian_name": "", "guardian_phone": "", "consent": False}
    if id_number:
        birth = birth_date_of(id_number)
        clean["birth_date"] = birth
        clean["gender"] = "M" if int(id_number[16]) % 2 else "F"
        g_name, g_phone, consent = check_age_and_guardian(
            birth, data.get("guardian_name"), data.get("guardian_phone"),
            data.get("guardian_consent"), errors)
        clean.update(guardian_name=g_name, guardian_phone=g_phone, consent=consent)
        if id_number_taken(id_number):
            errors.add("id_number", "该身份证号码已注册为志愿者，请直接登录或联系所在志愿服务站")
    if phone and phone_taken(phone):
        errors.add("phone", "该手机号码已被其他志愿者使用")
    return clean


@contextmanager
def _unique_guard():
    """Two people submitting the same ID number or phone at the same moment both pass the
    look-up; the unique index stops the second, answered as a conflict, not a 500."""
    try:
        yield
    except IntegrityError:
        db.session.rollback()
        raise Conflict("该身份证号码或手机号码刚刚已被登记，请勿重复提交", "id_number") from None


def _make_volunteer(clean: dict, *, status: str, source: str, user: User | None) -> Volunteer:
    id_number = clean["id_number"]
    now = utcnow()
    volunteer = Volunteer(
        user_id=user.id if user else None,
        volunteer_no=_new_volunteer_no(clean["township_code"]),
        name=clean["name"],
        id_number_encrypted=crypto.encrypt(id_number),
        id_number_hash=crypto.lookup_hash(id_number),
        id_number_masked=mask_id_number(id_number),
        gender=clean["gender"],
        birth_date=clean["birth_date"],
        phone=clean["phone"],
        township_code=clean["township_code"],
        status=status,
        skills=clean["skills"],
        guardian_name=clean["guardian_name"],
        guardian_phone=clean["guardian_phone"],
        guardian_consent_at=now if clean["consent"] else None,
        total_minutes=0,
        source=source,
        approved_at=now if status == "active" else None,
    )
    db.session.add(volunteer)
    db.session.flush()
    if status == "active":
        township_stats.bump(volunteer.township_code, today_local().year, volunteers=1)
    return volunteer


def register_self(data: Mapping) -> Volunteer:
    """Online self-registration: an account (login by phone) and a pending volunteer."""
    errors = FieldErrors()
    clean = validate_person(data, errors)
    password = data.get("password")
    if clean["phone"]:
        errors.check(check_password, password, "v" + clean["phone"])
    elif not password:
        errors.add("password", "请设置登录密码")
    errors.raise_if_any()
    with _unique_guard():
        user, _ = accounts.create_user("v" + clean["phone"], password, VOLUNTEER,
                                       clean["township_code"], clean["name"],
                                       phone=clean["phone"])
        audit.set_actor(user)
        volunteer = _make_volunteer(clean, status="pending", source="self", user=user)
        audit.record("register", volunteer, comment="网上自助注册")
    return volunteer


def register_by_staff(staff: User, data: Mapping, *, create_login: bool = True
                      ) -> tuple[Volunteer, str | None]:
    """Registration entered by station staff after checking the person's ID in person.

    The record is active at once (the staff member is the one who would approve it). With
    create_login, an account with a temporary password (shown once) is made.
    """
    if staff.role not in STAFF:
        raise NotAllowed("只有志愿服务站管理员或民政干部可以代为登记")
    errors = FieldErrors()
    clean = validate_person(data, errors, staff=staff)
    errors.raise_if_any()
    user = password = None
    with _unique_guard():
        if create_login:
            user, password = accounts.create_user("v" + clean["phone"], None, VOLUNTEER,
                                                  clean["township_code"], clean["name"],
                                                  phone=clean["phone"])
        volunteer = _make_volunteer(clean, status="active", source="station", user=user)
        audit.record("register", volunteer, comment="志愿服务站代为登记（已核验身份证件）")
    return volunteer, password


def create_login(staff: User, volunteer: Volunteer) -> str:
    """Give a volunteer without an account (imported ones) a login with a temporary password."""
    if volunteer.user_id:
        raise Conflict("该志愿者已有登录账号")
    if db.session.scalar(select(exists().where(User.phone == volunteer.phone,
                                               User.role == VOLUNTEER))):
        raise Conflict("该手机号码已被其他志愿者账号使用")
    user, password = accounts.create_user("v" + volunteer.phone, None, VOLUNTEER,
                                          volunteer.township_code, volunteer.name,
                                          phone=volunteer.phone)
    volunteer.user_id = user.id
    db.session.flush()
    audit.record("create_login", volunteer, comment=f"由 {staff.username} 开通登录账号")
    return password


def transition(volunteer: Volunteer, move: str, user: User, comment: str = "") -> None:
    """A workflow move (approve, suspend, resume, deregister), keeping the dashboard counts."""
    if get_visible(user, Volunteer, volunteer.id) is None or user.role not in STAFF:
        raise NotFound("志愿者不存在")
    if move == "approve" and volunteer.guardian_consent_at is None \
            and age_on(volunteer.birth_date, today_local()) < ADULT_AGE:
        raise Conflict("未成年人须有监护人同意才能审核通过")
    before = volunteer.status
    MACHINE.move(volunteer, move, user, comment)
    year = today_local().year
    if volunteer.status == "active" and before != "active":
        if volunteer.approved_at is None:
            volunteer.approved_at = utcnow()
        township_stats.bump(volunteer.township_code, year, volunteers=1)
    elif before == "active" and volunteer.status != "active":
        township_stats.bump(volunteer.township_code, year, volunteers=-1)
    db.session.flush()


def full_id_number(viewer: User, volunteer: Volunteer) -> str:
    """The unmasked ID number for the volunteer themself or staff who may see the row; audited
    (a view by staff) so every look at the full number is on record."""
    if viewer.role == VOLUNTEER and volunteer.user_id == viewer.id:
        return crypto.decrypt(volunteer.id_number_encrypted)
    if viewer.role not in STAFF or get_visible(viewer, Volunteer, volunteer.id) is None:
        raise NotFound("志愿者不存在")
    audit.record("view_id_number", volunteer, comment="查看完整身份证号码")
    return crypto.decrypt(volunteer.id_number_encrypted)


def own_volunteer(user: User) -> Volunteer | None:
    """The volunteer record of a volunteer account."""
    if user.role != VOLUNTEER:
        return None
    return db.session.scalar(select(Volunteer).where(Volunteer.user_id == user.id))


def search_stmt(user: User, args: Mapping):
    """The scoped, filtered select of volunteers, newest first (every filter on an index)."""
    stmt = visible_select(user, Volunteer)
    status = (args.get("status") or "").strip()
    if status:
        if status not in VOLUNTEER_STATUSES:
            raise ValidationFailed("状态取值不正确", "status")
        stmt = stmt.where(Volunteer.status == status)
    township = (args.get("township_code") or args.get("region_code") or "").strip()
    if township:
        if len(township) > 9 or not township.isdigit():
            raise ValidationFailed("区划代码应为数字", "township_code")
        if len(township) == 9:
            stmt = stmt.where(Volunteer.township_code == township)
        else:
            from registry.scoping import region_codes_under

            stmt = stmt.where(Volunteer.township_code.in_(region_codes_under(township)))
    q = (args.get("q") or "").strip()
    if q:
        if len(q) > 30:
            raise ValidationFailed("搜索内容不能超过 30 个字符", "q")
        compact = q.replace(" ", "").upper()
        if len(compact) == 18 and compact[:17].isdigit():
            stmt = stmt.where(Volunteer.id_number_hash == crypto.lookup_hash(compact))
        elif compact.isdigit() or compact.startswith("+86"):
            try:
                phone = normalize_phone(compact, "q")
            except ValidationFailed:
                raise ValidationFailed("请输入完整的 11 位手机号码、18 位身份证号码或姓名开头",
                                       "q") from None
            stmt = stmt.where(Volunteer.phone == phone)
        else:
            escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(Volunteer.name.like(escaped + "%", escape="\\"))
    return stmt.order_by(Volunteer.id.desc())


COUNT_CAP = 1_000
# Page numbers (OFFSET) only for the first pages; deeper goes by cursor (keyset), which costs
# the same at any depth. OFFSET 100,000 in a county of 1M volunteers took ~400 ms.
MAX_OFFSET_PAGE = 50


def list_volunteers(user: User, args: Mapping, *, count: bool = True) -> Page:
    """One page of the volunteers user may see (keyset with ?cursor= for deep pages).

    The total is exact up to COUNT_CAP; above it `total` is None and `total_capped` is set,
    so that a county's or the city's first page never counts hundreds of thousands of rows.
    Cursor pages (deep paging) skip the count.
    """
    stmt = search_stmt(user, args)
    raw_page = str(args.get("page") or "1")
    if raw_page.isdigit() and int(raw_page) > MAX_OFFSET_PAGE:
        raise ValidationFailed(f"页码最大为 {MAX_OFFSET_PAGE}，更往后请用“下一页”"
                               "（API 用 next_cursor）翻页", "page")
    return paginate_query(stmt, Volunteer.id, args, count=count, count_cap=COUNT_CAP)


def public_dict(volunteer: Volunteer, *, unmasked_for: User | None = None) -> dict:
    """The API's volunteer fields; ID and phone masked unless the viewer is the volunteer."""
    own = unmasked_for is not None and volunteer.user_id == unmasked_for.id
    return {
        "id": volunteer.id,
        "volunteer_no": volunteer.volunteer_no,
        "name": volunteer.name,
        "id_number": crypto.decrypt(volunteer.id_number_encrypted) if own
        else volunteer.id_number_masked,
        "phone": volunteer.phone if own else mask_phone(volunteer.phone),
        "gender": volunteer.gender,
        "township_code": volunteer.township_code,
        "status": volunteer.status,
        "total_minutes": volunteer.total_minutes,
        "star_level": volunteer.star_level,
        "is_minor": age_on(volunteer.birth_date, today_local()) < ADULT_AGE,
        "created_at": volunteer.created_at,
    }


# --- Bulk import from .xlsx (all-or-nothing) and export of a filtered list ---------------------

IMPORT_MAX_ROWS = 5000
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
EXPORT_MAX_ROWS = 100_000


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
        f"每个文件最多 {IMPORT_MAX_ROWS} 行；只读取第一个工作表。",
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
            if len(out) >= IMPORT_MAX_ROWS:
                raise ImportFailed(f"文件超过 {IMPORT_MAX_ROWS} 行，请拆分成多个文件后分别导入",
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


def import_xlsx(staff: User, stream) -> int:
    """Import volunteers from an .xlsx in the template; all rows or none.

    Raises ImportFailed with every problem (row, field, reason) when any row is bad, having
    saved nothing. Imported volunteers are active (the station checked their documents) and
    have no login yet. Returns the number imported.
    """
    if staff.role not in STAFF:
        raise NotAllowed("只有志愿服务站管理员或民政干部可以导入志愿者")
    rows = _read_rows(stream)
    problems: list[tuple[int, str, str]] = []
    cleaned = []
    seen_ids: dict[str, int] = {}
    seen_phones: dict[str, int] = {}
    default_township = staff.region_code if staff.role == STATION_ADMIN else ""
    for number, data in rows:
        data = dict(data)
        data["township_code"] = data.get("township_code") or default_township
        data["guardian_consent"] = data.get("guardian_consent") in ("是", "同意", "Y", "y", "1")
        errors = FieldErrors()
        clean = validate_person(data, errors, staff=staff)
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
    if problems:
        raise ImportFailed(f"共有 {len({p[0] for p in problems})} 行有误，整个文件未导入",
                           problems)
    with _unique_guard():
        for clean in cleaned:
            _make_volunteer(clean, status="active", source="import", user=None)
    audit.record("import", object_type="Volunteer", region_code=staff.region_code,
                 comment=f"从 Excel 导入志愿者 {len(cleaned)} 名")
    return len(cleaned)


def export_xlsx(user: User, args: Mapping, target) -> int:
    """Write the scoped, filtered list (masked) to target as .xlsx in write-only mode, reading
    the rows in batches; at most EXPORT_MAX_ROWS rows. Returns the number written."""
    from openpyxl import Workbook

    if user.role not in STAFF:
        raise NotAllowed("没有权限导出志愿者名单")
    stmt = search_stmt(user, args).limit(EXPORT_MAX_ROWS)
    names = dict(db.session.execute(select(Region.code, Region.name)
                                    .where(Region.level == "township")).all())
    book = Workbook(write_only=True)
    sheet = book.create_sheet("志愿者")
    sheet.append(list(EXPORT_COLUMNS))
    written = 0
    rows = db.session.execute(stmt.execution_options(yield_per=2000)).scalars()
    for volunteer in rows:
        sheet.append([
            volunteer.volunteer_no, volunteer.name,
            {"M": "男", "F": "女"}.get(volunteer.gender, ""),
            volunteer.id_number_masked, mask_phone(volunteer.phone),
            names.get(volunteer.township_code, volunteer.township_code),
            VOLUNTEER_STATUSES.get(volunteer.status, volunteer.status),
            round(volunteer.total_minutes / 60, 1), volunteer.star_level,
            volunteer.created_at.strftime("%Y-%m-%d"),
        ])
        written += 1
    if written >= EXPORT_MAX_ROWS:
        sheet.append([f"（只导出了前 {EXPORT_MAX_ROWS:,} 条，请用筛选条件缩小范围后分批导出）"])
    book.save(target)
    audit.record("export", object_type="Volunteer", region_code=user.region_code,
                 comment=f"导出志愿者名单 {written} 条（已脱敏）", changes={
                     k: args.get(k) for k in ("status", "township_code", "q") if args.get(k)})
    return written
