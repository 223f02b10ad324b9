"""Incubation (孵化培育): incubators, yearly intakes, applications, review, milestones, outcomes.

State machine (DOMAIN.md §7.2): applied → under_review → admitted → mid_review → graduated |
exited; under_review → rejected. An admitted organization may also exit before its mid-term
review. Officials of the incubator's region decide; every move is audited with its comment.
"""

import calendar
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select

from registry.clock import today_local
from registry.errors import Conflict, NotAllowed, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, ORG_ADMIN
from registry.organizations.models import Organization
from registry.scoping import get_visible, region_visible, visible_select
from registry.support.models import (
    INCUBATION_STATUSES,
    Incubation,
    IncubationIntake,
    IncubationMilestone,
    Incubator,
)
from registry.validators import check_text
from registry.workflow import Machine, Move

OFFICIALS = (CITY_OFFICIAL, COUNTY_OFFICIAL)
# Organizations that can no longer take part in anything.
CLOSED_ORG_STATUSES = ("rejected", "deregistered")
ADMITTED_STATES = ("admitted", "mid_review", "graduated", "exited")
ACTIVE_STATES = ("applied", "under_review", "admitted", "mid_review")

MACHINE = Machine(
    "incubation",
    INCUBATION_STATUSES,
    (
        Move("review", _l("受理并进入评审"), ("applied",), "under_review", OFFICIALS),
        Move("admit", _l("同意入驻"), ("under_review",), "admitted", OFFICIALS),
        Move("reject", _l("不予入驻"), ("under_review",), "rejected", OFFICIALS,
             comment_required=True),
        Move("mid_review", _l("中期评估"), ("admitted",), "mid_review", OFFICIALS,
             comment_required=True),
        Move("graduate", _l("出壳（结业）"), ("mid_review",), "graduated", OFFICIALS),
        Move("exit", _l("退出孵化"), ("admitted", "mid_review"), "exited", OFFICIALS,
             comment_required=True),
    ),
)


def require_official(user: Any) -> None:
    """Only city and county officials manage incubation, training and grants."""
    if user is None or user.role not in OFFICIALS:
        raise NotAllowed(_("只有市、县级民政部门工作人员可以进行此操作"))


def is_operator(user: Any, incubation: Incubation) -> bool:
    """Whether user represents the organization running the incubator (the hub admin), and the
    application is not its own organization's."""
    org_id = getattr(user, "organization_id", None)
    return (user is not None and user.role == ORG_ADMIN and bool(org_id)
            and incubation.incubator.operator_id == org_id
            and incubation.organization_id != org_id)


def can_support(user: Any, incubation: Incubation) -> bool:
    """Officials, and the incubator's operator, score applications and keep milestones."""
    return user.role in OFFICIALS or is_operator(user, incubation)


def require_supporter(user: Any, incubation: Incubation) -> None:
    if not can_support(user, incubation):
        raise NotAllowed(_("只有民政部门工作人员或孵化基地运营机构可以进行此操作"))


def add_months(day: date, months: int) -> date:
    """The same day months later (the month's last day when it has fewer days)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_dates(start: date | None, end: date | None, start_field: str, end_field: str,
                start_label: str, end_label: str, *, strict: bool = False) -> None:
    """Both dates given, plausible, and the end not before (or, strict, after) the start."""
    for value, field, label in ((start, start_field, start_label), (end, end_field, end_label)):
        if not isinstance(value, date):
            raise ValidationFailed(_("请填写%(label)s", label=label), field)
        if not 2000 <= value.year <= 2100:
            raise ValidationFailed(_("%(label)s应在 2000 年到 2100 年之间", label=label), field)
    if end < start or (strict and end == start):
        word = _("晚于") if strict else _("不早于")
        raise ValidationFailed(_("%(end_label)s必须%(word)s%(start_label)s",
                                 end_label=end_label,
                                 word=word,
                                 start_label=start_label), end_field)


def check_int(value: Any, field: str, label: str, low: int, high: int) -> int:
    """A whole number within [low, high]; fractions, text and booleans are refused."""
    if isinstance(value, bool) or value is None or value == "":
        raise ValidationFailed(_("请填写%(label)s", label=label), field)
    if isinstance(value, float) and not value.is_integer():
        raise ValidationFailed(_("%(label)s必须是整数", label=label), field)
    try:
        number = int(value) if isinstance(value, int | float) else int(str(value).strip())
    except ValueError:
        raise ValidationFailed(_("%(label)s必须是整数", label=label), field) from None
    if not low <= number <= high:
        raise ValidationFailed(_("%(label)s应在 %(low)s 到 %(high)s 之间",
                                 label=label,
                                 low=low,
                                 high=high), field)
    return number


def visible_org(user: Any, organization_id: Any, field: str = "organization") -> Organization:
    """An organization the user may see and that is still open, or a field error."""
    org = get_visible(user, Organization, organization_id) if organization_id else None
    if org is None:
        raise ValidationFailed(_("找不到该社会组织，或不在您的管辖范围内"), field)
    if org.status in CLOSED_ORG_STATUSES:
        raise ValidationFailed(_("“%(name)s”已不予登记或已注销，不能办理",
                                 name=org.name), field)
    return org


def _check_region(user: Any, code: str | None) -> str:
    if not code or not region_visible(user, code):
        raise ValidationFailed(_("所属区划不在您的管辖范围内"), "region_code")
    return code


def save_incubator(user: Any, data: dict, incubator: Incubator | None = None) -> Incubator:
    """Create an incubator, or edit one (its region is fixed once created)."""
    require_official(user)
    name = check_text(data.get("name"), "name", _("孵化基地名称"), max_length=100)
    address = check_text(data.get("address"), "address", _("地址"), required=False, max_length=200)
    description = check_text(data.get("description"), "description", _("简介"), required=False,
                             max_length=2000)
    operator_id = data.get("operator_id") or None
    if operator_id is not None:
        operator_id = visible_org(user, operator_id, "operator_id").id
    if incubator is None:
        incubator = Incubator(region_code=_check_region(user, data.get("region_code")))
        db.session.add(incubator)
    incubator.name, incubator.address, incubator.description = name, address, description
    incubator.operator_id = operator_id
    db.session.flush()
    return incubator


def save_intake(user: Any, incubator: Incubator, data: dict,
                intake: IncubationIntake | None = None) -> IncubationIntake:
    """Open a yearly intake of an incubator (or correct one): title, dates and capacity."""
    require_official(user)
    year = check_int(data.get("year"), "year", _("年度"), 2000, 2100)
    title = check_text(data.get("title"), "title", _("批次名称"), max_length=100)
    opens_on, closes_on = data.get("opens_on"), data.get("closes_on")
    check_dates(opens_on, closes_on, "opens_on", "closes_on", _("报名开始日期"), _("报名截止日期"))
    capacity = check_int(data.get("capacity"), "capacity", _("计划入驻数量"), 1, 1000)
    if intake is not None:
        admitted = _admitted_count(intake.id)
        if capacity < admitted:
            raise ValidationFailed(_("本批次已入驻 %(admitted)s 家，计划数量不能少于此数",
                                     admitted=admitted),
                                   "capacity")
    clash = select(IncubationIntake.id).where(
        IncubationIntake.incubator_id == incubator.id, IncubationIntake.year == year,
        IncubationIntake.title == title)
    if intake is not None:
        clash = clash.where(IncubationIntake.id != intake.id)
    if db.session.scalar(clash) is not None:
        raise Conflict(_("%(year)s 年已有名为“%(title)s”的批次", year=year, title=title), "title")
    if intake is None:
        intake = IncubationIntake(incubator_id=incubator.id, region_code=incubator.region_code)
        db.session.add(intake)
    intake.year, intake.title, intake.capacity = year, title, capacity
    intake.opens_on, intake.closes_on = opens_on, closes_on
    db.session.flush()
    return intake


def intake_is_open(intake: IncubationIntake, today: date | None = None) -> bool:
    today = today or today_local()
    return intake.opens_on <= today <= intake.closes_on


def apply(user: Any, intake: IncubationIntake, organization_id: Any, plan: str) -> Incubation:
    """An organization applies to an intake: its representative while the intake is open,
    or an official on its behalf (a paper application) at any time."""
    if user.role == ORG_ADMIN:
        if not user.organization_id:
            raise NotAllowed(_("您的账号尚未关联社会组织，不能申请入驻"))
        organization_id = user.organization_id
        if not intake_is_open(intake):
            raise Conflict(_("该批次的报名时间为 %(opens_on)s 至 %(closes_on)s，"
                             "现在不能申请",
                             opens_on=intake.opens_on,
                             closes_on=intake.closes_on))
    else:
        require_official(user)
    org = visible_org(user, organization_id)
    plan = check_text(plan, "plan", _("入驻计划（项目简介）"), max_length=2000)
    same = db.session.scalar(select(Incubation).where(
        Incubation.intake_id == intake.id, Incubation.organization_id == org.id))
    if same is not None:
        raise Conflict(_("“%(name)s”已申请过本批次（申请编号 %(id)s）",
                         name=org.name,
                         id=same.id), "organization")
    running = db.session.scalar(select(Incubation).where(
        Incubation.organization_id == org.id, Incubation.status.in_(ACTIVE_STATES)))
    if running is not None:
        raise Conflict(_("“%(name)s”已有进行中的孵化申请（编号 %(id)s，%(value5)s"
                         "）",
                         name=org.name,
                         id=running.id,
                         value5=MACHINE.label(running.status)), "organization")
    incubation = Incubation(intake_id=intake.id, incubator_id=intake.incubator_id,
                            organization_id=org.id, region_code=intake.region_code, plan=plan)
    db.session.add(incubation)
    db.session.flush()
    return incubation


def _admitted_count(intake_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Incubation).where(
        Incubation.intake_id == intake_id, Incubation.status.in_(ADMITTED_STATES))) or 0


def start_review(user: Any, incubation: Incubation, comment: str = "") -> None:
    MACHINE.move(incubation, "review", user, comment)


def record_score(user: Any, incubation: Incubation, score: Any, comment: str) -> None:
    """The review panel's total score (0–100) and comments, while under review (officials or
    the incubator's operator)."""
    require_supporter(user, incubation)
    if incubation.status != "under_review":
        raise Conflict(_("当前状态为“%(value1)s”，只有评审中的申请可以评分",
                         value1=MACHINE.label(incubation.status)))
    incubation.score = check_int(score, "score", _("评审得分"), 0, 100)
    incubation.score_comment = check_text(comment, "score_comment", _("评审意见"), max_length=2000)
    incubation.scored_by = user.display_name[:64]
    db.session.flush()


def admit(user: Any, incubation: Incubation, *, start_on: date | None = None,
          end_on: date | None = None, mentor: str = "", agreement_no: str = "",
          comment: str = "") -> None:
    """Admit a scored application within the intake's capacity, with its incubation period."""
    require_official(user)
    if incubation.status == "under_review" and incubation.score is None:
        raise ValidationFailed(_("请先录入评审得分，再决定是否入驻"), "score")
    start_on = start_on or today_local()
    if end_on is None and isinstance(start_on, date):
        end_on = add_months(start_on, current_app.config.get("INCUBATION_DEFAULT_MONTHS", 12))
    check_dates(start_on, end_on, "start_on", "end_on", _("孵化开始日期"), _("孵化结束日期"),
                strict=True)
    longest = current_app.config.get("INCUBATION_MAX_MONTHS", 36)
    if end_on > add_months(start_on, longest):
        raise ValidationFailed(_("孵化期不能超过 %(longest)s 个月", longest=longest), "end_on")
    mentor = check_text(mentor, "mentor", _("导师"), required=False, max_length=50)
    agreement_no = check_text(agreement_no, "agreement_no", _("入驻协议编号"), required=False,
                              max_length=50)
    intake = db.session.execute(select(IncubationIntake).where(
        IncubationIntake.id == incubation.intake_id).with_for_update()).scalar_one()
    if incubation.status == "under_review" and _admitted_count(intake.id) >= intake.capacity:
        raise Conflict(_("本批次计划入驻 %(capacity)s 家，已满",
                         capacity=intake.capacity))
    MACHINE.move(incubation, "admit", user, comment)
    incubation.start_on, incubation.end_on = start_on, end_on
    incubation.mentor, incubation.agreement_no = mentor, agreement_no
    db.session.flush()


def reject(user: Any, incubation: Incubation, comment: str) -> None:
    MACHINE.move(incubation, "reject", user, comment)


def mid_review(user: Any, incubation: Incubation, score: Any, comment: str) -> None:
    """The mid-term review: a score (0–100) and the reviewers' findings."""
    require_official(user)
    mid_score = check_int(score, "mid_score", _("中期评估得分"), 0, 100)
    comment = check_text(comment, "comment", _("中期评估意见"), max_length=2000)
    MACHINE.move(incubation, "mid_review", user, comment)
    incubation.mid_score, incubation.mid_comment = mid_score, comment
    db.session.flush()


def finish(user: Any, incubation: Incubation, move: str, finished_on: date | None,
           comment: str) -> None:
    """Graduate (出壳) or exit an incubation on a date within its period."""
    if move not in ("graduate", "exit"):
        raise Conflict(_("没有“%(move)s”这个操作", move=move))
    require_official(user)
    finished_on = finished_on or today_local()
    if incubation.start_on is not None:
        check_dates(incubation.start_on, finished_on, "start_on", "finished_on",
                    _("孵化开始日期"), _("结业或退出日期"))
    if finished_on > today_local():
        raise ValidationFailed(_("结业或退出日期不能晚于今天"), "finished_on")
    comment = check_text(comment, "comment", _("意见"), required=move == "exit", max_length=2000)
    MACHINE.move(incubation, move, user, comment)
    incubation.finished_on, incubation.outcome_comment = finished_on, comment
    db.session.flush()


def add_milestone(user: Any, incubation: Incubation, title: str,
                  due_on: date | None) -> IncubationMilestone:
    """A milestone of an organization being incubated, due within or after its start."""
    require_supporter(user, incubation)
    if incubation.status not in ("admitted", "mid_review"):
        raise Conflict(_("只有孵化中的组织可以添加里程碑"))
    title = check_text(title, "title", _("里程碑内容"), max_length=200)
    check_dates(incubation.start_on or due_on, due_on, "start_on", "due_on", _("孵化开始日期"),
                _("计划完成日期"))
    milestone = IncubationMilestone(incubation_id=incubation.id, title=title, due_on=due_on,
                                    region_code=incubation.region_code)
    db.session.add(milestone)
    db.session.flush()
    return milestone


def complete_milestone(user: Any, milestone: IncubationMilestone, done_on: date | None) -> None:
    """Mark a milestone done on a date (not in the future)."""
    require_supporter(user, milestone.incubation)
    if milestone.done_on is not None:
        raise Conflict(_("该里程碑已于 %(done_on)s 完成", done_on=milestone.done_on))
    done_on = done_on or today_local()
    if done_on > today_local():
        raise ValidationFailed(_("完成日期不能晚于今天"), "done_on")
    start = milestone.incubation.start_on
    if start is not None and done_on < start:
        raise ValidationFailed(_("完成日期不能早于孵化开始日期"), "done_on")
    milestone.done_on = done_on
    db.session.flush()


def outcomes(user: Any, incubator_id: int) -> dict[int, dict[str, int]]:
    """Per intake of an incubator, how many applications are in each state (one GROUP BY)."""
    stmt = (visible_select(user, Incubation)
            .with_only_columns(Incubation.intake_id, Incubation.status, func.count())
            .where(Incubation.incubator_id == incubator_id)
            .group_by(Incubation.intake_id, Incubation.status))
    out: dict[int, dict[str, int]] = {}
    for intake_id, status, count in db.session.execute(stmt):
        out.setdefault(intake_id, {})[status] = count
    return out


def find_organization(user: Any, text: str | None, field: str = "organization") -> Organization:
    """An organization named by its USCC, its exact name or “#id”, among those the user sees."""
    raw = check_text(text, field, _("社会组织"), max_length=100)
    stmt = visible_select(user, Organization)
    if raw.startswith("#") and raw[1:].isdigit():
        stmt = stmt.where(Organization.id == int(raw[1:]))
    else:
        stmt = stmt.where(or_(Organization.uscc == raw.upper(), Organization.name == raw))
    rows = list(db.session.scalars(stmt.limit(2)))
    if not rows:
        raise ValidationFailed(_("找不到该社会组织（请填写完整名称或统一社会信用代码），"
                               "或不在您的管辖范围内"), field)
    if len(rows) > 1:
        raise ValidationFailed(_("有多个同名组织，请填写统一社会信用代码"), field)
    if rows[0].status in CLOSED_ORG_STATUSES:
        raise ValidationFailed(_("“%(name)s”已不予登记或已注销，不能办理",
                                 name=rows[0].name), field)
    return rows[0]


def organization_names(user: Any, limit: int = 300) -> list[str]:
    """Names of the newest organizations in the jurisdiction, for the form's suggestion list."""
    stmt = (visible_select(user, Organization).with_only_columns(Organization.name)
            .where(Organization.status.not_in(CLOSED_ORG_STATUSES))
            .order_by(Organization.id.desc()).limit(limit))
    return list(db.session.scalars(stmt))


def overdue(user: Any, today: date | None = None, limit: int = 500) -> dict[str, list]:
    """What needs attention: incubations past their end date still running, and milestones
    past their due date not done (both in the user's jurisdiction, oldest first)."""
    today = today or today_local()
    running = (visible_select(user, Incubation)
               .where(Incubation.status.in_(("admitted", "mid_review")),
                      Incubation.end_on < today)
               .order_by(Incubation.end_on).limit(limit))
    late = (visible_select(user, IncubationMilestone)
            .join(Incubation, Incubation.id == IncubationMilestone.incubation_id)
            .where(IncubationMilestone.done_on.is_(None), IncubationMilestone.due_on < today,
                   Incubation.status.in_(("admitted", "mid_review")))
            .order_by(IncubationMilestone.due_on).limit(limit))
    return {"incubations": list(db.session.scalars(running)),
            "milestones": list(db.session.scalars(late))}
