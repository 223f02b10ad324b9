"""Rules on values: ID numbers, credit codes, phones (personal: mobile only; offices: mobile or
landline), names, free text, passwords, the range
of dates and whole numbers any input may carry, uploaded file names."""

import math
import re
import unicodedata
from datetime import date, datetime

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

from registry.errors import ValidationFailed
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
# A fixed-line (office) number: area code 010/02x (3 digits) or 0xxx (4 digits), optionally in
# brackets, a local number of 7–8 digits not starting with 0 or 1, and an optional extension.
# The area code's length follows from its first digits, so "08172221234" splits unambiguously.
AREA = r"010|02\d|0[3-9]\d\d"
LANDLINE_RE = re.compile(
    rf"^(?:\((?P<bracketed>{AREA})\)|(?P<area>{AREA}))-?(?P<local>[2-9]\d{{6,7}})"
    r"(?:(?:-|转|ext\.?|x|#)(?P<ext>\d{1,6}))?$", re.IGNORECASE)
NAME_RE = re.compile(r"^[\u3400-\u9fff\U00020000-\U0002ffff·•A-Za-z ]{2,30}$")
# PostgreSQL's INTEGER: ids, counts and minutes columns. A larger number (let alone one of
# 2^63 or more) makes the database raise instead of answering "no such row".
MAX_INT = 2**31 - 1
# The dates any input may name. Outside them nothing in the registry happens, and converting
# 0001-01-01 or 9999-12-31 between China time and UTC overflows Python's datetime.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def check_text(value: str | None, field: str, label: str, *, required: bool = True,
               max_length: int = 200) -> str:
    """Free text: trimmed, within length, no control or undecodable characters."""
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationFailed(_("请填写%(label)s", label=label), field)
        return ""
    if len(value) > max_length:
        raise ValidationFailed(_("%(label)s不能超过 %(max_length)s 个字符",
                                 label=label,
                                 max_length=max_length), field)
    if "\ufffd" in value or any(
        unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in value
    ):
        raise ValidationFailed(_("%(label)s包含无法识别的字符，请重新输入", label=label), field)
    return value


def check_person_name(value: str | None, field: str = "name", label: str = _l("姓名")) -> str:
    """A real name: 2–30 Chinese characters (· allowed for minority names) or Latin letters."""
    value = check_text(value, field, label, max_length=30)
    if not NAME_RE.match(value):
        raise ValidationFailed(_("%(label)s应为 2–30 个汉字或字母", label=label), field)
    return value


def normalize_phone(value: str | None, field: str = "phone", *, required: bool = True) -> str:
    """A mainland mobile number as 11 digits, after removing +86/0086, spaces and dashes."""
    raw = re.sub(r"[\s-]", "", value or "")
    if not raw:
        if required:
            raise ValidationFailed(_("请填写手机号码"), field)
        return ""
    for prefix in ("+86", "0086"):
        if raw.startswith(prefix):
            raw = raw[len(prefix):]
    if not PHONE_RE.match(raw):
        raise ValidationFailed(_("手机号码应为 11 位数字，以 1 开头"), field)
    return raw


def normalize_office_phone(value: str | None, field: str = "contact_phone", *,
                           required: bool = True) -> str:
    """An office's contact phone (stations, organizations): a mobile as 11 digits, or a
    landline as "0817-2221234" (with "-123" for an extension). Accepts (0817)2221234,
    0817 2221234, 08172221234, full-width digits and brackets, +86/0086."""
    raw = re.sub(r"\s", "", unicodedata.normalize("NFKC", value or ""))
    if not raw:
        if required:
            raise ValidationFailed(_("请填写联系电话"), field)
        return ""
    for prefix in ("+86", "0086"):
        if raw.startswith(prefix):
            raw = raw[len(prefix):].lstrip("-")
            if raw[:1] not in ("0", "(") and not PHONE_RE.match(raw.replace("-", "")):
                raw = "0" + raw  # +86 817 2221234: written abroad without the area code's 0
    mobile = raw.replace("-", "")
    if len(raw) > 30:
        raise ValidationFailed(_("联系电话过长"), field)
    if PHONE_RE.match(mobile):
        return mobile
    match = LANDLINE_RE.match(raw)
    area = match and (match["bracketed"] or match["area"])
    if match is None or (len(area) == 3 and len(match["local"]) != 8):  # 010/02x: 8 digits
        raise ValidationFailed(_("联系电话应为 11 位手机号码，或带区号的固定电话"
                               "（如 0817-2221234，分机写在最后：0817-2221234-123）"), field)
    number = f"{area}-{match['local']}"
    return f"{number}-{match['ext']}" if match["ext"] else number


def is_landline(value: str | None) -> bool:
    """Whether a stored contact phone is a landline (stored with its area code, 0…)."""
    return bool(value) and value.startswith("0")


def check_id_number(value: str | None, field: str = "id_number") -> str:
    """A resident ID number (GB 11643): format, birth date and check character.

    A region code that did not exist in the birth year is accepted (real people hold such
    numbers: DOMAIN.md §2), so only the checksum, format and date decide.
    """
    raw = (value or "").strip().upper().replace(" ", "")
    if not raw:
        raise ValidationFailed(_("请填写身份证号码"), field)
    if not re.fullmatch(r"\d{17}[\dX]", raw):
        raise ValidationFailed(_("身份证号码应为 18 位，前 17 位是数字，最后一位是数字或 X"), field)
    try:
        birth = ric.get_birth_date(raw)
    except (stdnum_errors.ValidationError, ValueError):
        raise ValidationFailed(_("身份证号码中的出生日期不存在"), field) from None
    if birth > date.today():
        raise ValidationFailed(_("身份证号码中的出生日期在未来"), field)
    if birth.year < 1900:
        raise ValidationFailed(_("身份证号码中的出生日期不正确"), field)
    if ric.calc_check_digit(raw) != raw[-1]:
        raise ValidationFailed(_("身份证号码校验位不正确，请核对"), field)
    return raw


def birth_date_of(id_number: str) -> date:
    """The birth date written in a (checked) ID number."""
    return ric.get_birth_date(id_number)


def check_uscc(value: str | None, field: str = "uscc", *, required: bool = True) -> str:
    """A unified social credit code (GB 32100): 18 characters and a correct check character."""
    raw = (value or "").strip().upper().replace(" ", "")
    if not raw:
        if required:
            raise ValidationFailed(_("请填写统一社会信用代码"), field)
        return ""
    if len(raw) != 18:
        raise ValidationFailed(_("统一社会信用代码应为 18 位"), field)
    try:
        uscc.validate(raw)
    except stdnum_errors.InvalidChecksum:
        raise ValidationFailed(_("统一社会信用代码校验位不正确，请核对"), field) from None
    except stdnum_errors.ValidationError:
        raise ValidationFailed(
            _("统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）"), field
        ) from None
    return raw


def check_password(password: str | None, username: str = "", field: str = "password") -> str:
    """等保 2.0 practice: ≥10 characters of ≥3 classes, not containing the username."""
    password = password or ""
    if len(password) < 10:
        raise ValidationFailed(_("密码至少 10 个字符"), field)
    if len(password) > 128:
        raise ValidationFailed(_("密码不能超过 128 个字符"), field)
    classes = sum(
        (
            any(c.isupper() and c.isascii() for c in password),
            any(c.islower() and c.isascii() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if classes < 3:
        raise ValidationFailed(_("密码须包含大写字母、小写字母、数字、符号中的至少三类"), field)
    if username and username.lower() in password.lower():
        raise ValidationFailed(_("密码不能包含用户名"), field)
    return password


def check_date_order(start, end, field: str = "ends_at", label: str = _l("结束时间")) -> None:
    """End after start."""
    if start and end and end <= start:
        raise ValidationFailed(_("%(label)s必须晚于开始时间", label=label), field)


def check_amount(value, field: str, label: str, *, allow_zero: bool = False,
                 high: int = MAX_INT) -> int:
    """A whole, non-negative amount (fen, points or minutes); fractions are refused. At most
    high: the INTEGER columns' limit unless the caller stores it in a BIGINT column."""
    if isinstance(value, bool) or value is None or value == "":
        raise ValidationFailed(_("请填写%(label)s", label=label), field)
    if isinstance(value, float) and not value.is_integer():
        raise ValidationFailed(_("%(label)s必须是整数", label=label), field)
    try:
        number = int(str(value).strip()) if not isinstance(value, int | float) else int(value)
    except ValueError:
        raise ValidationFailed(_("%(label)s必须是整数", label=label), field) from None
    if number < 0 or (number == 0 and not allow_zero):
        raise ValidationFailed(_("%(label)s必须大于 0",
                               label=label) if not allow_zero else _("%(label)s不能为负数",
                                                                         label=label),
                               field)
    if number > high:
        raise ValidationFailed(_("%(label)s过大", label=label), field)
    return number


def parse_yuan(value, field: str, label: str, *, allow_zero: bool = True) -> int:
    """An amount typed in yuan (up to two decimals, thousands commas allowed) as integer fen."""
    raw = str(value if value is not None else "").strip().replace(",", "").replace("，", "")
    if not raw:
        raise ValidationFailed(_("请填写%(label)s", label=label), field)
    if raw.startswith("-"):
        raise ValidationFailed(_("%(label)s不能为负数", label=label), field)
    match = re.fullmatch(r"(\d{1,13})(?:\.(\d{1,2}))?", raw)
    if not match:
        raise ValidationFailed(_("%(label)s应为金额（元），最多两位小数", label=label), field)
    fen = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
    return check_amount(fen, field, label, allow_zero=allow_zero)


def check_date_range(value, field: str, label: str = _l("日期")):
    """A date or datetime between 1900-01-01 and 2100-12-31 (returned unchanged)."""
    if value is None:
        return value
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationFailed(_("%(label)s应在 %(EARLIEST_DATE)s 到 %(LATEST_DATE)s"
                                 " 之间",
                                 label=label,
                                 EARLIEST_DATE=EARLIEST_DATE,
                                 LATEST_DATE=LATEST_DATE), field)
    return value


def parse_date(raw: str | None, field: str, label: str = _l("日期")) -> date | None:
    """A typed YYYY-MM-DD date (forms and query filters), None when empty."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = datetime.strptime(raw, "%Y-%m-%d").date() if len(raw) == 10 else None
    except ValueError:
        value = None
    if value is None:
        raise ValidationFailed(_("%(label)s格式不正确（应为 YYYY-MM-DD，如 2026-03-0"
                                 "1）",
                                 label=label), field)
    return check_date_range(value, field, label)


def clean_filename(name: str | None) -> str:
    """An uploaded file's name without its folders and without control characters (CR/LF in
    a name would otherwise reach the download's Content-Disposition header)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    return kept.strip()[:200]


def within_bounds(value) -> bool:
    """A parsed value (or list of them, e.g. a back-office filter's) any input may carry:
    integers within INTEGER, finite numbers, dates within 1900-2100 (PostgreSQL raises on a
    40-digit integer, and Python's datetime overflows converting year 1 or 9999 between time
    zones)."""
    if isinstance(value, (list, tuple)):
        return all(within_bounds(item) for item in value)
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return -MAX_INT - 1 <= value <= MAX_INT
    if isinstance(value, float):
        return math.isfinite(value) and abs(value) <= MAX_INT
    if isinstance(value, date):  # datetime too
        return EARLIEST_DATE.year <= value.year <= LATEST_DATE.year
    return True
