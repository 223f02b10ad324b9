"""Confirming service minutes (service record, ledger entry, minutes and stars, township
counters, in one transaction) and correcting them with new entries."""

from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from registry import audit
from registry.activities import minors
from registry.activities.certificate_pdf import hours
from registry.activities.models import Activity, ServiceCorrection, ServiceRecord, Signup
from registry.activities.operations import (
    local_year,
    lock_activity,
    require_organizer,
    signup_of,
)
from registry.clock import utcnow
from registry.errors import Conflict, FieldErrors, NotFound, ValidationFailed
from registry.extensions import db
from registry.models import User
from registry.points import ledger
from registry.points import operations as points
from registry.validators import check_amount, check_text
from registry.volunteers import township_counters
from registry.volunteers.models import Volunteer
from registry.volunteers.operations import star_level


def default_minutes(activity: Activity, signup: Signup | None) -> int | None:
    """check_out − check_in, capped at the activity window; None without both times."""
    if signup is None or not signup.check_in_at or not signup.check_out_at:
        return None
    start = max(signup.check_in_at, activity.starts_at)
    end = min(signup.check_out_at, activity.ends_at)
    return max(0, int((end - start).total_seconds() // 60))


def points_for(activity: Activity, minutes: int) -> int:
    """Whole points for minutes of service (rounded down, DOMAIN.md §5)."""
    return minutes * activity.points_per_hour // 60


def _add_minutes(volunteer: Volunteer, delta: int) -> None:
    """Add to the volunteer's total in one UPDATE (no lost update); audit a new star level."""
    before = star_level(volunteer.total_minutes or 0)
    total = db.session.execute(
        update(Volunteer.__table__).where(Volunteer.__table__.c.id == volunteer.id)
        .values(total_minutes=Volunteer.__table__.c.total_minutes + delta)
        .returning(Volunteer.__table__.c.total_minutes)
    ).scalar_one()
    db.session.expire(volunteer, ["total_minutes"])
    after = star_level(total)
    if after != before:
        audit.record("star_level", volunteer, changes={"star_level": [before, after]},
                     comment=f"累计服务 {hours(total)} 小时")


def find_volunteer(volunteer_id: Any) -> Volunteer:
    """A volunteer named by id for confirmation (walk-ins from any township included)."""
    try:
        ident = int(volunteer_id)
    except (TypeError, ValueError):
        raise ValidationFailed("志愿者编号必须是整数", "volunteer_id") from None
    volunteer = db.session.get(Volunteer, ident) if 0 < ident < 2**31 else None
    if volunteer is None or volunteer.status not in ("active", "suspended"):
        raise NotFound("志愿者不存在或尚未注册", "volunteer_id")
    return volunteer


def find_volunteer_by_no(volunteer_no: str) -> Volunteer:
    """A walk-in volunteer by their volunteer number."""
    number = (volunteer_no or "").strip()[:20]
    volunteer = db.session.scalar(select(Volunteer).where(Volunteer.volunteer_no == number))
    if not number or volunteer is None or volunteer.status != "active":
        raise ValidationFailed("没有找到该编号的已注册志愿者", "volunteer_no")
    return volunteer


def confirm_service(user: User, activity: Activity, volunteer: Volunteer, minutes: Any,
                    reason: str = "") -> ServiceRecord:
    """Confirm a volunteer's minutes at an activity and credit the points, once."""
    require_organizer(user, activity)
    activity = lock_activity(activity.id)
    if activity.status not in ("published", "closed"):
        raise Conflict("活动未发布或已取消，不能确认服务时长")
    if utcnow() < activity.starts_at:
        raise Conflict("活动尚未开始，不能确认服务时长")
    minutes = check_amount(minutes, "minutes", "服务时长（分钟）")
    if minutes > activity.length_minutes:
        raise ValidationFailed(f"服务时长不能超过活动时长 {activity.length_minutes} 分钟",
                               "minutes")
    existing = db.session.scalar(select(ServiceRecord.id).where(
        ServiceRecord.activity_id == activity.id, ServiceRecord.volunteer_id == volunteer.id))
    if existing:
        raise Conflict("该志愿者在本活动的服务时长已确认；如需更改，请提交更正")
    signup = signup_of(activity, volunteer)
    default = default_minutes(activity, signup)
    changed = default is not None and minutes != default
    reason = check_text(reason, "reason", "修改原因", required=changed, max_length=500)
    walk_in = signup is None or signup.walk_in or signup.status in ("cancelled", "waitlisted")
    if walk_in:
        minors.require_suitable(activity, volunteer)
    started = signup.check_in_at if signup and signup.check_in_at else activity.starts_at
    record = ServiceRecord(
        activity_id=activity.id, volunteer_id=volunteer.id, station_id=activity.station_id,
        township_code=activity.township_code, started_at=max(started, activity.starts_at),
        minutes=minutes, default_minutes=default, change_reason=reason,
        points=points_for(activity, minutes), walk_in=walk_in, confirmed_by=user.id,
    )
    db.session.add(record)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict("该志愿者在本活动的服务时长已确认；如需更改，请提交更正") from None
    if signup is None:
        signup = Signup(activity_id=activity.id, volunteer_id=volunteer.id, walk_in=True,
                        township_code=activity.township_code, status="confirmed")
        db.session.add(signup)
    else:
        signup.status = "confirmed"
    if record.points > 0:
        ledger.credit(volunteer, record.points, "earn",
                      f"参加“{activity.title}”服务 {hours(minutes)} 小时",
                      ref=f"service:{record.id}", by=user)
    _add_minutes(volunteer, minutes)
    township_counters.bump(activity.township_code, local_year(activity.starts_at),
                        service_minutes=minutes, points_issued=record.points)
    db.session.flush()
    return record


def record_totals(record: ServiceRecord) -> tuple[int, int]:
    """The record's current minutes and points, corrections included (read from the table)."""
    row = db.session.execute(select(
        func.coalesce(func.sum(ServiceCorrection.delta_minutes), 0),
        func.coalesce(func.sum(ServiceCorrection.delta_points), 0),
    ).where(ServiceCorrection.record_id == record.id)).one()
    return record.minutes + int(row[0]), record.points + int(row[1])


def correct_record(user: User, record: ServiceRecord, minutes: Any,
                   reason: str) -> ServiceCorrection:
    """Correct confirmed minutes by appending a correction and its ledger entry."""
    activity = db.session.get(Activity, record.activity_id)
    require_organizer(user, activity)
    activity = lock_activity(activity.id)
    errors = FieldErrors()
    minutes = errors.check(check_amount, minutes, "minutes", "更正后的服务时长（分钟）",
                           allow_zero=True)
    reason = errors.check(check_text, reason, "reason", "更正原因", max_length=500)
    if minutes is not None and minutes > activity.length_minutes:
        errors.add("minutes", f"服务时长不能超过活动时长 {activity.length_minutes} 分钟")
    errors.raise_if_any()
    current_minutes, current_points = record_totals(record)
    delta = minutes - current_minutes
    if delta == 0:
        raise ValidationFailed("更正后的时长与当前时长相同", "minutes")
    delta_points = points_for(activity, minutes) - current_points
    volunteer = db.session.get(Volunteer, record.volunteer_id)
    correction = ServiceCorrection(
        record_id=record.id, volunteer_id=volunteer.id, township_code=record.township_code,
        delta_minutes=delta, minutes_after=minutes, delta_points=delta_points, reason=reason,
        created_by=user.id,
    )
    db.session.add(correction)
    db.session.flush()
    memo = f"更正“{activity.title}”服务时长 {hours(current_minutes)}→{hours(minutes)} 小时"
    if delta_points > 0:
        ledger.credit(volunteer, delta_points, "adjust", memo, ref=f"correction:{correction.id}",
                      by=user)
    elif delta_points < 0:
        ledger.debit(volunteer, -delta_points, "reverse", memo, ref=f"correction:{correction.id}",
                     by=user)
    _add_minutes(volunteer, delta)
    township_counters.bump(activity.township_code, local_year(activity.starts_at),
                        service_minutes=delta, points_issued=delta_points)
    audit.record("correct", record, changes={"minutes": [current_minutes, minutes],
                                             "points": [current_points, current_points
                                                        + delta_points]}, comment=reason)
    return correction


def records_stmt(activity: Activity):
    """An activity's confirmed records, newest first."""
    return (select(ServiceRecord).where(ServiceRecord.activity_id == activity.id)
            .options(selectinload(ServiceRecord.volunteer),
                     selectinload(ServiceRecord.corrections))
            .order_by(ServiceRecord.id.desc()))


def my_records_stmt(volunteer: Volunteer):
    """A volunteer's confirmed records, newest first, with activity, station and confirmer."""
    stmt = select(ServiceRecord).options(
        selectinload(ServiceRecord.activity), selectinload(ServiceRecord.station),
        selectinload(ServiceRecord.confirmer), selectinload(ServiceRecord.corrections))
    return points.one_volunteer(stmt, ServiceRecord, volunteer.id)


def pending_confirmation(activity: Activity) -> list[tuple[Signup, int | None]]:
    """Sign-ups not yet confirmed (signed up, checked in/out), each with its default minutes."""
    stmt = (select(Signup).where(Signup.activity_id == activity.id,
                                 or_(Signup.status.in_(("signed_up", "checked_in",
                                                        "checked_out")),
                                     Signup.walk_in.is_(True) & (Signup.status != "confirmed")))
            .options(selectinload(Signup.volunteer)).order_by(Signup.id).limit(500))
    return [(s, default_minutes(activity, s)) for s in db.session.scalars(stmt)]


