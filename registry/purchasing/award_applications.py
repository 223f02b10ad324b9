"""以奖代补 applications: applying within the window (an organization's representative or a
township station's admin, for work already done, with evidence), the county's scores, the
city's approval or return, 公示 and objections, payment; lists by jurisdiction; `awards_of`."""

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, or_, select, update

from registry import audit, notifications
from registry.clock import to_local, today_local, utcnow
from registry.errors import Conflict, FieldErrors, NotAllowed, NotFound, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, ORG_ADMIN, STATION_ADMIN, Region
from registry.organizations.models import Organization
from registry.purchasing import award_evidence, awards, eligibility
from registry.purchasing.models import (
    AWARD_STATUSES,
    AwardApplication,
    AwardObjection,
    AwardRound,
    AwardScore,
)
from registry.scoping import scope_condition
from registry.validators import check_amount, check_text
from registry.volunteers.models import Station
from registry.workflow import Machine, Move

APPLICANTS = (ORG_ADMIN, STATION_ADMIN)
SCORERS = (COUNTY_OFFICIAL, CITY_OFFICIAL)
READERS = (CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN, ORG_ADMIN)
# The organization's awards as its credit profile shows them.
AWARDED = ("approved", "publicized", "paid")
AWARD_MACHINE = Machine("award", AWARD_STATUSES, (
    Move("score", _l("评分"), ("applied", "returned"), "scored", SCORERS),
    Move("approve", _l("批准奖励"), ("scored", "objected"), "approved", (CITY_OFFICIAL,)),
    Move("return", _l("退回重新评分"), ("scored", "objected"), "returned", (CITY_OFFICIAL,),
         comment_required=True),
    Move("reject", _l("不予奖励"), ("applied", "returned", "scored", "objected"), "rejected",
         SCORERS, comment_required=True),
    Move("publicize", _l("开始公示"), ("approved",), "publicized", (CITY_OFFICIAL,)),
    Move("pay", _l("登记拨付"), ("publicized",), "paid", (CITY_OFFICIAL,)),
))

# What the applicant (an organization's representatives, or the station admin who applied) is
# told after the city's or county's decision.
NOTE_KINDS = {
    "approve": notifications.kind("award_approved", _l("以奖代补申请（%(round)s）已批准奖励")),
    "return": notifications.kind("award_returned",
                                 _l("以奖代补申请（%(round)s）已退回重新评分")),
    "reject": notifications.kind("award_rejected",
                                 _l("以奖代补申请（%(round)s）未予奖励，请查看理由")),
}


def _tell(application: AwardApplication, move: str) -> None:
    params, link = {"round": application.round.title}, f"/awards/applications/{application.id}"
    if application.organization_id is not None:
        notifications.notify_org(application.organization_id, NOTE_KINDS[move], params, link)
    else:
        notifications.notify(application.submitted_by, NOTE_KINDS[move], params, link)


# --- who sees what ----------------------------------------------------------------------------

def visible_condition(user: Any):
    """Officials: their jurisdiction's; a representative: its organization's; a station
    admin: the station's own (not the township's organizations')."""
    condition = scope_condition(user, AwardApplication)
    if getattr(user, "role", None) == STATION_ADMIN:
        condition = and_(condition, AwardApplication.applicant_kind == "station")
    return condition


def get_application(user: Any, ident: Any) -> AwardApplication:
    """The application if user may see it; a foreign one is as missing (404)."""
    if isinstance(ident, bool) or not isinstance(ident, int) or not 0 < ident < 2**31:
        raise NotFound(_("申请不存在"))
    row = db.session.scalar(select(AwardApplication).where(
        AwardApplication.id == ident, visible_condition(user)))
    if row is None:
        raise NotFound(_("申请不存在"))
    return row


def list_stmt(user: Any, args: Mapping):
    """Applications user may see, newest first; filters status and round_id."""
    stmt = select(AwardApplication).where(visible_condition(user))
    status = args.get("status") or ""
    if status in AWARD_STATUSES:
        stmt = stmt.where(AwardApplication.status == status)
    round_id = args.get("round_id")
    if isinstance(round_id, int) and not isinstance(round_id, bool):
        stmt = stmt.where(AwardApplication.round_id == round_id)
    return stmt.order_by(AwardApplication.id.desc())


def is_applicant(user: Any, row: AwardApplication) -> bool:
    if user.role == ORG_ADMIN:
        return row.organization_id is not None and row.organization_id == user.organization_id
    if user.role == STATION_ADMIN:
        return row.applicant_kind == "station" and row.region_code == user.region_code
    return False


# --- applying ---------------------------------------------------------------------------------

def applicant_of(user: Any) -> tuple[Organization | None, Station | None]:
    """The organization (of a representative) or the station (of a station admin) applying."""
    if user.role == ORG_ADMIN and user.organization_id:
        org = db.session.get(Organization, user.organization_id)
        if org is not None:
            return org, None
    if user.role == STATION_ADMIN:
        station = db.session.scalar(select(Station).where(
            Station.township_code == user.region_code))
        if station is None:
            raise Conflict(_("本乡镇（街道）尚未设立志愿服务站，不能申请"))
        return None, station
    raise NotAllowed(_("只有社会组织代表或志愿服务站管理员可以申请以奖代补"))


def _check_fields(data: Mapping) -> dict:
    errors = FieldErrors()
    title = errors.check(check_text, data.get("title"), "title", _("申请事项"), max_length=200)
    description = errors.check(check_text, data.get("description"), "description",
                               _("已完成工作的说明"), max_length=5000)
    start = errors.check(awards.check_day, data.get("work_from"), "work_from", _("工作开始日期"))
    end = errors.check(awards.check_day, data.get("work_to"), "work_to", _("工作结束日期"))
    if start and end and end < start:
        errors.add("work_to", _("工作结束日期不能早于开始日期"))
    if end and end > today_local():
        errors.add("work_to", _("以奖代补只奖励已完成的工作：结束日期不能晚于今天"))
    errors.raise_if_any()
    return {"title": title, "description": description, "work_from": start, "work_to": end}


def apply(user: Any, round_id: Any, data: Mapping, files: list | None = None
          ) -> AwardApplication:
    """Apply in a published round's window for work already done. An organization must be
    eligible (eligibility.award_eligibility); one open application per applicant and round. Files
    are (stream, filename) pairs, checked before anything is saved."""
    org, station = applicant_of(user)
    row = awards.get_round(user, round_id) if round_id is not None else None
    if row is None:
        raise ValidationFailed(_("请选择以奖代补批次"), "round_id")
    awards.check_window(row)
    values = _check_fields(data)
    checked = [award_evidence.check_file(stream, name) for stream, name in files or []]
    if org is not None:
        eligibility.require_award_eligible(org)
    owner = (AwardApplication.organization_id == org.id if org is not None
             else AwardApplication.station_id == station.id)
    taken = db.session.scalar(select(AwardApplication.id).where(
        AwardApplication.round_id == row.id, owner, AwardApplication.status != "rejected"))
    if taken:
        raise Conflict(_("本批次已有一份申请（编号 %(id)s），不能重复申请", id=taken), "round_id")
    application = AwardApplication(
        round_id=row.id, applicant_kind="organization" if org is not None else "station",
        organization_id=org.id if org is not None else None,
        station_id=station.id if station is not None else None,
        region_code=org.region_code if org is not None else station.township_code,
        status="applied", submitted_by=user.id, **values)
    db.session.add(application)
    db.session.flush()
    for item in checked:
        award_evidence.save(user, application, item)
    return application


def add_evidence(user: Any, application: AwardApplication, stream, filename: str | None):
    if not is_applicant(user, application):
        raise NotAllowed(_("只有申请人可以补充证明材料"))
    return award_evidence.save(user, application, award_evidence.check_file(stream, filename))


# --- scoring and the city's decision ----------------------------------------------------------

def _county_of(code: str) -> str | None:
    region = db.session.get(Region, code)
    return region.county_code if region is not None else None


def check_scorer(user: Any, application: AwardApplication) -> None:
    """The county official of the applicant's county scores; the city only the applications of
    city-level applicants (no county); never the person who applied."""
    if user.role == CITY_OFFICIAL and _county_of(application.region_code):
        raise NotAllowed(_("由申请人所在县（市、区）民政部门评分"))
    if application.submitted_by == user.id:
        raise Conflict(_("不能为自己提交的申请评分"))


def score(user: Any, application: AwardApplication, scores: Mapping, comment: str = ""
          ) -> AwardApplication:
    """Score each criterion 0..100 (whole points); the weighted total decides the amount."""
    if user.role not in SCORERS:
        raise NotAllowed(_("只有民政干部可以评分"))
    check_scorer(user, application)
    if application.status not in AWARD_MACHINE.by_name["score"].sources:
        AWARD_MACHINE.move(application, "score", user, comment)  # raises the state's message
    if not award_evidence.count_of(application):
        raise Conflict(_("申请还没有证明材料，不能评分"), "evidence")
    criteria = application.round.criteria
    known = {c.id for c in criteria}
    errors = FieldErrors()
    if not isinstance(scores, Mapping) or any(k not in known for k in scores):
        errors.add("scores", _("评分项与本批次的评分标准不符"))
        scores = {}
    clean: dict[int, int] = {}
    for criterion in criteria:
        value = errors.check(awards.whole_number, scores.get(criterion.id), f"score_{criterion.id}",
                             _("“%(name)s”的得分", name=criterion.name), 0, awards.MAX_SCORE)
        if value is not None:
            clean[criterion.id] = value
    errors.raise_if_any()
    AWARD_MACHINE.move(application, "score", user, comment)
    existing = {s.criterion_id: s for s in application.scores}
    for criterion_id, value in clean.items():
        if criterion_id in existing:
            existing[criterion_id].score = value
        else:
            db.session.add(AwardScore(application_id=application.id, criterion_id=criterion_id,
                                      score=value))
    application.total_centi = awards.weighted_total(application.round, clean)
    application.amount_fen = awards.amount_for(application.round, application.total_centi)
    application.scored_by, application.scored_at = user.id, utcnow()
    db.session.flush()
    db.session.expire(application, ["scores"])
    return application


def approve(user: Any, application: AwardApplication, comment: str = "") -> AwardApplication:
    """The city approves a scored application: another person than the scorer and the
    applicant, an eligible organization, a score inside a band (an amount above zero)."""
    if user.id in (application.scored_by, application.submitted_by):
        raise Conflict(_("评分人或申请人不能审批本申请，须由另一名工作人员审批"))
    if application.status in AWARD_MACHINE.by_name["approve"].sources:
        if application.organization is not None:
            eligibility.require_award_eligible(application.organization)
        if not application.amount_fen:
            raise Conflict(_("总分 %(total)s 不在任何奖励档次内，不能批准奖励，请不予奖励",
                             total=application.total_text))
    AWARD_MACHINE.move(application, "approve", user, comment)
    application.approved_by, application.approved_at = user.id, utcnow()
    db.session.flush()
    _tell(application, "approve")
    return application


def return_for_rescoring(user: Any, application: AwardApplication, comment: str
                         ) -> AwardApplication:
    AWARD_MACHINE.move(application, "return", user, comment)
    _tell(application, "return")
    return application


def reject(user: Any, application: AwardApplication, comment: str) -> AwardApplication:
    """Not awarded, with the reason: the county before it has scored, the city after."""
    if user.role == COUNTY_OFFICIAL and application.status not in ("applied", "returned"):
        raise Conflict(_("已评分的申请由市民政局决定"))
    AWARD_MACHINE.move(application, "reject", user, comment)
    _tell(application, "reject")
    return application


def publicize(user: Any, application: AwardApplication, comment: str = "") -> AwardApplication:
    """Start the 公示 of an approved award for AWARD_PUBLICITY_DAYS."""
    AWARD_MACHINE.move(application, "publicize", user, comment)
    now = utcnow()
    application.publicized_at = now
    application.publicized_until = now + timedelta(
        days=current_app.config["AWARD_PUBLICITY_DAYS"])
    db.session.flush()
    return application


def publicity_over(application: AwardApplication) -> bool:
    return (application.status == "publicized" and application.publicized_until is not None
            and application.publicized_until <= utcnow())


def object_to(application_id: Any, reason: Any) -> AwardObjection:
    """Anyone objects during 公示, with a reason: the award goes back to the city for review."""
    reason = check_text(reason if isinstance(reason, str) else "", "reason", _("异议理由"),
                        max_length=1000)
    row = (db.session.get(AwardApplication, application_id)
           if isinstance(application_id, int) and 0 < application_id < 2**31 else None)
    if row is None or row.status not in ("publicized", "objected"):
        raise NotFound(_("该奖励不在公示中"))
    if publicity_over(row):
        raise Conflict(_("公示期已结束，不能再提出异议"))
    objection = AwardObjection(application_id=row.id, region_code=row.region_code, reason=reason)
    db.session.add(objection)
    # Guarded: an objection and a payment recorded at the same moment cannot both win.
    moved = db.session.execute(update(AwardApplication).where(
        AwardApplication.id == row.id, AwardApplication.status == "publicized",
        AwardApplication.publicized_until > utcnow()).values(status="objected")).rowcount
    if moved:
        audit.record("transition", row, changes={"status": ["publicized", "objected"]},
                     comment=str(_("公示期内收到异议，退回复核：%(reason)s", reason=reason)))
    db.session.flush()
    db.session.refresh(row)
    return objection


def objections_of(application: AwardApplication) -> list[AwardObjection]:
    return list(db.session.scalars(select(AwardObjection).where(
        AwardObjection.application_id == application.id).order_by(AwardObjection.id)
        .limit(200)))


def pay(user: Any, application: AwardApplication, data: Mapping) -> AwardApplication:
    """After 公示 ended without objection the city records the payment: the awarded amount in
    fen, the day, the voucher number; by another person than the approver."""
    if user.role != CITY_OFFICIAL:
        raise NotAllowed(_("只有市民政局可以登记拨付"))
    if application.status == "publicized" and not publicity_over(application):
        raise Conflict(_("公示期至 %(until)s，公示期满且无异议后才能拨付",
                         until=format(to_local(application.publicized_until), "%Y-%m-%d %H:%M")))
    if application.approved_by == user.id:
        raise Conflict(_("审批人不能登记拨付，须由另一名工作人员登记"))
    errors = FieldErrors()
    amount = errors.check(check_amount, data.get("amount_fen"), "amount_fen",
                          _("拨付金额"))
    if amount is not None and application.amount_fen is not None \
            and amount != application.amount_fen:
        errors.add("amount_fen", _("拨付金额应为批准的奖励金额 %(yuan)s 元",
                                   yuan=f"{application.amount_fen / 100:.2f}"))
    day = errors.check(awards.check_day, data.get("paid_on"), "paid_on", _("拨付日期"))
    if isinstance(day, date) and day > today_local():
        errors.add("paid_on", _("拨付日期不能晚于今天"))
    voucher = errors.check(check_text, data.get("voucher_no"), "voucher_no", _("凭证号"),
                           max_length=50)
    errors.raise_if_any()
    # Guarded like object_to: the row is taken only while still on 公示 and past its end, so a
    # payment and an objection at the same moment cannot both win.
    if application.status == "publicized" and not db.session.execute(
            update(AwardApplication).where(
                AwardApplication.id == application.id,
                AwardApplication.status == "publicized",
                AwardApplication.publicized_until <= utcnow()).values(paid_by=user.id)).rowcount:
        raise Conflict(_("公示期内收到异议，不能拨付"))
    AWARD_MACHINE.move(application, "pay", user, data.get("comment") or "")
    application.paid_fen, application.paid_on = amount, day
    application.voucher_no, application.paid_by = voucher, user.id
    db.session.flush()
    return application


# --- lists for others -------------------------------------------------------------------------

def public_stmt(args: Mapping):
    """The public 公示 list: awards on 公示 now, and those under review after an objection."""
    stmt = select(AwardApplication).where(or_(
        and_(AwardApplication.status == "publicized",
             AwardApplication.publicized_until > utcnow()),
        AwardApplication.status == "objected"))
    round_id = args.get("round_id")
    if isinstance(round_id, int) and not isinstance(round_id, bool):
        stmt = stmt.where(AwardApplication.round_id == round_id)
    return stmt.order_by(AwardApplication.id.desc())


def awards_of(org_id: int) -> list[dict]:
    """The organization's approved, publicized and paid awards, newest first (for the credit
    profile): round title, year, amount in fen, score (hundredths shown as 88.50), status."""
    stmt = (select(AwardApplication, AwardRound).join(AwardRound)
            .where(AwardApplication.organization_id == org_id,
                   AwardApplication.status.in_(AWARDED))
            .order_by(AwardApplication.id.desc()).limit(200))
    return [{"application_id": a.id, "round_title": r.title, "year": r.year,
             "amount_fen": a.amount_fen, "score": a.total_text, "status": a.status,
             "status_label": str(a.status_label), "paid_on": a.paid_on}
            for a, r in db.session.execute(stmt)]


def moves_for(user: Any, application: AwardApplication) -> list[str]:
    """The move names user may make now (for buttons), the four-eyes rules included."""
    names = [m.name for m in AWARD_MACHINE.allowed(application, user)]
    if "score" in names or ("reject" in names and user.role == COUNTY_OFFICIAL):
        try:
            check_scorer(user, application)
        except (NotAllowed, Conflict):
            names = [n for n in names if n not in ("score", "reject")]
    if user.role == COUNTY_OFFICIAL and application.status not in ("applied", "returned"):
        names = [n for n in names if n != "reject"]
    if user.id in (application.scored_by, application.submitted_by):
        names = [n for n in names if n != "approve"]
    if "pay" in names and (not publicity_over(application) or application.approved_by == user.id):
        names.remove("pay")
    return names
