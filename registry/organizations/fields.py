"""An application's fields as the registration rules check them: names, types, region and
authority, USCC, capital, party-building figures, and duplicates."""

import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from registry.clock import today_local
from registry.errors import Conflict, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.models import OFFICIAL_ROLES, Region
from registry.organizations.models import (
    ORG_CATEGORIES,
    ORG_TYPES,
    PARTY_ORG_STATUSES,
    Organization,
)
from registry.scoping import (
    can_see,
    region_visible,
)
from registry.texts import stored
from registry.validators import (
    check_amount,
    check_person_name,
    check_text,
    check_uscc,
    normalize_office_phone,
)

CITY_CODE = "511300"


NAME_HOLDING_STATUSES = ("submitted", "returned", "approved")
# Minimum funds (fen): 社会团体 ¥30,000 活动资金; 基金会 ¥2,000,000 原始基金 (DOMAIN.md §3).
MIN_CAPITAL_FEN = {"social_group": 3_000_000, "foundation": 200_000_000}
# GB 32100 second character for civil-affairs registrations, by organization type.
USCC_KIND = {"social_group": "1", "social_service": "2", "foundation": "3",
             "community": "129"}
FIELDS = ("name", "org_type", "category", "uscc", "legal_representative", "region_code",
          "supervisory_unit", "business_scope", "registered_capital_fen", "address",
          "contact_name", "contact_phone", "founded_on", "is_volunteer_org",
          "party_org_status", "party_member_count", "party_instructor")
MAX_PARTY_MEMBERS = 100_000
GRADE_VALID_YEARS = 5
hub_alias = aliased(Organization)


# ---------------------------------------------------------------- field rules

def normalize_name(value: str | None) -> str:
    """An organization's name as stored: trimmed, single spaces, Chinese brackets."""
    value = re.sub(r"\s+", " ", (value or "").strip())
    return value.replace("(", "（").replace(")", "）")


def collect(errors: dict, func, *args, **kwargs):
    """Run one field check, gathering its message instead of stopping at the first."""
    try:
        return func(*args, **kwargs)
    except ValidationFailed as error:
        for name, messages in error.fields.items():
            errors.setdefault(name, []).extend(messages)
        return None


def check_choice(value, field: str, label: str, choices) -> str:
    if value not in choices:
        raise ValidationFailed(_("请选择有效的%(label)s", label=label), field)
    return value


def check_int(value, field: str, label: str, high: int) -> int:
    number = check_amount(value, field, label, allow_zero=True)
    if number > high:
        raise ValidationFailed(_("%(label)s不能超过 %(high)s", label=label, high=high), field)
    return number


def check_date(value, field: str, label: str, *, required: bool = False) -> date | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed(_("请填写%(label)s", label=label), field)
        return None
    if not isinstance(value, date):
        raise ValidationFailed(_("%(label)s格式不正确（应为 YYYY-MM-DD）", label=label), field)
    if value > today_local():
        raise ValidationFailed(_("%(label)s不能晚于今天", label=label), field)
    if value.year < 1949:
        raise ValidationFailed(_("%(label)s不正确", label=label), field)
    return value


def check_region(code: str | None, org_type: str | None, user: Any) -> Region:
    """The organization's region: must exist, be in an official's jurisdiction, and be a
    township only for a 社区社会组织 (乡镇/街道 handle only their 备案)."""
    code = (code or "").strip()
    region = db.session.get(Region, code) if code.isdigit() and len(code) <= 9 else None
    if region is None:
        raise ValidationFailed(_("请选择有效的所属行政区划"), "region_code")
    if user.role in OFFICIAL_ROLES and not region_visible(user, code):
        raise ValidationFailed(_("所属区划超出您的管辖范围"), "region_code")
    if region.level == "township" and org_type and org_type != "community":
        raise ValidationFailed(_("乡镇（街道）只办理社区社会组织备案；"
                                 "其他组织请选择市或县（市、区）"),
                               "region_code")
    return region


def authority_of(region: Region) -> tuple[str, str]:
    """The deciding bureau (code, name): the city's or the county's; township filings go to
    their county's bureau."""
    if region.level == "city":
        return region.code, stored(f"{region.name}民政局")
    county = region if region.level == "county" else db.session.get(Region, region.county_code)
    return county.code, stored(f"{county.name}民政局")


def check_uscc_for(value: str | None, org_type: str | None, *, required: bool = False) -> str:
    """A civil-affairs USCC: valid GB 32100 code starting with 5 and of the org's kind."""
    code = check_uscc(value, "uscc", required=required)
    if not code:
        return ""
    if code[0] != "5":
        raise ValidationFailed(_("社会组织的统一社会信用代码应以 5（民政）开头"), "uscc")
    kinds = USCC_KIND.get(org_type or "", "")
    if kinds and code[1] not in kinds:
        raise ValidationFailed(
            _("统一社会信用代码第 2 位与组织类型“%(value1)s”不符",
              value1=ORG_TYPES[org_type]), "uscc")
    return code


def clean_fields(data: dict, user: Any) -> dict:
    """Check every field of an application; raise one ValidationFailed naming each bad field."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    out["name"] = collect(errors, check_text, normalize_name(data.get("name")), "name",
                           _("组织名称"), max_length=100)
    if out["name"] is not None and len(out["name"]) < 4:
        errors.setdefault("name", []).append(_("组织名称至少 4 个字"))
    org_type = collect(errors, check_choice, data.get("org_type"), "org_type", _("组织类型"),
                        ORG_TYPES)
    out["org_type"] = org_type
    out["category"] = collect(errors, check_choice, data.get("category") or "other",
                               "category", _("行业类别"), ORG_CATEGORIES)
    out["uscc"] = collect(errors, check_uscc_for, data.get("uscc"), org_type) or None
    out["legal_representative"] = collect(errors, check_person_name,
                                           data.get("legal_representative"),
                                           "legal_representative", _("法定代表人"))
    region = collect(errors, check_region, data.get("region_code"), org_type, user)
    if region is not None:
        out["region_code"] = region.code
        out["authority_code"], out["registration_authority"] = authority_of(region)
        out["registration_kind"] = "filing" if region.level == "township" else "registration"
    out["supervisory_unit"] = collect(errors, check_text, data.get("supervisory_unit"),
                                       "supervisory_unit", _("业务主管单位"), required=False,
                                       max_length=100)
    out["business_scope"] = collect(errors, check_text, data.get("business_scope"),
                                     "business_scope", _("业务范围"), max_length=2000)
    capital = collect(errors, check_amount, data.get("registered_capital_fen", 0),
                       "registered_capital_fen", _("注册资金"), allow_zero=True)
    minimum = MIN_CAPITAL_FEN.get(org_type or "")
    if capital is not None and minimum and capital < minimum:
        errors.setdefault("registered_capital_fen", []).append(
            _("%(value0)s的注册资金不得少于 %(value2)s 元",
              value0=ORG_TYPES[org_type],
              value2=format(minimum // 100, ',')))
    out["registered_capital_fen"] = capital
    out["address"] = collect(errors, check_text, data.get("address"), "address", _("住所"),
                              max_length=200)
    out["contact_name"] = collect(errors, check_person_name, data.get("contact_name"),
                                   "contact_name", _("联系人"))
    out["contact_phone"] = collect(errors, normalize_office_phone, data.get("contact_phone"),
                                    "contact_phone")
    out["founded_on"] = collect(errors, check_date, data.get("founded_on"), "founded_on",
                                 _("成立日期"))
    out["is_volunteer_org"] = bool(data.get("is_volunteer_org"))
    party = collect(errors, clean_party, data)
    if party:
        out.update(party)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(_("申请内容有误：%(first)s", first=first), fields=errors)
    return out


def clean_party(data: dict) -> dict:
    """Party-building fields: status, members (单独组建 needs 3 or more), instructor."""
    errors: dict[str, list[str]] = {}
    status = collect(errors, check_choice, data.get("party_org_status") or "none",
                      "party_org_status", _("党组织建立情况"), PARTY_ORG_STATUSES)
    members = collect(errors, check_int, data.get("party_member_count") or 0,
                       "party_member_count", _("党员人数"), MAX_PARTY_MEMBERS)
    if status == "single" and members is not None and members < 3:
        errors.setdefault("party_member_count", []).append(_("单独组建党组织须有正式党员 3 人以上"))
    instructor = (data.get("party_instructor") or "").strip()
    if instructor:
        instructor = collect(errors, check_person_name, instructor, "party_instructor",
                              _("党建指导员"))
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    return {"party_org_status": status, "party_member_count": members,
            "party_instructor": instructor or ""}


def current_values(org: Organization) -> dict:
    """The application's fields as a dict (the base a partial edit is laid over)."""
    return {name: getattr(org, name) for name in FIELDS}


# ---------------------------------------------------------------- duplicates

def describe(user: Any, org: Organization) -> str:
    """How a duplicate is named: in full if public or visible to user, else only its state."""
    if org.status == "approved" or can_see(user, org):
        extra = _("，统一社会信用代码 %(uscc)s", uscc=org.uscc) if org.uscc else ""
        return _("“%(name)s”（%(status_label)s%(extra)s，编号 %(id)s"
                 "）",
                 name=org.name,
                 status_label=org.status_label,
                 extra=extra,
                 id=org.id)
    return _("另一份%(status_label)s的申请", status_label=org.status_label)


def check_duplicates(user: Any, values: dict, exclude_id: int | None = None) -> None:
    """The same USCC anywhere, or the same name at the same registration authority, is taken."""
    others = select(Organization)
    if exclude_id:
        others = others.where(Organization.id != exclude_id)
    uscc = values.get("uscc")
    if uscc:
        existing = db.session.scalars(others.where(Organization.uscc == uscc).limit(1)).first()
        if existing is not None:
            raise Conflict(_("统一社会信用代码 %(uscc)s 已被%(value3)s使用",
                             uscc=uscc,
                             value3=describe(user, existing)), "uscc")
    name, authority = values.get("name"), values.get("authority_code")
    if name and authority:
        stmt = others.where(Organization.authority_code == authority,
                            Organization.name == name,
                            Organization.status.in_(NAME_HOLDING_STATUSES))
        existing = db.session.scalars(stmt.limit(1)).first()
        if existing is not None:
            raise Conflict(_("名称“%(name)s”在%(value3)s已有%(value5)s，不能重复"
                             "登记",
                             name=name,
                             value3=values.get('registration_authority', ''),
                             value5=describe(user, existing)), "name")


# ---------------------------------------------------------------- applications



