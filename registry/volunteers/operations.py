"""Volunteers: registration, the approval workflow, scoped listing and ID look-ups
(DOMAIN.md §5). Every function only flush()es; the caller commits once."""

import secrets
from collections.abc import Mapping
from contextlib import contextmanager
from datetime import date

from flask import current_app
from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError

from registry import accounts, audit, crypto, notifications
from registry.clock import today_local, utcnow
from registry.errors import Conflict, FieldErrors, NotAllowed, NotFound, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.masking import mask_contact, mask_id_number, mask_name, mask_phone
from registry.models import (
    CITY_OFFICIAL,
    COUNTY_OFFICIAL,
    STATION_ADMIN,
    VOLUNTEER,
    Region,
    User,
)
from registry.pagination import Page, paginate_query
from registry.scoping import get_visible, region_condition, region_visible, visible_select
from registry.validators import (
    birth_date_of,
    check_id_number,
    check_password,
    check_person_name,
    check_text,
    normalize_phone,
)
from registry.volunteers import township_counters
from registry.volunteers.batches import Known
from registry.volunteers.models import VOLUNTEER_STATUSES, Volunteer
from registry.workflow import Machine, Move

MIN_AGE = 14  # under 14: refused (共青团《中国注册志愿者管理办法》); 14–17: guardian consent
ADULT_AGE = 18
STAFF = (STATION_ADMIN, COUNTY_OFFICIAL, CITY_OFFICIAL)

MACHINE = Machine(
    "volunteer",
    VOLUNTEER_STATUSES,
    (
        Move("approve", _l("审核通过"), ("pending",), "active", STAFF),
        # A fixable problem (a typo, a missing guardian): the volunteer edits and resubmits.
        Move("return", _l("退回修改"), ("pending",), "returned", STAFF, comment_required=True),
        # Not admitted (e.g. the person is not who they say); final, the reason is shown.
        Move("reject", _l("不予通过"), ("pending",), "rejected", STAFF, comment_required=True),
        # The volunteer themself, after fixing what the reviewer asked (profile.resubmit).
        Move("resubmit", _l("重新提交"), ("returned",), "pending", (VOLUNTEER,)),
        Move("suspend", _l("暂停"), ("active",), "suspended", STAFF, comment_required=True),
        Move("resume", _l("恢复"), ("suspended",), "active", STAFF),
        Move("deregister", _l("注销"), ("pending", "returned", "active", "suspended"),
             "deregistered", STAFF,
             comment_required=True),
    ),
)


def star_level(total_minutes: int) -> int:
    """Stars 0–5 from cumulative service minutes and the configured hour thresholds."""
    thresholds = current_app.config["STAR_THRESHOLDS_HOURS"]
    return sum(1 for hours in thresholds if total_minutes >= hours * 60)


def age_on(birth: date, day: date) -> int:
    """Whole years of age on day."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_township(code: str | None, field: str = "township_code") -> Region:
    """A township (乡镇/街道) of Nanchong."""
    code = (code or "").strip()
    if not code:
        raise ValidationFailed(_("请选择所在乡镇（街道）"), field)
    region = db.session.get(Region, code) if len(code) <= 9 else None
    if region is None or region.level != "township":
        raise ValidationFailed(_("所选乡镇（街道）不存在"), field)
    return region


def check_age_and_guardian(birth: date, guardian_name, guardian_phone, consent,
                           errors: FieldErrors) -> tuple[str, str, bool]:
    """Under 14 refused; 14–17 need a guardian's name, phone and consent (DOMAIN.md §5)."""
    age = age_on(birth, today_local())
    if age < MIN_AGE:
        errors.add("id_number", _("未满 %(MIN_AGE)s 周岁不能注册为志愿者，可在监护人陪"
                                  "同下参加适合的活动",
                                  MIN_AGE=MIN_AGE))
        return "", "", False
    if age >= ADULT_AGE:
        return "", "", False
    name = errors.check(check_person_name, guardian_name, "guardian_name", _("监护人姓名"))
    phone = errors.check(normalize_phone, guardian_phone, "guardian_phone")
    if not consent:
        errors.add("guardian_consent", _("未满 18 周岁须经监护人同意，请勾选监护人同意"))
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
    for _attempt in range(20):
        number = f"V{township_code}{secrets.randbelow(10**8):08d}"
        if not db.session.scalar(select(exists().where(Volunteer.volunteer_no == number))):
            return number
    raise Conflict(_("生成志愿者编号失败，请重试"))  # pragma: no cover


def validate_person(data: Mapping, errors: FieldErrors, *, township_field="township_code",
                    staff: User | None = None, known: Known | None = None) -> dict:
    """Check the personal fields of a registration or an import row; returns clean values
    (known: the look-ups done beforehand for a whole import)."""
    name = errors.check(check_person_name, data.get("name"))
    id_number = errors.check(check_id_number, data.get("id_number"))
    phone = errors.check(normalize_phone, data.get("phone"))
    township = errors.check(check_township, data.get("township_code"), township_field)
    if township is not None and staff is not None and not (
            township.code in known.visible_townships if known
            else region_visible(staff, township.code)):
        errors.add(township_field, _("所选乡镇（街道）不在您的管辖范围内"))
    skills = errors.check(check_text, data.get("skills"), "skills", _("技能特长"), required=False,
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
        if (crypto.lookup_hash(id_number) in known.taken_id_hashes if known
                else id_number_taken(id_number)):
            errors.add("id_number", _("该身份证号码已注册为志愿者，请直接登录或联系所在志愿服务站"))
    if phone and (phone in known.taken_phones if known else phone_taken(phone)):
        errors.add("phone", _("该手机号码已被其他志愿者使用"))
    return clean


@contextmanager
def unique_guard():
    """Two people submitting the same ID number or phone at the same moment both pass the
    look-up; the unique index stops the second, answered as a conflict, not a 500."""
    try:
        yield
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("该身份证号码或手机号码刚刚已被登记，请勿重复提交"), "id_number") from None


def _volunteer_account(clean: dict, volunteer_no: str, password: str, *,
                       temporary: bool = False) -> User:
    """A volunteer's login: the username is the volunteer number (never the phone, which is
    personal data); the volunteer still logs in with the mobile number (accounts.find_by_login)."""
    user, _ = accounts.create_user(volunteer_no, password, VOLUNTEER, clean["township_code"],
                                   clean["name"], phone=clean["phone"], temporary=temporary)
    return user


def make_volunteer(clean: dict, *, status: str, source: str, user: User | None,
                   volunteer_no: str | None = None) -> Volunteer:
    id_number = clean["id_number"]
    now = utcnow()
    volunteer = Volunteer(
        user_id=user.id if user else None,
        volunteer_no=volunteer_no or _new_volunteer_no(clean["township_code"]),
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
        today = today_local()
        township_counters.bump(volunteer.township_code, today.year, today.month, volunteers=1)
    return volunteer


def register_self(data: Mapping) -> Volunteer:
    """Online self-registration: an account (login by phone) and a pending volunteer."""
    errors = FieldErrors()
    clean = validate_person(data, errors)
    password = data.get("password")
    if clean["phone"]:
        errors.check(check_password, password, clean["phone"])
    elif not password:
        errors.add("password", _("请设置登录密码"))
    errors.raise_if_any()
    with unique_guard():
        number = _new_volunteer_no(clean["township_code"])
        user = _volunteer_account(clean, number, password)
        audit.set_actor(user)
        volunteer = make_volunteer(clean, status="pending", source="self", user=user,
                                   volunteer_no=number)
        audit.record("register", volunteer, comment="网上自助注册")
    return volunteer


def register_by_staff(staff: User, data: Mapping, *, create_login: bool = True
                      ) -> tuple[Volunteer, str | None]:
    """Registration entered by station staff after checking the person's ID in person.

    The record is active at once (the staff member is the one who would approve it). With
    create_login, an account with a temporary password (shown once) is made.
    """
    if staff.role not in STAFF:
        raise NotAllowed(_("只有志愿服务站管理员或民政干部可以代为登记"))
    errors = FieldErrors()
    clean = validate_person(data, errors, staff=staff)
    errors.raise_if_any()
    user = password = None
    with unique_guard():
        number = _new_volunteer_no(clean["township_code"])
        if create_login:
            password = accounts.temporary_password()
            user = _volunteer_account(clean, number, password, temporary=True)
        volunteer = make_volunteer(clean, status="active", source="station", user=user,
                                   volunteer_no=number)
        audit.record("register", volunteer, comment="志愿服务站代为登记（已核验身份证件）")
    return volunteer, password


def create_login(staff: User, volunteer: Volunteer) -> str:
    """Give a volunteer without an account (imported ones) a login with a temporary password."""
    if volunteer.user_id:
        raise Conflict(_("该志愿者已有登录账号"))
    if db.session.scalar(select(exists().where(User.phone == volunteer.phone,
                                               User.role == VOLUNTEER))):
        raise Conflict(_("该手机号码已被其他志愿者账号使用"))
    password = accounts.temporary_password()
    with unique_guard():
        user = _volunteer_account({"phone": volunteer.phone, "name": volunteer.name,
                                   "township_code": volunteer.township_code},
                                  volunteer.volunteer_no, password, temporary=True)
    volunteer.user_id = user.id
    db.session.flush()
    audit.record("create_login", volunteer, comment=f"由 {staff.username} 开通登录账号")
    return password


# What the volunteer's account is told after a review.
NOTE_KINDS = {
    "approve": notifications.kind("volunteer_approved",
                                  _l("您的志愿者注册已审核通过，可以报名参加志愿活动了")),
    "return": notifications.kind("volunteer_returned",
                                 _l("您的志愿者注册被退回修改，请查看原因，修改后重新提交")),
    "reject": notifications.kind("volunteer_rejected",
                                 _l("您的志愿者注册未通过审核，请查看原因")),
}
# The staff's moves; resubmit is the volunteer's own (profile.resubmit).
STAFF_MOVES = ("approve", "return", "reject", "suspend", "resume", "deregister")


def transition(volunteer: Volunteer, move: str, user: User, comment: str = "") -> None:
    """A staff workflow move (approve, return, reject, suspend, resume, deregister), keeping
    the dashboard counts; a return's or rejection's reason is kept for the volunteer to read."""
    if get_visible(user, Volunteer, volunteer.id) is None or user.role not in STAFF:
        raise NotFound(_("志愿者不存在"))
    if move not in STAFF_MOVES:
        raise Conflict(_("没有“%(move)s”这个操作", move=move))
    if move == "approve" and volunteer.guardian_consent_at is None \
            and age_on(volunteer.birth_date, today_local()) < ADULT_AGE:
        raise Conflict(_("未成年人须有监护人同意才能审核通过"))
    before = volunteer.status
    MACHINE.move(volunteer, move, user, comment)
    if move in ("return", "reject"):
        volunteer.review_reason = comment.strip()
    elif move == "approve":
        volunteer.review_reason = ""
    if move in NOTE_KINDS:
        notifications.notify(volunteer.user_id, NOTE_KINDS[move], {}, "/me/profile")
    today = today_local()
    if volunteer.status == "active" and before != "active":
        if volunteer.approved_at is None:
            volunteer.approved_at = utcnow()
        township_counters.bump(volunteer.township_code, today.year, today.month, volunteers=1)
    elif before == "active" and volunteer.status != "active":
        township_counters.bump(volunteer.township_code, today.year, today.month, volunteers=-1)
    db.session.flush()


def full_id_number(viewer: User, volunteer: Volunteer) -> str:
    """The unmasked ID number for the volunteer themself or staff who may see the row; audited
    (a view by staff) so every look at the full number is on record."""
    if viewer.role == VOLUNTEER and volunteer.user_id == viewer.id:
        return crypto.decrypt(volunteer.id_number_encrypted)
    if viewer.role not in STAFF or get_visible(viewer, Volunteer, volunteer.id) is None:
        raise NotFound(_("志愿者不存在"))
    audit.record("view_id_number", volunteer, comment="查看完整身份证号码")
    return crypto.decrypt(volunteer.id_number_encrypted)


def own_volunteer(user: User) -> Volunteer | None:
    """The volunteer record of a volunteer account."""
    if user.role != VOLUNTEER:
        return None
    return db.session.scalar(select(Volunteer).where(Volunteer.user_id == user.id))


def pending_stmt(user: User):
    """The volunteers waiting for review in user's jurisdiction (the list's ?status=pending)."""
    return search_stmt(user, {"status": "pending"})


def search_stmt(user: User, args: Mapping):
    """The scoped, filtered select of volunteers, newest first (every filter on an index)."""
    stmt = visible_select(user, Volunteer)
    status = (args.get("status") or "").strip()
    if status:
        if status not in VOLUNTEER_STATUSES:
            raise ValidationFailed(_("状态取值不正确"), "status")
        stmt = stmt.where(Volunteer.status == status)
    township = (args.get("township_code") or args.get("region_code") or "").strip()
    if township:
        if len(township) > 9 or not township.isdigit():
            raise ValidationFailed(_("区划代码应为数字"), "township_code")
        if len(township) == 9:
            stmt = stmt.where(Volunteer.township_code == township)
        else:
            stmt = stmt.where(region_condition(Volunteer.township_code, township))
    q = (args.get("q") or "").strip()
    if q:
        if len(q) > 30:
            raise ValidationFailed(_("搜索内容不能超过 30 个字符"), "q")
        compact = q.replace(" ", "").upper()
        if len(compact) == 18 and compact[:17].isdigit():
            stmt = stmt.where(Volunteer.id_number_hash == crypto.lookup_hash(compact))
        elif compact.isdigit() or compact.startswith("+86"):
            try:
                phone = normalize_phone(compact, "q")
            except ValidationFailed:
                raise ValidationFailed(_("请输入完整的 11 位手机号码、18 位身份证号码或姓名开头"),
                                       "q") from None
            stmt = stmt.where(Volunteer.phone == phone)
        else:
            stmt = stmt.where(Volunteer.name.startswith(q, autoescape=True))
    return stmt.order_by(Volunteer.id.desc())


# Page numbers (OFFSET) only for the first pages; deeper goes by cursor (keyset), which costs
# the same at any depth. OFFSET 100,000 in a county of 1M volunteers took ~400 ms.
MAX_OFFSET_PAGE = 50


def list_volunteers(user: User, args: Mapping, *, count: bool = True) -> Page:
    """One page of the volunteers user may see (keyset with ?cursor= for deep pages).

    The total is exact up to pagination.COUNT_CAP; above it `total` is None and
    `total_capped` is set, so that a county's or the city's first page never counts
    hundreds of thousands of rows.
    Cursor pages (deep paging) skip the count.
    """
    stmt = search_stmt(user, args)
    raw_page = str(args.get("page") or "1")
    if raw_page.isdigit() and int(raw_page) > MAX_OFFSET_PAGE:
        raise ValidationFailed(_("页码最大为 %(MAX_OFFSET_PAGE)s，更往后请用“下一页”"
                                 "（API 用 next_cursor）翻页",
                                 MAX_OFFSET_PAGE=MAX_OFFSET_PAGE), "page")
    return paginate_query(stmt, Volunteer.id, args, count=count)


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
        "star_level": star_level(volunteer.total_minutes),
        "is_minor": age_on(volunteer.birth_date, today_local()) < ADULT_AGE,
        "created_at": volunteer.created_at,
        "review_reason": volunteer.review_reason or "",
        "address": volunteer.address if own else mask_contact(volunteer.address),
        "emergency_contact_name": volunteer.emergency_contact_name if own
        else mask_name(volunteer.emergency_contact_name),
        "emergency_contact_phone": volunteer.emergency_contact_phone if own
        else mask_phone(volunteer.emergency_contact_phone),
    }
