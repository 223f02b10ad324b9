"""A volunteer's own record: contact details they keep current, fixing and resubmitting a
returned registration, and where their registration stands (what to do next)."""

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import exists, or_, select

from registry import crypto
from registry.clock import utcnow
from registry.errors import Conflict, FieldErrors, NotFound
from registry.extensions import db
from registry.i18n import gettext as _
from registry.masking import mask_id_number
from registry.models import VOLUNTEER, Region, User
from registry.validators import (
    birth_date_of,
    check_id_number,
    check_person_name,
    check_text,
    normalize_phone,
)
from registry.volunteers import operations as volunteers
from registry.volunteers.models import Station, Volunteer

CONTACT_FIELDS = ("phone", "address", "emergency_contact_name", "emergency_contact_phone")
REGISTRATION_FIELDS = ("name", "id_number", "township_code", "skills", "guardian_name",
                       "guardian_phone", "guardian_consent")


def _own(user: User, volunteer: Volunteer) -> None:
    """Only the volunteer themself edits their record here (anyone else: as if it did not
    exist); staff change a record through the review workflow."""
    if user.role != VOLUNTEER or volunteer.user_id != user.id:
        raise NotFound(_("志愿者不存在"))


def _phone_used_by_other(phone: str, volunteer: Volunteer) -> bool:
    """Another volunteer account (a login: accounts.find_by_login) or record has the number."""
    other_user = exists().where(User.phone == phone, User.role == VOLUNTEER,
                                User.id != (volunteer.user_id or 0))
    other_record = exists().where(Volunteer.phone == phone, Volunteer.id != volunteer.id)
    return bool(db.session.scalar(select(or_(other_user, other_record))))


def update_contact(user: User, volunteer: Volunteer, data: Mapping) -> Volunteer:
    """The volunteer changes their own contact details (only the fields given). The mobile
    number is also their login: it stays one account's (one account per login), and the
    account's phone follows it. Audited by the ORM (phones and names masked)."""
    _own(user, volunteer)
    if volunteer.status == "deregistered":
        raise NotFound(_("志愿者不存在"))
    errors = FieldErrors()
    clean: dict[str, str] = {}
    if "phone" in data:
        phone = errors.check(normalize_phone, data.get("phone"), "phone")
        if phone and phone != volunteer.phone and _phone_used_by_other(phone, volunteer):
            errors.add("phone", _("该手机号码已被其他志愿者使用"))
        if phone:
            clean["phone"] = phone
    if "address" in data:
        clean["address"] = errors.check(check_text, data.get("address"), "address", _("联系地址"),
                                        required=False, max_length=200) or ""
    if "emergency_contact_name" in data:
        name = (data.get("emergency_contact_name") or "").strip()
        clean["emergency_contact_name"] = errors.check(
            check_person_name, name, "emergency_contact_name", _("紧急联系人姓名")) or "" \
            if name else ""
    if "emergency_contact_phone" in data:
        clean["emergency_contact_phone"] = errors.check(
            normalize_phone, data.get("emergency_contact_phone"), "emergency_contact_phone",
            required=False) or ""
    name = clean.get("emergency_contact_name", volunteer.emergency_contact_name)
    phone = clean.get("emergency_contact_phone", volunteer.emergency_contact_phone)
    if not errors.fields:
        if name and not phone:
            errors.add("emergency_contact_phone", _("请填写紧急联系人的手机号码"))
        elif phone and not name:
            errors.add("emergency_contact_name", _("请填写紧急联系人姓名"))
        elif phone and phone == clean.get("phone", volunteer.phone):
            errors.add("emergency_contact_phone", _("紧急联系人的手机号码不能是本人的号码"))
    errors.raise_if_any()
    with volunteers.unique_guard():
        for key, value in clean.items():
            if getattr(volunteer, key) != value:
                setattr(volunteer, key, value)
        account = db.session.get(User, volunteer.user_id) if volunteer.user_id else None
        if account is not None and "phone" in clean and account.phone != clean["phone"]:
            account.phone = clean["phone"]
        db.session.flush()
    return volunteer


def update_registration(user: User, volunteer: Volunteer, data: Mapping) -> Volunteer:
    """A returned registration fixed by the volunteer (name, ID number, township, skills,
    guardian) before resubmitting; only while returned, only the fields given."""
    _own(user, volunteer)
    if volunteer.status != "returned":
        raise Conflict(_("只有被退回修改的注册信息可以修改后重新提交"))
    errors = FieldErrors()
    changes: dict = {}
    if "name" in data:
        changes["name"] = errors.check(check_person_name, data.get("name"))
    id_number = (data.get("id_number") or "").strip().upper()
    birth = volunteer.birth_date
    if id_number and id_number != crypto.decrypt(volunteer.id_number_encrypted):
        id_number = errors.check(check_id_number, id_number)
        if id_number:
            digest = crypto.lookup_hash(id_number)
            if db.session.scalar(select(exists().where(Volunteer.id_number_hash == digest,
                                                       Volunteer.id != volunteer.id))):
                errors.add("id_number", _("该身份证号码已注册为志愿者"))
            else:
                birth = birth_date_of(id_number)
                changes.update(id_number_encrypted=crypto.encrypt(id_number),
                               id_number_hash=digest,
                               id_number_masked=mask_id_number(id_number), birth_date=birth,
                               gender="M" if int(id_number[16]) % 2 else "F")
    if "township_code" in data:
        township = errors.check(volunteers.check_township, data.get("township_code"))
        changes["township_code"] = township.code if township else None
    if "skills" in data:
        changes["skills"] = errors.check(check_text, data.get("skills"), "skills", _("技能特长"),
                                         required=False, max_length=200) or ""
    guardian = (data.get("guardian_name", volunteer.guardian_name),
                data.get("guardian_phone", volunteer.guardian_phone),
                data.get("guardian_consent", volunteer.guardian_consent_at is not None))
    g_name, g_phone, consent = volunteers.check_age_and_guardian(birth, *guardian, errors)
    errors.raise_if_any()
    changes.update(guardian_name=g_name, guardian_phone=g_phone)
    if not consent:
        changes["guardian_consent_at"] = None
    elif volunteer.guardian_consent_at is None:
        changes["guardian_consent_at"] = utcnow()
    with volunteers.unique_guard():
        for key, value in changes.items():
            if getattr(volunteer, key) != value:
                setattr(volunteer, key, value)
        account = db.session.get(User, volunteer.user_id)
        account.display_name = volunteer.name
        account.region_code = volunteer.township_code  # the new township's station reviews
        db.session.flush()
    return volunteer


def resubmit(user: User, volunteer: Volunteer, comment: str = "") -> Volunteer:
    """returned → pending (the volunteer themself, after fixing it): back to the station's
    review; the reviewer's reason is cleared (it stays in the history)."""
    _own(user, volunteer)
    volunteers.MACHINE.move(volunteer, "resubmit", user, comment)
    volunteer.review_reason = ""
    db.session.flush()
    return volunteer


@dataclass
class ReviewState:
    """Where a registration stands, for the volunteer's home page and /me/."""

    status: str
    township: Region | None
    station: Station | None
    reason: str

    @property
    def waiting(self) -> bool:
        return self.status in ("pending", "returned", "rejected")


def review_state(volunteer: Volunteer) -> ReviewState:
    township = db.session.get(Region, volunteer.township_code)
    station = db.session.scalar(select(Station).where(
        Station.township_code == volunteer.township_code))
    return ReviewState(volunteer.status, township, station, volunteer.review_reason or "")
