"""Purchased-service projects: recording one (an item of the edition in force, the purchaser,
an eligible provider, the procurement method, contract, amount in fen, term), milestones,
the workflow 立项 → 采购 → 签约 → 履约 → 验收 → 绩效评价 → 结项, the 绩效评价 itself and the
scoped lists. Payments are in payments.py, spending in spending.py."""

from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from registry.clock import today_local
from registry.errors import Conflict, FieldErrors, NotAllowed, NotFound, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, Region
from registry.organizations.models import Organization
from registry.organizations.records import add_years
from registry.purchasing import directory, eligibility, evaluations, spending_summary
from registry.purchasing.models import (
    PROCUREMENT_METHODS,
    PROJECT_STATUSES,
    DirectoryItem,
    ProjectEvaluation,
    ProjectMilestone,
    PurchasedServiceProject,
)
from registry.scoping import get_visible, visible_select
from registry.validators import check_amount, check_text, parse_date, parse_yuan
from registry.workflow import Machine, Move

RECORDERS = (CITY_OFFICIAL, COUNTY_OFFICIAL)
MAX_FEN = 10**12  # ¥10 billion: far above any service contract, inside BIGINT
MAX_MILESTONES = 50
# Who moves each step: the officials of the region that recorded the project (the city reads
# the counties' projects but moves only its own; checked in move()).
PROJECT_MACHINE = Machine("purchased_service_project", PROJECT_STATUSES, (
    Move("procure", _l("开始采购"), ("initiated",), "procurement", RECORDERS),
    Move("sign", _l("签订合同"), ("procurement",), "signed", RECORDERS),
    Move("perform", _l("开始履约"), ("signed",), "performing", RECORDERS),
    Move("accept", _l("验收"), ("performing",), "accepted", RECORDERS),
    Move("evaluate", _l("开始绩效评价"), ("accepted",), "evaluating", RECORDERS),
    Move("close", _l("结项"), ("evaluating",), "closed", RECORDERS),
))
PAYABLE = ("signed", "performing", "accepted", "evaluating")
FIELD_LABELS = {
    "title": _l("项目名称"), "year": _l("年度"), "item_code": _l("目录条目"),
    "purchaser": _l("购买主体（部门）"), "provider_id": _l("承接主体"),
    "procurement_method": _l("采购方式"), "contract_no": _l("合同编号"),
    "amount_fen": _l("合同金额"), "starts_on": _l("开始日期"), "ends_on": _l("结束日期"),
    "term_reason": _l("多年期理由"), "deliverables": _l("服务内容与交付成果"),
}

PSP = PurchasedServiceProject  # short: the queries below name it often


# --- who sees, who records -------------------------------------------------------------------

def get_project(user: Any, project_id: Any) -> PurchasedServiceProject:
    """A project user may see (its region in user's jurisdiction, or the provider's own
    representative); else NotFound, as if it did not exist."""
    row = get_visible(user, PurchasedServiceProject, project_id)
    if row is None:
        raise NotFound(_("项目不存在"))
    return row


def may_record(user: Any, project: PurchasedServiceProject | None = None) -> bool:
    """County officials record their county's projects, the city its own."""
    if getattr(user, "role", None) not in RECORDERS:
        return False
    return project is None or project.region_code == user.region_code


def require_recorder(user: Any, project: PurchasedServiceProject | None = None) -> None:
    if getattr(user, "role", None) not in RECORDERS:
        raise NotAllowed(_("只有市、县级民政干部可以登记和办理购买服务项目"))
    if project is not None and project.region_code != user.region_code:
        raise NotAllowed(_("该项目由其他地区登记，只有登记地区的工作人员可以办理"))


# --- recording a project ---------------------------------------------------------------------

def _date(data: dict, name: str, errors: FieldErrors) -> date | None:
    value = data.get(name)
    if isinstance(value, date):
        return value
    day = errors.check(parse_date, value if isinstance(value, str) else None, name,
                       FIELD_LABELS[name])
    if day is None and name not in errors.fields:
        errors.add(name, _("请填写%(label)s", label=FIELD_LABELS[name]))
    return day


def amount_of(data: dict, errors: FieldErrors, name: str = "amount") -> int | None:
    """An amount as typed: `<name>_yuan` (pages, yuan with two decimals) or `<name>_fen`
    (API, whole fen); the error goes to the field it came from."""
    if f"{name}_yuan" in data:
        fen = errors.check(parse_yuan, data.get(f"{name}_yuan"), f"{name}_yuan",
                           _("金额（元）"), allow_zero=False)
        field = f"{name}_yuan"
    else:
        field = f"{name}_fen"
        fen = errors.check(check_amount, data.get(field), field, _("金额（分）"), high=MAX_FEN)
    if fen is not None and fen > MAX_FEN:
        errors.add(field, _("金额过大"))
        return None
    return fen


def check_term(starts: date | None, ends: date | None, reason: str,
               errors: FieldErrors) -> None:
    """One year at most; up to PROJECT_MAX_YEARS with a written reason."""
    if starts is None or ends is None:
        return
    if ends < starts:
        errors.add("ends_on", _("结束日期不能早于开始日期"))
        return
    most = int(current_app.config["PROJECT_MAX_YEARS"])
    if ends >= add_years(starts, most):
        errors.add("ends_on", _("合同期限最长 %(years)s 年", years=most))
    elif ends >= add_years(starts, 1) and not reason:
        errors.add("term_reason", _("合同期限超过一年，须填写多年期理由（服务稳定、"
                                    "持续且有预算保障）"))


def leaf_item(year: int, data: dict, errors: FieldErrors) -> DirectoryItem | None:
    """The project's item: by code (or id) in the edition in force in its year, deepest level
    (no sub-items)."""
    edition = directory.current_edition(year)
    if edition is None:
        errors.add("item_code", _("%(year)s 年度没有已发布的政府购买服务指导性目录", year=year))
        return None
    code = str(data.get("item_code") or "").strip()[:20]
    stmt = select(DirectoryItem).where(DirectoryItem.edition_id == edition.id)
    if code:
        stmt = stmt.where(DirectoryItem.code == code)
    elif str(data.get("item_id") or "").isdigit() and len(str(data["item_id"])) < 10:
        stmt = stmt.where(DirectoryItem.id == int(data["item_id"]))
    else:
        errors.add("item_code", _("请选择目录条目"))
        return None
    item = db.session.scalar(stmt)
    if item is None:
        errors.add("item_code", _("%(year)s 年度现行目录（%(edition)s 年版）中没有该条目",
                                  year=year, edition=edition.year))
        return None
    if db.session.scalar(select(DirectoryItem.id).where(
            DirectoryItem.parent_id == item.id).limit(1)) is not None:
        errors.add("item_code", _("“%(name)s”是目录分类，请选择其下最末一级的具体服务条目",
                                  name=item.name))
        return None
    return item


def category_of(item: DirectoryItem) -> DirectoryItem:
    """The item's level-1 ancestor (the directory category of the spending table)."""
    node = item
    while node.parent_id is not None:
        node = db.session.get(DirectoryItem, node.parent_id)
    return node


def provider_of(data: dict, errors: FieldErrors) -> Organization | None:
    raw = str(data.get("provider_id") or "").strip()
    org = (db.session.get(Organization, int(raw))
           if raw.isdigit() and 0 < len(raw) < 10 else None)
    if org is None:
        errors.add("provider_id", _("请选择承接主体（社会组织）"))
        return None
    try:
        eligibility.require_eligible(org, "provider", "provider_id")
    except ValidationFailed as error:
        errors.add("provider_id", error.message)
        return None
    return org


def create_project(user: Any, data: dict) -> PurchasedServiceProject:
    """Record a project at 立项, in user's region; every bad field named at once."""
    require_recorder(user)
    errors = FieldErrors()
    title = errors.check(check_text, data.get("title"), "title", FIELD_LABELS["title"])
    starts = _date(data, "starts_on", errors)
    ends = _date(data, "ends_on", errors)
    raw_year = data.get("year") or (starts.year if starts else None)
    year = errors.check(directory.check_year, raw_year, "year") if raw_year else None
    if year is None and "year" not in errors.fields:
        errors.add("year", _("请填写年度"))
    item = leaf_item(year, data, errors) if year else None
    purchaser = errors.check(check_text, data.get("purchaser"), "purchaser",
                             FIELD_LABELS["purchaser"])
    org = provider_of(data, errors)
    method = data.get("procurement_method")
    if method not in PROCUREMENT_METHODS:
        errors.add("procurement_method", _("请选择采购方式"))
    contract_no = errors.check(check_text, data.get("contract_no"), "contract_no",
                               FIELD_LABELS["contract_no"], required=False, max_length=60)
    amount = amount_of(data, errors)
    reason = errors.check(check_text, data.get("term_reason"), "term_reason",
                          FIELD_LABELS["term_reason"], required=False, max_length=2000)
    deliverables = errors.check(check_text, data.get("deliverables"), "deliverables",
                                FIELD_LABELS["deliverables"], required=False, max_length=4000)
    check_term(starts, ends, reason or "", errors)
    errors.raise_if_any()
    region = db.session.get(Region, user.region_code)
    category = category_of(item)
    project = PurchasedServiceProject(
        title=title, year=year, region_code=user.region_code,
        county_code=region.county_code or region.code, edition_id=item.edition_id,
        item_id=item.id, item_code=item.code, item_name=item.name,
        category_code=category.code, category_name=category.name, purchaser=purchaser,
        provider_id=org.id, procurement_method=method, contract_no=contract_no or "",
        amount_fen=amount, paid_fen=0, starts_on=starts, ends_on=ends,
        term_reason=reason or "", deliverables=deliverables or "", status="initiated",
        created_by_id=user.id)
    db.session.add(project)
    db.session.flush()
    spending_summary.bump(project, projects=1, amount_fen=amount)
    for milestone in (data.get("milestones") or [])[:MAX_MILESTONES]:
        add_milestone(user, project, milestone)
    return project


def update_contract(user: Any, project: PurchasedServiceProject, data: dict) -> None:
    """Before signing: the contract number and amount may still be filled in or corrected."""
    require_recorder(user, project)
    if project.status not in ("initiated", "procurement"):
        raise Conflict(_("合同签订后不能修改合同编号和金额"))
    errors = FieldErrors()
    contract_no = errors.check(check_text, data.get("contract_no"), "contract_no",
                               FIELD_LABELS["contract_no"], max_length=60)
    amount = amount_of(data, errors)
    errors.raise_if_any()
    spending_summary.bump(project, amount_fen=amount - project.amount_fen)
    project.contract_no, project.amount_fen = contract_no, amount
    db.session.flush()


def move(user: Any, project: PurchasedServiceProject, name: str, comment: str = "") -> None:
    """A workflow move by an official of the recording region, with each step's own rule."""
    require_recorder(user, project)
    if name == "sign" and not project.contract_no:
        raise ValidationFailed(_("签约前请先填写合同编号"), "contract_no")
    if name == "perform":
        eligibility.require_eligible(project.provider, "provider", "provider_id")
    if name == "close" and project.evaluation_grade is None:
        raise Conflict(_("结项前须完成绩效评价"))
    PROJECT_MACHINE.move(project, name, user, comment)


def allowed_moves(user: Any, project: PurchasedServiceProject) -> list[Move]:
    return PROJECT_MACHINE.allowed(project, user) if may_record(user, project) else []


# --- milestones ------------------------------------------------------------------------------

def add_milestone(user: Any, project: PurchasedServiceProject, data: dict) -> ProjectMilestone:
    require_recorder(user, project)
    if project.status == "closed":
        raise Conflict(_("项目已结项"))
    errors = FieldErrors()
    name = errors.check(check_text, (data or {}).get("name"), "milestone_name",
                        _("里程碑名称"))
    due = errors.check(parse_date, str((data or {}).get("due_on") or ""), "due_on",
                       _("计划完成日期"))
    if due is None and "due_on" not in errors.fields:
        errors.add("due_on", _("请填写计划完成日期"))
    errors.raise_if_any()
    row = ProjectMilestone(project_id=project.id, region_code=project.region_code, name=name,
                           due_on=due)
    db.session.add(row)
    db.session.flush()
    return row


def complete_milestone(user: Any, project: PurchasedServiceProject, milestone_id: Any,
                       done_on: Any = None) -> ProjectMilestone:
    require_recorder(user, project)
    if project.status == "closed":  # a closed project's record is final, milestones included
        raise Conflict(_("项目已结项"))
    row = db.session.scalar(select(ProjectMilestone).where(
        ProjectMilestone.project_id == project.id,
        ProjectMilestone.id == (int(milestone_id) if str(milestone_id).isdigit()
                                and len(str(milestone_id)) < 10 else -1)))
    if row is None:
        raise NotFound(_("里程碑不存在"))
    if row.done_on is not None:
        raise Conflict(_("该里程碑已完成"))
    day = parse_date(str(done_on or ""), "done_on", _("完成日期")) or today_local()
    if day > today_local():
        raise ValidationFailed(_("完成日期不能晚于今天"), "done_on")
    row.done_on = day
    db.session.flush()
    return row


def milestones_of(project: PurchasedServiceProject) -> list[ProjectMilestone]:
    return list(db.session.scalars(select(ProjectMilestone).where(
        ProjectMilestone.project_id == project.id).order_by(ProjectMilestone.due_on,
                                                            ProjectMilestone.id)))


# --- 绩效评价 ---------------------------------------------------------------------------------

def evaluate(user: Any, project: PurchasedServiceProject, data: dict) -> ProjectEvaluation:
    """Score the configured indicators while the project is at 绩效评价; the total and grade
    (evaluations.grade_for) become the project's. A later evaluation supersedes, never edits."""
    require_recorder(user, project)
    if project.status != "evaluating":
        raise Conflict(_("当前状态为“%(status)s”，验收后进入绩效评价阶段才能评价",
                         status=project.status_label))
    rows = evaluations.indicators()
    errors = FieldErrors()
    scores = errors.check(evaluations.check_scores, data.get("scores"), rows)
    kind = data.get("kind") or "department"
    if kind not in evaluations.EVALUATION_KINDS:
        errors.add("kind", _("请选择评价方式"))
    comment = errors.check(check_text, data.get("comment"), "comment", _("评价意见"),
                           required=False, max_length=2000)
    day = errors.check(parse_date, str(data.get("evaluated_on") or ""), "evaluated_on",
                       _("评价日期")) or today_local()
    if day > today_local():
        errors.add("evaluated_on", _("评价日期不能晚于今天"))
    errors.raise_if_any()
    total = evaluations.total_tenths(scores, rows)
    grade = evaluations.grade_for(total)
    row = ProjectEvaluation(project_id=project.id, region_code=project.region_code, kind=kind,
                            scores=evaluations.score_rows(scores, rows), total_tenths=total,
                            grade=grade, comment=comment or "", evaluated_on=day,
                            evaluated_by_id=user.id)
    db.session.add(row)
    project.evaluation_tenths, project.evaluation_grade = total, grade
    db.session.flush()
    return row


def evaluations_of(project: PurchasedServiceProject) -> list[ProjectEvaluation]:
    return list(db.session.scalars(select(ProjectEvaluation).where(
        ProjectEvaluation.project_id == project.id).order_by(ProjectEvaluation.id.desc())))


# --- lists -----------------------------------------------------------------------------------

def project_filters(stmt, filters: dict):
    """Narrow by status, year, county, category, provider, item (indexed columns)."""
    if filters.get("status") in PROJECT_STATUSES:
        stmt = stmt.where(PSP.status == filters["status"])
    for name, column in (("year", PSP.year), ("provider_id", PSP.provider_id)):
        value = filters.get(name)
        if isinstance(value, int) and 0 < value < 2**31:
            stmt = stmt.where(column == value)
    for name, column in (("county_code", PSP.county_code), ("category_code", PSP.category_code),
                         ("item_code", PSP.item_code)):
        if filters.get(name):
            stmt = stmt.where(column == str(filters[name])[:20])
    return stmt


def projects_stmt(user: Any, filters: dict):
    """The projects user sees, filtered, newest first (paginate with pagination.py)."""
    stmt = project_filters(visible_select(user, PurchasedServiceProject), filters)
    return stmt.order_by(PurchasedServiceProject.id.desc())


def leaf_items(year: int | None = None) -> list[DirectoryItem]:
    """The deepest-level items of the edition in force (for the form's choice)."""
    edition = directory.current_edition(year)
    if edition is None:
        return []
    child = db.aliased(DirectoryItem)
    return list(db.session.scalars(
        select(DirectoryItem).where(DirectoryItem.edition_id == edition.id,
                                    ~select(child.id).where(child.parent_id == DirectoryItem.id)
                                    .exists())
        .order_by(DirectoryItem.code)))


def eligible_providers(limit: int = 500) -> list[Organization]:
    """Approved organizations off the abnormal list (the form's suggestions), newest first."""
    return list(db.session.scalars(select(Organization).where(
        Organization.status == "approved", Organization.abnormal_listed.is_(False))
        .order_by(Organization.id.desc()).limit(limit)))


def days_left(project: PurchasedServiceProject) -> int:
    return (project.ends_on - today_local()) // timedelta(days=1)
