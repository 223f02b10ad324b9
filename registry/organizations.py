"""Social organizations: applications and their review (ORG_MACHINE), duplicates, searches,
annual reports, grades, the abnormal list, hubs and party building. Rules are written once here
and used by pages, API, admin and CLI alike; functions flush, the caller commits."""

import re
from datetime import date
from typing import Any

from sqlalchemy import Select, case, func, or_, select, update
from sqlalchemy.orm import aliased, selectinload

from registry.clock import today_local, utcnow
from registry.errors import Conflict, NotAllowed, ValidationFailed
from registry.extensions import db
from registry.models import (
    ABNORMAL_REASONS,
    CITY_OFFICIAL,
    COUNTY_OFFICIAL,
    GRADES,
    OFFICIAL_ROLES,
    ORG_ADMIN,
    ORG_CATEGORIES,
    ORG_STATUSES,
    ORG_TYPES,
    PARTY_ORG_STATUSES,
    REPORT_RESULTS,
    AbnormalListing,
    AnnualReport,
    Organization,
    OrgDocument,
    OrgRating,
    Region,
)
from registry.scoping import (
    can_see,
    region_codes_under,
    region_visible,
    scope_condition,
    visible_select,
)
from registry.validators import (
    check_amount,
    check_person_name,
    check_text,
    check_uscc,
    normalize_phone,
)
from registry.workflow import Machine, Move

CITY_CODE = "511300"
ORG_MACHINE = Machine(
    "organization",
    ORG_STATUSES,
    (
        Move("submit", "提交申请", ("draft", "returned"), "submitted",
             (ORG_ADMIN, CITY_OFFICIAL, COUNTY_OFFICIAL)),
        Move("approve", "准予登记", ("submitted",), "approved", OFFICIAL_ROLES),
        Move("return", "退回修改", ("submitted",), "returned", OFFICIAL_ROLES,
             comment_required=True),
        Move("reject", "不予登记", ("submitted",), "rejected", OFFICIAL_ROLES,
             comment_required=True),
        Move("deregister", "注销登记", ("approved",), "deregistered", OFFICIAL_ROLES,
             comment_required=True),
    ),
)
# Who may change the application's fields, by state.
EDITABLE_BY = {ORG_ADMIN: ("draft", "returned"),
               CITY_OFFICIAL: ("draft", "submitted", "returned"),
               COUNTY_OFFICIAL: ("draft", "submitted", "returned")}
# A name is taken while another application or registration with it is alive.
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
_hub = aliased(Organization)


# ---------------------------------------------------------------- field rules

def normalize_name(value: str | None) -> str:
    """An organization's name as stored: trimmed, single spaces, Chinese brackets."""
    value = re.sub(r"\s+", " ", (value or "").strip())
    return value.replace("(", "（").replace(")", "）")


def _collect(errors: dict, func, *args, **kwargs):
    """Run one field check, gathering its message instead of stopping at the first."""
    try:
        return func(*args, **kwargs)
    except ValidationFailed as error:
        for name, messages in error.fields.items():
            errors.setdefault(name, []).extend(messages)
        return None


def _check_choice(value, field: str, label: str, choices) -> str:
    if value not in choices:
        raise ValidationFailed(f"请选择有效的{label}", field)
    return value


def _check_int(value, field: str, label: str, high: int) -> int:
    number = check_amount(value, field, label, allow_zero=True)
    if number > high:
        raise ValidationFailed(f"{label}不能超过 {high}", field)
    return number


def _check_date(value, field: str, label: str, *, required: bool = False) -> date | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed(f"请填写{label}", field)
        return None
    if not isinstance(value, date):
        raise ValidationFailed(f"{label}格式不正确（应为 YYYY-MM-DD）", field)
    if value > today_local():
        raise ValidationFailed(f"{label}不能晚于今天", field)
    if value.year < 1949:
        raise ValidationFailed(f"{label}不正确", field)
    return value


def check_region(code: str | None, org_type: str | None, user: Any) -> Region:
    """The organization's region: must exist, be in an official's jurisdiction, and be a
    township only for a 社区社会组织 (乡镇/街道 handle only their 备案)."""
    code = (code or "").strip()
    region = db.session.get(Region, code) if code.isdigit() and len(code) <= 9 else None
    if region is None:
        raise ValidationFailed("请选择有效的所属行政区划", "region_code")
    if user.role in OFFICIAL_ROLES and not region_visible(user, code):
        raise ValidationFailed("所属区划超出您的管辖范围", "region_code")
    if region.level == "township" and org_type and org_type != "community":
        raise ValidationFailed("乡镇（街道）只办理社区社会组织备案；其他组织请选择市或县（市、区）",
                               "region_code")
    return region


def authority_of(region: Region) -> tuple[str, str]:
    """The deciding bureau (code, name): the city's or the county's; township filings go to
    their county's bureau."""
    if region.level == "city":
        return region.code, f"{region.name}民政局"
    county = region if region.level == "county" else db.session.get(Region, region.county_code)
    return county.code, f"{county.name}民政局"


def check_uscc_for(value: str | None, org_type: str | None, *, required: bool = False) -> str:
    """A civil-affairs USCC: valid GB 32100 code starting with 5 and of the org's kind."""
    code = check_uscc(value, "uscc", required=required)
    if not code:
        return ""
    if code[0] != "5":
        raise ValidationFailed("社会组织的统一社会信用代码应以 5（民政）开头", "uscc")
    kinds = USCC_KIND.get(org_type or "", "")
    if kinds and code[1] not in kinds:
        raise ValidationFailed(
            f"统一社会信用代码第 2 位与组织类型“{ORG_TYPES[org_type]}”不符", "uscc")
    return code


def clean_fields(data: dict, user: Any) -> dict:
    """Check every field of an application; raise one ValidationFailed naming each bad field."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    out["name"] = _collect(errors, check_text, normalize_name(data.get("name")), "name",
                           "组织名称", max_length=100)
    if out["name"] is not None and len(out["name"]) < 4:
        errors.setdefault("name", []).append("组织名称至少 4 个字")
    org_type = _collect(errors, _check_choice, data.get("org_type"), "org_type", "组织类型",
                        ORG_TYPES)
    out["org_type"] = org_type
    out["category"] = _collect(errors, _check_choice, data.get("category") or "other",
                               "category", "行业类别", ORG_CATEGORIES)
    out["uscc"] = _collect(errors, check_uscc_for, data.get("uscc"), org_type) or None
    out["legal_representative"] = _collect(errors, check_person_name,
                                           data.get("legal_representative"),
                                           "legal_representative", "法定代表人")
    region = _collect(errors, check_region, data.get("region_code"), org_type, user)
    if region is not None:
        out["region_code"] = region.code
        out["authority_code"], out["registration_authority"] = authority_of(region)
        out["registration_kind"] = "filing" if region.level == "township" else "registration"
    out["supervisory_unit"] = _collect(errors, check_text, data.get("supervisory_unit"),
                                       "supervisory_unit", "业务主管单位", required=False,
                                       max_length=100)
    out["business_scope"] = _collect(errors, check_text, data.get("business_scope"),
                                     "business_scope", "业务范围", max_length=2000)
    capital = _collect(errors, check_amount, data.get("registered_capital_fen", 0),
                       "registered_capital_fen", "注册资金", allow_zero=True)
    minimum = MIN_CAPITAL_FEN.get(org_type or "")
    if capital is not None and minimum and capital < minimum:
        errors.setdefault("registered_capital_fen", []).append(
            f"{ORG_TYPES[org_type]}的注册资金不得少于 {minimum // 100:,} 元")
    out["registered_capital_fen"] = capital
    out["address"] = _collect(errors, check_text, data.get("address"), "address", "住所",
                              max_length=200)
    out["contact_name"] = _collect(errors, check_person_name, data.get("contact_name"),
                                   "contact_name", "联系人")
    out["contact_phone"] = _collect(errors, normalize_phone, data.get("contact_phone"),
                                    "contact_phone")
    out["founded_on"] = _collect(errors, _check_date, data.get("founded_on"), "founded_on",
                                 "成立日期")
    out["is_volunteer_org"] = bool(data.get("is_volunteer_org"))
    party = _collect(errors, clean_party, data)
    if party:
        out.update(party)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(f"申请内容有误：{first}", fields=errors)
    return out


def clean_party(data: dict) -> dict:
    """Party-building fields: status, members (单独组建 needs 3 or more), instructor."""
    errors: dict[str, list[str]] = {}
    status = _collect(errors, _check_choice, data.get("party_org_status") or "none",
                      "party_org_status", "党组织建立情况", PARTY_ORG_STATUSES)
    members = _collect(errors, _check_int, data.get("party_member_count") or 0,
                       "party_member_count", "党员人数", MAX_PARTY_MEMBERS)
    if status == "single" and members is not None and members < 3:
        errors.setdefault("party_member_count", []).append("单独组建党组织须有正式党员 3 人以上")
    instructor = (data.get("party_instructor") or "").strip()
    if instructor:
        instructor = _collect(errors, check_person_name, instructor, "party_instructor",
                              "党建指导员")
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
        extra = f"，统一社会信用代码 {org.uscc}" if org.uscc else ""
        return f"“{org.name}”（{org.status_label}{extra}，编号 {org.id}）"
    return f"另一份{org.status_label}的申请"


def check_duplicates(user: Any, values: dict, exclude_id: int | None = None) -> None:
    """The same USCC anywhere, or the same name at the same registration authority, is taken."""
    others = select(Organization)
    if exclude_id:
        others = others.where(Organization.id != exclude_id)
    uscc = values.get("uscc")
    if uscc:
        existing = db.session.scalars(others.where(Organization.uscc == uscc).limit(1)).first()
        if existing is not None:
            raise Conflict(f"统一社会信用代码 {uscc} 已被{describe(user, existing)}使用", "uscc")
    name, authority = values.get("name"), values.get("authority_code")
    if name and authority:
        stmt = others.where(Organization.authority_code == authority,
                            Organization.name == name,
                            Organization.status.in_(NAME_HOLDING_STATUSES))
        existing = db.session.scalars(stmt.limit(1)).first()
        if existing is not None:
            raise Conflict(f"名称“{name}”在{values.get('registration_authority', '')}已有"
                           f"{describe(user, existing)}，不能重复登记", "name")


# ---------------------------------------------------------------- applications

def _require_visible(user: Any, org: Organization) -> None:
    if not can_see(user, org):
        raise NotAllowed("该组织不在您的管辖范围内")


def create_application(user: Any, data: dict, *, submit: bool = False) -> Organization:
    """A new registration/filing application, by its representative or by an official on the
    organization's behalf; the representative's account is bound to it."""
    if user.role not in (ORG_ADMIN, *OFFICIAL_ROLES):
        raise NotAllowed("只有社会组织代表和民政干部可以提交登记申请")
    if user.role == ORG_ADMIN and user.organization_id:
        current = db.session.get(Organization, user.organization_id)
        if current is not None and current.status not in ("rejected", "deregistered"):
            raise Conflict(f"您的账号已绑定“{current.name}”（{current.status_label}），"
                           "一个账号只办理一个组织的申请")
    values = clean_fields(data, user)
    check_duplicates(user, values)
    org = Organization(**values, status="draft", created_by_id=user.id)
    db.session.add(org)
    db.session.flush()
    if user.role == ORG_ADMIN:
        user.organization_id = org.id
        user.region_code = org.region_code
    if submit:
        submit_application(user, org)
    db.session.flush()
    return org


def can_edit(user: Any, org: Organization) -> bool:
    return org.status in EDITABLE_BY.get(user.role, ())


def update_application(user: Any, org: Organization, data: dict) -> Organization:
    """Change an application's fields (a partial dict is laid over the current values)."""
    _require_visible(user, org)
    if not can_edit(user, org):
        if org.status == "approved":
            raise Conflict("已登记的组织不能直接修改；变更登记须另行申请")
        raise Conflict(f"当前状态为“{org.status_label}”，不能修改申请内容")
    merged = {**current_values(org), **{k: v for k, v in data.items() if k in FIELDS}}
    values = clean_fields(merged, user)
    check_duplicates(user, values, exclude_id=org.id)
    region_changed = values["region_code"] != org.region_code
    for key, value in values.items():
        setattr(org, key, value)
    if region_changed:
        for model in (OrgDocument, AnnualReport, OrgRating, AbnormalListing):
            db.session.execute(update(model).where(model.organization_id == org.id)
                               .values(region_code=org.region_code)
                               .execution_options(synchronize_session=False))
    db.session.flush()
    return org


def _lock(org: Organization) -> None:
    """Hold the row while a move is decided (two reviewers cannot both move it)."""
    db.session.refresh(org, with_for_update=True)


def _check_move(user: Any, org: Organization, name: str) -> None:
    """Refuse a move before anything changes: wrong state 409, wrong role 403."""
    move = ORG_MACHINE.by_name[name]
    if org.status not in move.sources:
        raise Conflict(f"当前状态为“{org.status_label}”，不能{move.label}")
    if user.role not in move.roles:
        raise NotAllowed(f"您的角色不能{move.label}")
    _require_visible(user, org)


def _check_comment(comment: str | None, required: bool, label: str) -> str:
    comment = (comment or "").strip()
    if required and not comment:
        raise ValidationFailed(f"{label}须填写意见或理由", "comment")
    return check_text(comment, "comment", "意见", required=False, max_length=2000)


def submit_application(user: Any, org: Organization, comment: str = "") -> Organization:
    """draft/returned → submitted, after the fields and duplicates are checked again."""
    _lock(org)
    _check_move(user, org, "submit")
    values = clean_fields(current_values(org), user)
    check_duplicates(user, values, exclude_id=org.id)
    org.submitted_at = utcnow()
    ORG_MACHINE.move(org, "submit", user, comment)
    return org


def approve(user: Any, org: Organization, comment: str = "", *, uscc: str | None = None,
            certificate_date: date | None = None,
            registration_authority: str | None = None) -> Organization:
    """submitted → approved: records the USCC (required for a registration unless already
    given), the certificate date and the authority."""
    _lock(org)
    _check_move(user, org, "approve")
    comment = _check_comment(comment, False, "准予登记")
    errors: dict[str, list[str]] = {}
    required = org.registration_kind == "registration" and not org.uscc
    code = _collect(errors, check_uscc_for, uscc or org.uscc, org.org_type, required=required)
    issued = _collect(errors, _check_date, certificate_date or today_local(),
                      "certificate_date", "发证日期")
    if issued and org.founded_on and issued < org.founded_on:
        errors.setdefault("certificate_date", []).append("发证日期不能早于成立日期")
    authority = _collect(errors, check_text, registration_authority or org.registration_authority,
                         "registration_authority", "登记管理机关", max_length=100)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    values = {"uscc": code or None, "name": org.name, "authority_code": org.authority_code,
              "registration_authority": authority}
    check_duplicates(user, values, exclude_id=org.id)
    org.uscc = code or None
    org.certificate_date = issued
    org.registration_authority = authority
    org.founded_on = org.founded_on or issued
    org.approved_at = utcnow()
    ORG_MACHINE.move(org, "approve", user, comment)
    return org


def return_application(user: Any, org: Organization, comment: str) -> Organization:
    """submitted → returned, with what to fix."""
    _lock(org)
    _check_move(user, org, "return")
    ORG_MACHINE.move(org, "return", user, comment)
    return org


def reject(user: Any, org: Organization, comment: str) -> Organization:
    """submitted → rejected, with the reason."""
    _lock(org)
    _check_move(user, org, "reject")
    ORG_MACHINE.move(org, "reject", user, comment)
    return org


def deregister(user: Any, org: Organization, comment: str) -> Organization:
    """approved → deregistered (注销); a hub's members and a member's hub link are released."""
    _lock(org)
    _check_move(user, org, "deregister")
    ORG_MACHINE.move(org, "deregister", user, comment)
    org.deregistered_at = utcnow()
    if org.is_hub:
        for member in db.session.scalars(select(Organization)
                                         .where(Organization.hub_id == org.id)):
            member.hub_id = None
        org.is_hub = False
    org.hub_id = None
    db.session.flush()
    return org


MOVES = {"submit": submit_application, "approve": approve, "return": return_application,
         "reject": reject, "deregister": deregister}


def allowed_moves(user: Any, org: Organization) -> list[Move]:
    """The moves user may make on org now (buttons)."""
    return ORG_MACHINE.allowed(org, user)


# ---------------------------------------------------------------- lists and search

def _q_condition(q: str):
    q = q.strip()
    code = q.upper().replace(" ", "")
    return or_(Organization.name.contains(q, autoescape=True), Organization.uscc == code,
               Organization.legal_representative == q)


def check_filters(args) -> dict:
    """The list filters (q, status, org_type, category, region_code, grade, hub, abnormal),
    each checked: a bad one is a 422 naming it."""
    out: dict[str, Any] = {}
    q = args.get("q") or ""
    if len(q) > 50:
        raise ValidationFailed("搜索词不能超过 50 个字符", "q")
    if "\ufffd" in q:
        raise ValidationFailed("搜索词包含无法识别的字符", "q")
    out["q"] = q.strip()
    for name, label, choices in (("status", "状态", ORG_STATUSES), ("org_type", "组织类型",
                                 ORG_TYPES), ("category", "行业类别", ORG_CATEGORIES),
                                 ("grade", "评估等级", ("5A", "4A", "3A", "2A", "1A"))):
        value = args.get(name) or ""
        if value and value not in choices:
            raise ValidationFailed(f"{label}筛选值不正确", name)
        out[name] = value
    region = (args.get("region_code") or "").strip()
    if region and not (region.isdigit() and len(region) in (6, 9)):
        raise ValidationFailed("行政区划代码应为 6 或 9 位数字", "region_code")
    out["region_code"] = region
    for name in ("hub", "abnormal"):
        value = args.get(name) or ""
        if value not in ("", "1", "0", "true", "false"):
            raise ValidationFailed("筛选值应为 1 或 0", name)
        out[name] = value in ("1", "true") if value else None
    return out


def _apply_filters(stmt: Select, filters: dict) -> Select:
    if filters.get("q"):
        stmt = stmt.where(_q_condition(filters["q"]))
    for name in ("status", "org_type", "category"):
        if filters.get(name):
            stmt = stmt.where(getattr(Organization, name) == filters[name])
    if filters.get("grade"):
        stmt = stmt.where(Organization.grade == filters["grade"],
                          Organization.grade_valid_until >= today_local())
    if filters.get("region_code"):
        stmt = stmt.where(Organization.region_code.in_(region_codes_under(filters["region_code"])))
    if filters.get("hub") is not None:
        stmt = stmt.where(Organization.is_hub.is_(filters["hub"]))
    if filters.get("abnormal") is not None:
        stmt = stmt.where(Organization.abnormal_listed.is_(filters["abnormal"]))
    # Region and hub names for a page of rows in two queries, not two per row.
    stmt = stmt.options(selectinload(Organization.region), selectinload(Organization.hub))
    return stmt.order_by(Organization.id.desc())


def staff_list_stmt(user: Any, filters: dict) -> Select:
    """The organizations user may see, filtered, newest first."""
    return _apply_filters(visible_select(user, Organization), filters)


def public_list_stmt(filters: dict) -> Select:
    """The public registry: approved organizations only, filtered, newest first."""
    filters = {**filters, "status": ""}
    stmt = select(Organization).where(Organization.status == "approved")
    return _apply_filters(stmt, filters)


def public_get(ident: Any) -> Organization | None:
    """An approved organization by id for the public, else None (nothing else is public)."""
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        return None
    if not 0 < ident < 2**31:
        return None
    return db.session.scalars(select(Organization).where(
        Organization.id == ident, Organization.status == "approved")).first()


# ---------------------------------------------------------------- the record: reports, grades

def _require_official(user: Any, org: Organization, what: str) -> None:
    if user.role not in OFFICIAL_ROLES:
        raise NotAllowed(f"只有民政干部可以{what}")
    _require_visible(user, org)


def _require_registered(org: Organization, what: str) -> None:
    if org.status != "approved":
        raise Conflict(f"组织当前状态为“{org.status_label}”，只有已登记的组织才能{what}")


def clean_report(data: dict, org: Organization) -> dict:
    """An annual report's figures: a year from founding to this year, whole fen, staff."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    year = _collect(errors, _check_int, data.get("year"), "year", "报告年度", 9999)
    first = (org.founded_on or org.certificate_date or today_local()).year
    if year is not None and not first <= year <= today_local().year:
        errors.setdefault("year", []).append(f"报告年度应在 {first} 到 {today_local().year} 之间")
    out["year"] = year
    for name, label in (("income_fen", "本年收入"), ("expenditure_fen", "本年支出"),
                        ("net_assets_fen", "年末净资产")):
        out[name] = _collect(errors, check_amount, data.get(name, 0), name, label,
                             allow_zero=True)
    out["staff_count"] = _collect(errors, _check_int, data.get("staff_count", 0),
                                  "staff_count", "专职工作人员数", 1_000_000)
    out["activities"] = _collect(errors, check_text, data.get("activities"), "activities",
                                 "年度工作情况", max_length=5000)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    return out


def file_annual_report(user: Any, org: Organization, data: dict) -> AnnualReport:
    """The representative (or an official on its behalf) files one year's report (年报)."""
    if user.role not in (ORG_ADMIN, *OFFICIAL_ROLES):
        raise NotAllowed("只有社会组织代表和民政干部可以报送年报")
    _require_visible(user, org)
    _require_registered(org, "报送年报")
    values = clean_report(data, org)
    taken = db.session.scalar(select(AnnualReport.id).where(
        AnnualReport.organization_id == org.id, AnnualReport.year == values["year"]))
    if taken:
        raise Conflict(f"{values['year']} 年度报告已报送，不能重复报送", "year")
    report = AnnualReport(organization_id=org.id, region_code=org.region_code,
                          submitted_by_id=user.id, **values)
    db.session.add(report)
    db.session.flush()
    return report


def review_annual_report(user: Any, report: AnnualReport, result: str,
                         comment: str = "") -> AnnualReport:
    """An official records the year's result: 合格 / 基本合格 / 不合格 (the last with reasons)."""
    _require_official(user, report.organization, "审查年报")
    result = _check_choice(result, "result", "年检结论", REPORT_RESULTS)
    comment = _check_comment(comment, result == "fail", "结论为不合格")
    report.result = result
    report.result_comment = comment
    report.reviewed_by_id = user.id
    report.reviewed_at = utcnow()
    db.session.flush()
    return report


def add_years(day: date, years: int) -> date:
    """The same day years later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def rate(user: Any, org: Organization, grade: str, rated_on: date | None,
         comment: str = "") -> OrgRating:
    """Record an evaluation grade (等级评估 5A–1A), valid five years from the rating date."""
    _require_official(user, org, "记录评估等级")
    _require_registered(org, "参加等级评估")
    errors: dict[str, list[str]] = {}
    grade = _collect(errors, _check_choice, grade, "grade", "评估等级", GRADES)
    rated_on = _collect(errors, _check_date, rated_on, "rated_on", "评估日期", required=True)
    comment = _collect(errors, check_text, comment, "comment", "说明", required=False,
                       max_length=2000)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    rating = OrgRating(organization_id=org.id, region_code=org.region_code, grade=grade,
                       rated_on=rated_on, valid_until=add_years(rated_on, GRADE_VALID_YEARS),
                       comment=comment or "", rated_by_id=user.id)
    db.session.add(rating)
    org.grade, org.grade_valid_until = grade, rating.valid_until
    db.session.flush()
    return rating


def list_abnormal(user: Any, org: Organization, reason: str, note: str = "",
                  listed_on: date | None = None) -> AbnormalListing:
    """Put an organization on the 活动异常名录."""
    _require_official(user, org, "列入活动异常名录")
    _require_registered(org, "列入活动异常名录")
    if org.abnormal_listed:
        raise Conflict("该组织已在活动异常名录中")
    errors: dict[str, list[str]] = {}
    reason = _collect(errors, _check_choice, reason, "reason", "列入原因", ABNORMAL_REASONS)
    note = _collect(errors, check_text, note, "note", "情况说明", required=reason == "other",
                    max_length=2000)
    listed_on = _collect(errors, _check_date, listed_on or today_local(), "listed_on",
                         "列入日期")
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    entry = AbnormalListing(organization_id=org.id, region_code=org.region_code, reason=reason,
                            note=note or "", listed_on=listed_on, listed_by_id=user.id)
    db.session.add(entry)
    org.abnormal_listed = True
    db.session.flush()
    return entry


def current_listing(org: Organization) -> AbnormalListing | None:
    return db.session.scalars(select(AbnormalListing).where(
        AbnormalListing.organization_id == org.id, AbnormalListing.removed_on.is_(None))
        .order_by(AbnormalListing.id.desc())).first()


def remove_abnormal(user: Any, org: Organization, note: str,
                    removed_on: date | None = None) -> AbnormalListing:
    """Take an organization off the list once the cause is fixed (with what was fixed)."""
    _require_official(user, org, "移出活动异常名录")
    entry = current_listing(org)
    if entry is None or not org.abnormal_listed:
        raise Conflict("该组织不在活动异常名录中")
    errors: dict[str, list[str]] = {}
    note = _collect(errors, check_text, note, "removal_note", "移出理由", max_length=2000)
    removed_on = _collect(errors, _check_date, removed_on or today_local(), "removed_on",
                          "移出日期")
    if removed_on and removed_on < entry.listed_on:
        errors.setdefault("removed_on", []).append("移出日期不能早于列入日期")
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    entry.removed_on, entry.removal_note, entry.removed_by_id = removed_on, note, user.id
    org.abnormal_listed = False
    db.session.flush()
    return entry


def update_party(user: Any, org: Organization, data: dict) -> Organization:
    """Party building of one organization: status, members, instructor."""
    if user.role not in (ORG_ADMIN, *OFFICIAL_ROLES):
        raise NotAllowed("没有权限修改党建信息")
    _require_visible(user, org)
    if org.status in ("rejected", "deregistered"):
        raise Conflict(f"组织当前状态为“{org.status_label}”，不能修改党建信息")
    for key, value in clean_party(data).items():
        setattr(org, key, value)
    db.session.flush()
    return org


# ---------------------------------------------------------------- hubs (city designates)

def _require_city(user: Any) -> None:
    if user.role != CITY_OFFICIAL:
        raise NotAllowed("枢纽型社会组织由市民政局认定")


def set_hub(user: Any, org: Organization, is_hub: bool) -> Organization:
    """Designate (or stop designating) a registered organization as a hub."""
    _require_city(user)
    _require_visible(user, org)
    if is_hub:
        _require_registered(org, "认定为枢纽型社会组织")
        if org.hub_id:
            raise Conflict("该组织是其他枢纽组织的成员，请先移出后再认定为枢纽")
    else:
        for member in db.session.scalars(select(Organization)
                                         .where(Organization.hub_id == org.id)):
            member.hub_id = None
    org.is_hub = bool(is_hub)
    db.session.flush()
    return org


def add_hub_member(user: Any, hub: Organization, member: Organization) -> Organization:
    """A registered organization joins the hub that leads it (one hub per organization)."""
    _require_city(user)
    if not hub.is_hub:
        raise Conflict(f"“{hub.name}”不是枢纽型社会组织")
    if member.id == hub.id or member.is_hub:
        raise Conflict("枢纽组织不能成为枢纽组织的成员", "member_id")
    _require_registered(member, "加入枢纽组织")
    if member.hub_id == hub.id:
        raise Conflict(f"“{member.name}”已是该枢纽的成员", "member_id")
    if member.hub_id:
        raise Conflict(f"“{member.name}”已属于枢纽“{member.hub.name}”，请先移出", "member_id")
    member.hub_id = hub.id
    db.session.flush()
    return member


def remove_hub_member(user: Any, hub: Organization, member: Organization) -> Organization:
    _require_city(user)
    if member.hub_id != hub.id:
        raise Conflict(f"“{member.name}”不是该枢纽的成员")
    member.hub_id = None
    db.session.flush()
    return member


def hub_members_stmt(user: Any, hub: Organization) -> Select:
    return visible_select(user, Organization).where(
        Organization.hub_id == hub.id).order_by(Organization.id.desc())


def hubs_overview(user: Any) -> list[tuple[Organization, int]]:
    """The hubs user may see, each with its number of member organizations."""
    members = (select(func.count(Organization.id)).where(Organization.hub_id == _hub.id)
               .correlate(_hub).scalar_subquery())
    stmt = (select(_hub, members).where(scope_condition(user, _hub), _hub.is_hub.is_(True))
            .order_by(_hub.id))
    return [(hub, count) for hub, count in db.session.execute(stmt)]


def party_coverage(user: Any) -> list[dict]:
    """Party-building coverage of registered organizations by county (市本级 for the city's)."""
    county = func.coalesce(Region.county_code, Region.code)
    covered = case((Organization.party_org_status.in_(("single", "joint")), 1), else_=0)
    stmt = (
        select(county.label("county"),
               func.count(Organization.id),
               func.sum(case((Organization.party_org_status == "single", 1), else_=0)),
               func.sum(case((Organization.party_org_status == "joint", 1), else_=0)),
               func.sum(covered),
               func.sum(Organization.party_member_count),
               func.sum(case((Organization.party_instructor != "", 1), else_=0)))
        .join(Region, Region.code == Organization.region_code)
        .where(Organization.status == "approved", scope_condition(user, Organization))
        .group_by(county).order_by(county)
    )
    names = dict(db.session.execute(select(Region.code, Region.name)
                                    .where(Region.level.in_(("city", "county")))).all())
    rows = []
    for code, total, single, joint, cov, members, instructors in db.session.execute(stmt):
        label = "市本级" if code == CITY_CODE else names.get(code, code)
        rows.append({"county_code": code, "county": label, "total": total,
                     "single": single or 0, "joint": joint or 0, "none": total - (cov or 0),
                     "covered": cov or 0, "members": members or 0,
                     "instructors": instructors or 0,
                     "coverage_pct": round(100 * (cov or 0) / total, 1) if total else 0.0})
    return rows
