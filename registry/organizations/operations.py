"""Social organizations' registration: applications, their review (ORG_MACHINE) and the
scoped searches. Rules are written once here and used by pages, API, admin and CLI alike;
functions flush, the caller commits."""

from datetime import date
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import selectinload

from registry import exports, notifications
from registry.clock import today_local, utcnow
from registry.errors import Conflict, NotAllowed, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.masking import mask_office_phone
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, OFFICIAL_ROLES, ORG_ADMIN
from registry.organizations import documents
from registry.organizations.fields import (
    FIELDS,
    check_date,
    check_duplicates,
    check_uscc_for,
    clean_fields,
    collect,
    current_values,
)
from registry.organizations.models import (
    ORG_CATEGORIES,
    ORG_STATUSES,
    ORG_TYPES,
    AbnormalListing,
    AnnualReport,
    Organization,
    OrgDocument,
    OrgRating,
)
from registry.pagination import capped_count
from registry.scoping import (
    can_see,
    region_codes_under,
    visible_select,
)
from registry.validators import (
    check_text,
)
from registry.workflow import Machine, Move, history

ORG_MACHINE = Machine(
    "organization",
    ORG_STATUSES,
    (
        Move("submit", _l("提交申请"), ("draft", "returned"), "submitted",
             (ORG_ADMIN, CITY_OFFICIAL, COUNTY_OFFICIAL)),
        Move("approve", _l("准予登记"), ("submitted",), "approved", OFFICIAL_ROLES),
        Move("return", _l("退回修改"), ("submitted",), "returned", OFFICIAL_ROLES,
             comment_required=True),
        Move("reject", _l("不予登记"), ("submitted",), "rejected", OFFICIAL_ROLES,
             comment_required=True),
        Move("deregister", _l("注销登记"), ("approved",), "deregistered", OFFICIAL_ROLES,
             comment_required=True),
    ),
)
# What the representative's account is told after an official's decision.
NOTE_KINDS = {
    "approve": notifications.kind("org_approved", _l("“%(org)s”的登记申请已准予登记")),
    "return": notifications.kind("org_returned",
                                 _l("“%(org)s”的登记申请被退回修改，请查看意见后重新提交")),
    "reject": notifications.kind("org_rejected",
                                 _l("“%(org)s”的登记申请未予登记，请查看理由")),
}
# Who may change the application's fields, by state.
EDITABLE_BY = {ORG_ADMIN: ("draft", "returned"),
               CITY_OFFICIAL: ("draft", "submitted", "returned"),
               COUNTY_OFFICIAL: ("draft", "submitted", "returned")}
# A name is taken while another application or registration with it is alive.


def require_visible(user: Any, org: Organization) -> None:
    if not can_see(user, org):
        raise NotAllowed(_("该组织不在您的管辖范围内"))


def create_application(user: Any, data: dict, *, submit: bool = False) -> Organization:
    """A new registration/filing application, by its representative or by an official on the
    organization's behalf; the representative's account is bound to it."""
    if user.role not in (ORG_ADMIN, *OFFICIAL_ROLES):
        raise NotAllowed(_("只有社会组织代表和民政干部可以提交登记申请"))
    if user.role == ORG_ADMIN and user.organization_id:
        current = db.session.get(Organization, user.organization_id)
        if current is not None and current.status not in ("rejected", "deregistered"):
            raise Conflict(_("您的账号已绑定“%(name)s”（%(status_label)s），一个"
                             "账号只办理一个组织的申请",
                             name=current.name,
                             status_label=current.status_label))
    values = clean_fields(data, user)
    check_duplicates(user, values)
    org = Organization(**values, status="draft", created_by_id=user.id)
    db.session.add(org)
    db.session.flush()
    if user.role == ORG_ADMIN:  # bound to it; the account keeps its region (never its own)
        user.organization_id = org.id
    if submit:
        submit_application(user, org)
    db.session.flush()
    return org


def can_edit(user: Any, org: Organization) -> bool:
    return org.status in EDITABLE_BY.get(user.role, ())


def update_application(user: Any, org: Organization, data: dict) -> Organization:
    """Change an application's fields (a partial dict is laid over the current values)."""
    require_visible(user, org)
    if not can_edit(user, org):
        if org.status == "approved":
            raise Conflict(_("已登记的组织不能直接修改；变更登记须另行申请"))
        raise Conflict(_("当前状态为“%(status_label)s”，不能修改申请内容",
                         status_label=org.status_label))
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


def _tell(org: Organization, move: str) -> None:
    """The decision, to the organization's representative account(s)."""
    notifications.notify_org(org.id, NOTE_KINDS[move], {"org": org.name},
                             f"/organizations/{org.id}")


def _lock(org: Organization) -> None:
    """Hold the row while a move is decided (two reviewers cannot both move it)."""
    db.session.refresh(org, with_for_update=True)


def _check_move(user: Any, org: Organization, name: str) -> None:
    """Refuse a move before anything changes: wrong state 409, wrong role 403."""
    move = ORG_MACHINE.by_name[name]
    if org.status not in move.sources:
        raise Conflict(_("当前状态为“%(status_label)s”，不能%(label)s",
                         status_label=org.status_label,
                         label=move.label))
    if user.role not in move.roles:
        raise NotAllowed(_("您的角色不能%(label)s", label=move.label))
    require_visible(user, org)


def check_comment(comment: str | None, required: bool, label: str) -> str:
    comment = (comment or "").strip()
    if required and not comment:
        raise ValidationFailed(_("%(label)s须填写意见或理由", label=label), "comment")
    return check_text(comment, "comment", _("意见"), required=False, max_length=2000)


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
    """submitted → approved: needs every document of the type's checklist; records the USCC
    (required for a registration unless already given), the certificate date and authority."""
    _lock(org)
    _check_move(user, org, "approve")
    documents.require_complete(org)
    comment = check_comment(comment, False, _("准予登记"))
    errors: dict[str, list[str]] = {}
    required = org.registration_kind == "registration" and not org.uscc
    code = collect(errors, check_uscc_for, uscc or org.uscc, org.org_type, required=required)
    issued = collect(errors, check_date, certificate_date or today_local(),
                      "certificate_date", _("发证日期"))
    if issued and org.founded_on and issued < org.founded_on:
        errors.setdefault("certificate_date", []).append(_("发证日期不能早于成立日期"))
    authority = collect(errors, check_text, registration_authority or org.registration_authority,
                         "registration_authority", _("登记管理机关"), max_length=100)
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
    _tell(org, "approve")
    return org


def return_application(user: Any, org: Organization, comment: str) -> Organization:
    """submitted → returned, with what to fix."""
    _lock(org)
    _check_move(user, org, "return")
    ORG_MACHINE.move(org, "return", user, comment)
    _tell(org, "return")
    return org


def reject(user: Any, org: Organization, comment: str) -> Organization:
    """submitted → rejected, with the reason."""
    _lock(org)
    _check_move(user, org, "reject")
    ORG_MACHINE.move(org, "reject", user, comment)
    _tell(org, "reject")
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
        raise ValidationFailed(_("搜索词不能超过 50 个字符"), "q")
    if "\ufffd" in q:
        raise ValidationFailed(_("搜索词包含无法识别的字符"), "q")
    out["q"] = q.strip()
    for name, label, choices in (("status", _("状态"), ORG_STATUSES), ("org_type", _("组织类型"),
                                 ORG_TYPES), ("category", _("行业类别"), ORG_CATEGORIES),
                                 ("grade", _("评估等级"), ("5A", "4A", "3A", "2A", "1A"))):
        value = args.get(name) or ""
        if value and value not in choices:
            raise ValidationFailed(_("%(label)s筛选值不正确", label=label), name)
        out[name] = value
    region = (args.get("region_code") or "").strip()
    if region and not (region.isdigit() and len(region) in (6, 9)):
        raise ValidationFailed(_("行政区划代码应为 6 或 9 位数字"), "region_code")
    out["region_code"] = region
    for name in ("hub", "abnormal"):
        value = args.get(name) or ""
        if value not in ("", "1", "0", "true", "false"):
            raise ValidationFailed(_("筛选值应为 1 或 0"), name)
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
    stmt = stmt.options(selectinload(Organization.hub))  # region names: regions.name_of
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


# ---------------------------------------------------------------- the home pages' work


def pending_count(user: Any, cap: int) -> int | None:
    """Applications waiting for a decision in user's jurisdiction (exactly the list's
    ?status=submitted), counted up to cap: None means more."""
    return capped_count(staff_list_stmt(user, check_filters({"status": "submitted"})), cap)


def applicant_state(user: Any) -> tuple[Organization, str] | None:
    """A representative's organization and, once returned or rejected, the official's words
    (the last workflow move's comment, e.g. "退回修改：缺少章程"), for their home page."""
    if user.role != ORG_ADMIN or not user.organization_id:
        return None
    org = db.session.scalar(visible_select(user, Organization).where(
        Organization.id == user.organization_id))
    if org is None:
        return None
    moves = history(org) if org.status in ("returned", "rejected") else []
    return org, (moves[-1].comment if moves else "")


EXPORT_HEADERS = [_l("编号"), _l("名称"), _l("类型"), _l("统一社会信用代码"), _l("法定代表人"),
                  _l("区划代码"), _l("登记管理机关"), _l("状态"), _l("等级"), _l("枢纽"),
                  _l("活动异常"), _l("党组织"), _l("联系电话")]


def export_rows(user: Any, filters: dict):
    """The filtered list's rows for the CSV (streamed in batches); a mobile masked, an
    office landline (public) shown."""
    today = today_local()
    for org in exports.batched(staff_list_stmt(user, filters)):
        yield [org.id, org.name, org.type_label, org.uscc or "", org.legal_representative,
               org.region_code, org.registration_authority, org.status_label,
               org.current_grade(today) or "", _("是") if org.is_hub else "",
               _("是") if org.abnormal_listed else "", org.party_label,
               mask_office_phone(org.contact_phone)]
