"""道德银行: each county's rules table, deeds recorded for residents, the second staff member's
approval (never the recorder), the public 公示 with objections, and the crediting of deeds whose
公示 ended without objection (a periodic task and `flask credit-deeds`, safe to run twice).

A deed is recorded for a person: a resident registered in the township (a Volunteer row, as the
points ledger keeps one account per person). Household accounts are another module's work;
a deed has no household reference yet.
"""

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from registry import audit, notifications
from registry.clock import today_local, utcnow
from registry.errors import Conflict, FieldErrors, NotAllowed, NotFound
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.incentives import photos
from registry.incentives.models import DEED_CATEGORIES, Deed, DeedObjection, MoralRule
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN, Region, User
from registry.points import ledger
from registry.scoping import can_see, get_visible, visible_select
from registry.texts import stored
from registry.validators import check_date_range, check_text
from registry.volunteers import township_counters
from registry.volunteers.models import Volunteer
from registry.workflow import Machine, Move

REVIEWERS = (STATION_ADMIN, COUNTY_OFFICIAL, CITY_OFFICIAL)
MAX_RULE_POINTS = 1000
# Who counts towards the yearly cap: every deed not rejected.
COUNTED = ("pending", "publicized", "objected", "credited")
DEED_MACHINE = Machine("deed", {
    "pending": _l("待审核"), "publicized": _l("公示中"), "objected": _l("有异议，复核中"),
    "credited": _l("已记分"), "rejected": _l("未通过")}, (
    Move("approve", _l("审核通过并公示"), ("pending", "objected"), "publicized", REVIEWERS),
    Move("reject", _l("不予通过"), ("pending", "objected"), "rejected", REVIEWERS,
         comment_required=True),
))

DEED_APPROVED = notifications.kind(
    "deed_approved", _l("您的善行“%(deed)s”（%(date)s）已审核通过，正在公示，公示期满无异议后记入 "
                        "%(points)s 积分"))
DEED_CREDITED = notifications.kind(
    "deed_credited", _l("您的善行“%(deed)s”（%(date)s）公示期满，%(points)s 积分已记入"))


def _tell(deed: Deed, kind: str, link: str) -> None:
    """The resident's own account (a volunteer's login), if they have one."""
    notifications.notify(deed.volunteer.user_id, kind,
                         {"deed": deed.rule.deed, "date": f"{deed.deed_date:%Y-%m-%d}",
                          "points": deed.points}, link)


# --- the rules table ------------------------------------------------------------------------

def _check_rule(data: Mapping) -> dict:
    errors = FieldErrors()
    category = data.get("category")
    if category not in DEED_CATEGORIES:
        errors.add("category", _("请选择类别"))
    deed = errors.check(check_text, data.get("deed"), "deed", _("善行事项"), max_length=100)
    points = data.get("points")
    if isinstance(points, bool) or not isinstance(points, int) or not 0 < points <= MAX_RULE_POINTS:
        errors.add("points", _(
            "分值应为 1 到 %(MAX_RULE_POINTS)s 之间的整数", MAX_RULE_POINTS=MAX_RULE_POINTS))
    start = errors.check(check_date_range, data.get("effective_from"), "effective_from",
                         _("生效日期"))
    end = data.get("effective_to")
    if start is None and "effective_from" not in errors.fields:
        errors.add("effective_from", _("请填写生效日期"))
    if end is not None:
        end = errors.check(check_date_range, end, "effective_to", _("失效日期"))
        if start and end and end < start:
            errors.add("effective_to", _("失效日期不能早于生效日期"))
    errors.raise_if_any()
    return {"category": category, "deed": deed, "points": points, "effective_from": start,
            "effective_to": end}


def save_rule(user: User, data: Mapping, rule: MoralRule | None = None) -> MoralRule:
    """Add or change a line of the user's county table (county officials only). A change never
    touches deeds already recorded: they keep the points they were recorded with."""
    if user.role != COUNTY_OFFICIAL:
        raise NotAllowed(_("只有县（市、区）民政部门可以维护本县的道德银行积分规则"))
    if rule is not None and rule.county_code != user.region_code:
        raise NotFound(_("规则不存在"))
    clean = _check_rule(data)
    if rule is None:
        rule = MoralRule(county_code=user.region_code, created_by=user.id)
        db.session.add(rule)
    for key, value in clean.items():
        setattr(rule, key, value)
    db.session.flush()
    return rule


def rules_stmt(county_code: str, on: date | None = None):
    """A county's table (the lines in force on a day, if given), by category."""
    stmt = select(MoralRule).where(MoralRule.county_code == county_code)
    if on is not None:
        stmt = stmt.where(MoralRule.effective_from <= on,
                          or_(MoralRule.effective_to.is_(None), MoralRule.effective_to >= on))
    return stmt.order_by(MoralRule.category, MoralRule.id).limit(500)


def counties_with_rules() -> list[Region]:
    codes = select(MoralRule.county_code).distinct()
    return list(db.session.scalars(select(Region).where(Region.code.in_(codes))
                                   .order_by(Region.code)))


# --- deeds -----------------------------------------------------------------------------------

def year_total(volunteer_id: int, year: int, *, besides: int | None = None) -> int:
    """The deed points of a person in a calendar year (all deeds not rejected)."""
    stmt = select(func.coalesce(func.sum(Deed.points), 0)).where(
        Deed.volunteer_id == volunteer_id, Deed.status.in_(COUNTED),
        Deed.deed_date >= date(year, 1, 1), Deed.deed_date <= date(year, 12, 31))
    if besides is not None:
        stmt = stmt.where(Deed.id != besides)
    return int(db.session.scalar(stmt))


def check_cap(volunteer_id: int, year: int, points: int, besides: int | None = None) -> None:
    cap = current_app.config["DEED_YEARLY_CAP_POINTS"]
    if not cap:
        return
    total = year_total(volunteer_id, year, besides=besides)
    if total + points > cap:
        raise Conflict(_(
            "超过年度上限：此人 %(year)s 年已有道德积分 %(total)s 分，再加 %(points)s 分将超过每"
            "人每年 %(cap)s 分的上限", year=year, total=total, points=points, cap=cap), "rule_id")


def record(user: User, data: Mapping, photo=None) -> Deed:
    """A station admin records a deed for a resident of their township (status pending)."""
    if user.role != STATION_ADMIN:
        raise NotAllowed(_("只有志愿服务站管理员可以登记善行"))
    errors = FieldErrors()
    volunteer = None
    if isinstance(data.get("volunteer_id"), int):
        volunteer = get_visible(user, Volunteer, data["volunteer_id"])
    if volunteer is None or volunteer.status == "deregistered":
        errors.add("volunteer_id", _("请选择本乡镇（街道）登记在册的居民"))
    day = errors.check(check_date_range, data.get("deed_date"), "deed_date", _("善行日期"))
    if day is None and "deed_date" not in errors.fields:
        errors.add("deed_date", _("请填写善行日期"))
    elif day is not None and day > today_local():
        errors.add("deed_date", _("善行日期不能晚于今天"))
    rule = db.session.get(MoralRule, data["rule_id"]) if isinstance(
        data.get("rule_id"), int) else None
    county = db.session.get(Region, user.region_code).county_code
    if rule is None or rule.county_code != county:
        errors.add("rule_id", _("请选择本县道德银行规则表中的事项"))
    elif day is not None and not (rule.effective_from <= day and (
            rule.effective_to is None or day <= rule.effective_to)):
        errors.add("rule_id", _("该事项在善行日期时不在有效期内"))
    description = errors.check(check_text, data.get("description"), "description", _("事迹说明"),
                               max_length=2000)
    checked = errors.check(photos.check_photo, *photo) if photo is not None else None
    errors.raise_if_any()
    check_cap(volunteer.id, day.year, rule.points)
    deed = Deed(rule_id=rule.id, volunteer_id=volunteer.id, township_code=volunteer.township_code,
                category=rule.category, points=rule.points, deed_date=day,
                description=description, status="pending", recorded_by=user.id)
    if checked:
        deed.photo_name, deed.photo_type = photos.store(checked[0], checked[2]), checked[1]
    db.session.add(deed)
    db.session.flush()
    return deed


def approve(user: User, deed: Deed, comment: str = "") -> Deed:
    """A second staff member approves: the deed goes on 公示 for DEED_PUBLICITY_DAYS."""
    if not can_see(user, deed):
        raise NotFound(_("记录不存在"))
    if deed.recorded_by == user.id:
        raise Conflict(_("不能审核自己登记的善行，须由另一名工作人员审核"))
    if deed.status in DEED_MACHINE.by_name["approve"].sources:
        check_cap(deed.volunteer_id, deed.deed_date.year, deed.points, besides=deed.id)
    DEED_MACHINE.move(deed, "approve", user, comment)
    deed.approved_by = user.id
    deed.publicized_until = utcnow() + timedelta(days=current_app.config["DEED_PUBLICITY_DAYS"])
    db.session.flush()
    _tell(deed, DEED_APPROVED, "/moral-bank/")
    return deed


def reject(user: User, deed: Deed, comment: str) -> Deed:
    if not can_see(user, deed):
        raise NotFound(_("记录不存在"))
    DEED_MACHINE.move(deed, "reject", user, comment)
    db.session.flush()
    return deed


def object_to(deed_id: Any, reason: Any) -> DeedObjection:
    """Anyone objects to a deed on 公示, with a reason: it goes back for review."""
    reason = check_text(reason if isinstance(reason, str) else "", "reason", _("异议理由"),
                        max_length=1000)
    deed = db.session.get(Deed, deed_id) if isinstance(deed_id, int) else None
    if deed is None or deed.status not in ("publicized", "objected"):
        raise NotFound(_("该善行不在公示中"))
    if deed.status == "publicized" and deed.publicized_until <= utcnow():
        raise Conflict(_("公示期已结束，不能再提出异议"))
    objection = DeedObjection(deed_id=deed.id, township_code=deed.township_code, reason=reason)
    db.session.add(objection)
    # Guarded: an objection and the crediting task cannot both win.
    moved = db.session.execute(update(Deed).where(
        Deed.id == deed.id, Deed.status == "publicized",
        Deed.publicized_until > utcnow()).values(status="objected")).rowcount
    if moved:
        audit.record("transition", deed, changes={"status": ["publicized", "objected"]},
                     comment="公示期内收到异议，退回复核")
    db.session.flush()
    return objection


def objections_of(deed: Deed) -> list[DeedObjection]:
    return list(db.session.scalars(select(DeedObjection).where(
        DeedObjection.deed_id == deed.id).order_by(DeedObjection.id).limit(200)))


def credit_due(now: datetime | None = None, limit: int = 5000) -> int:
    """Credit the deeds whose 公示 ended without objection; returns how many. Each deed moves
    publicized → credited by a guarded update before its ledger entry, and the ledger refuses a
    second entry for the same deed, so running twice (or two workers at once) credits once."""
    now = now or utcnow()
    due = list(db.session.scalars(select(Deed.id).where(
        Deed.status == "publicized", Deed.publicized_until <= now).order_by(Deed.id)
        .limit(limit)))
    done = 0
    for deed_id in due:
        moved = db.session.execute(update(Deed).where(
            Deed.id == deed_id, Deed.status == "publicized", Deed.publicized_until <= now)
            .values(status="credited", credited_at=now)).rowcount
        if not moved:
            continue
        deed = db.session.get(Deed, deed_id)
        db.session.refresh(deed)
        ledger.credit(deed.volunteer, deed.points, "deed",
                      stored(f"道德银行：{deed.rule.deed}（{deed.deed_date:%Y-%m-%d}）"),
                      ref=f"deed:{deed.id}")
        township_counters.bump(deed.township_code, deed.deed_date.year, deed.deed_date.month,
                               points_issued=deed.points)
        audit.record("transition", deed, changes={"status": ["publicized", "credited"]},
                     comment="公示期满无异议，积分已记入")
        _tell(deed, DEED_CREDITED, "/me/points")
        done += 1
    db.session.flush()
    return done


def list_stmt(user: Any, args: Mapping):
    """Deeds in user's jurisdiction, newest first; filter status."""
    stmt = visible_select(user, Deed)
    status = args.get("status") or ""
    if status in DEED_MACHINE.states:
        stmt = stmt.where(Deed.status == status)
    return stmt.order_by(Deed.id.desc())


def public_stmt(args: Mapping):
    """The public 公示 list: deeds on 公示 now (those with an objection show as under review)."""
    stmt = select(Deed).where(or_(
        and_(Deed.status == "publicized", Deed.publicized_until > utcnow()),
        Deed.status == "objected"))
    township = args.get("township_code") or ""
    if isinstance(township, str) and township:
        stmt = stmt.where(Deed.township_code == township)
    return stmt.order_by(Deed.id.desc())


def photo_of(user: Any, deed: Deed):
    if not deed.photo_name or not can_see(user, deed):
        raise NotFound(_("照片不存在"))
    return photos.path_of(deed.photo_name), deed.photo_type


def reviewable(user: Any, deed: Deed) -> bool:
    """Whether the approve/reject buttons apply for user (not the recorder)."""
    return (user.role in REVIEWERS and deed.recorded_by != user.id
            and deed.status in ("pending", "objected"))

