"""Confirming service minutes and correcting them with new entries, under the rules of
service_rules.py (who, when, how much a day); what needs four eyes waits in approvals.py,
the rest is credited at once (service record, ledger entry, minutes and stars, township
counters, in one transaction)."""

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from registry import audit
from registry.activities import approvals, minors, service_rules
from registry.activities.models import (
    Activity,
    ServiceCorrection,
    ServiceRecord,
    ServiceReview,
    Signup,
)
from registry.activities.operations import lock_activity, require_organizer, signup_of
from registry.activities.service_rules import points_for
from registry.clock import utcnow
from registry.errors import Conflict, FieldErrors, NotFound, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import User
from registry.points import operations as points
from registry.validators import check_amount, check_text
from registry.volunteers.models import Volunteer

ALREADY = _l("该志愿者在本活动的服务时长已确认；如需更改，请提交更正")


def default_minutes(activity: Activity, signup: Signup | None) -> int | None:
    """check_out − check_in, capped at the activity window; None without both times."""
    if signup is None or not signup.check_in_at or not signup.check_out_at:
        return None
    start = max(signup.check_in_at, activity.starts_at)
    end = min(signup.check_out_at, activity.ends_at)
    return max(0, int((end - start).total_seconds() // 60))


def find_volunteer(volunteer_id: Any) -> Volunteer:
    """A volunteer named by id for confirmation (whether they may be credited is
    confirm_service's question)."""
    try:
        ident = int(volunteer_id)
    except (TypeError, ValueError):
        raise ValidationFailed(_("志愿者编号必须是整数"), "volunteer_id") from None
    volunteer = db.session.get(Volunteer, ident) if 0 < ident < 2**31 else None
    if volunteer is None or volunteer.status not in ("active", "suspended"):
        raise NotFound(_("志愿者不存在或尚未注册"), "volunteer_id")
    return volunteer


def find_volunteer_by_no(volunteer_no: str) -> Volunteer:
    """A walk-in volunteer by their volunteer number."""
    number = (volunteer_no or "").strip()[:20]
    volunteer = db.session.scalar(select(Volunteer).where(Volunteer.volunteer_no == number))
    if not number or volunteer is None or volunteer.status != "active":
        raise ValidationFailed(_("没有找到该编号的已注册志愿者"), "volunteer_no")
    return volunteer


def _lock_volunteer(volunteer: Volunteer) -> None:
    """Serialize one volunteer's confirmations (the daily cap reads, then writes)."""
    db.session.execute(select(Volunteer.id).where(Volunteer.id == volunteer.id)
                       .with_for_update())


def confirm_service(user: User, activity: Activity, volunteer: Volunteer, minutes: Any,
                    reason: str = "") -> ServiceRecord:
    """Confirm a volunteer's minutes at an activity: credited at once, or (long or late
    service) once a second staff member approves. One record per volunteer and activity."""
    require_organizer(user, activity)
    activity = lock_activity(activity.id)
    if activity.status not in ("published", "closed"):
        raise Conflict(_("活动未发布或已取消，不能确认服务时长"))
    now = utcnow()
    if now < activity.starts_at:
        raise Conflict(_("活动尚未开始，不能确认服务时长"))
    minutes = check_amount(minutes, "minutes", _("服务时长（分钟）"))
    existing = db.session.scalar(select(ServiceRecord.id).where(
        ServiceRecord.activity_id == activity.id, ServiceRecord.volunteer_id == volunteer.id))
    if existing:
        raise Conflict(ALREADY)
    signup = signup_of(activity, volunteer)
    walk_in, walk_in_reason = service_rules.admission(user, volunteer, signup, reason)
    if walk_in:
        minors.require_suitable(activity, volunteer)  # a walk-in takes a place too
    _lock_volunteer(volunteer)
    started = service_rules.record_start(activity, signup)
    service_rules.check_span(activity, started, minutes, now)
    default = default_minutes(activity, signup) if not walk_in_reason else None
    changed = default is not None and minutes != default
    change_reason = "" if walk_in_reason else check_text(
        reason, "reason", _("修改原因"), required=changed, max_length=500)
    service_rules.check_daily_cap(volunteer, activity, started, minutes)
    record = ServiceRecord(
        activity_id=activity.id, volunteer_id=volunteer.id, station_id=activity.station_id,
        township_code=activity.township_code, started_at=started, minutes=minutes,
        default_minutes=default, change_reason=change_reason, walk_in_reason=walk_in_reason,
        points=points_for(activity, minutes), walk_in=walk_in, confirmed_by=user.id,
    )
    db.session.add(record)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(ALREADY) from None
    if signup is None:
        signup = Signup(activity_id=activity.id, volunteer_id=volunteer.id, walk_in=True,
                        township_code=activity.township_code, status="confirmed")
        db.session.add(signup)
    else:
        signup.status = "confirmed"
    grounds = service_rules.approval_grounds(activity, minutes, now)
    if grounds:
        approvals.request_review(user, record, grounds, minutes=minutes, delta_minutes=minutes,
                                 delta_points=record.points)
    else:
        approvals.credit_record(record, activity, user)
    db.session.flush()
    return record


def record_totals(record: ServiceRecord) -> tuple[int, int]:
    """The record's counted minutes and points (approved or not needing approval, corrections
    included), read from the tables."""
    own = db.session.scalar(select(ServiceReview.status).where(
        ServiceReview.record_id == record.id, ServiceReview.correction_id.is_(None)))
    row = db.session.execute(
        select(func.coalesce(func.sum(ServiceCorrection.delta_minutes), 0),
               func.coalesce(func.sum(ServiceCorrection.delta_points), 0))
        .outerjoin(ServiceReview, ServiceReview.correction_id == ServiceCorrection.id)
        .where(ServiceCorrection.record_id == record.id,
               or_(ServiceReview.id.is_(None), ServiceReview.status == "approved"))).one()
    counts = own in (None, "approved")
    return ((record.minutes if counts else 0) + int(row[0]),
            (record.points if counts else 0) + int(row[1]))


def waiting_review(record: ServiceRecord) -> ServiceReview | None:
    return db.session.scalar(select(ServiceReview).where(
        ServiceReview.record_id == record.id, ServiceReview.status == "pending").limit(1))


def correct_record(user: User, record: ServiceRecord, minutes: Any,
                   reason: str) -> ServiceCorrection:
    """Correct a record's minutes by appending a correction (and its ledger entry). A raise
    obeys the same rules as a record (span, daily cap, four eyes); a lowering counts at once.
    A rejected record is corrected from zero: the way to submit the right minutes again."""
    activity = db.session.get(Activity, record.activity_id)
    require_organizer(user, activity)
    activity = lock_activity(activity.id)
    errors = FieldErrors()
    minutes = errors.check(check_amount, minutes, "minutes", _("更正后的服务时长（分钟）"),
                           allow_zero=True)
    reason = errors.check(check_text, reason, "reason", _("更正原因"), max_length=500)
    if minutes is not None and minutes > activity.length_minutes:
        errors.add("minutes", _("服务时长不能超过活动时长 %(length_minutes)s 分钟",
                                length_minutes=activity.length_minutes))
    errors.raise_if_any()
    if waiting_review(record) is not None:
        raise Conflict(_("该服务记录有等待审核的时长，须先由另一名工作人员批准或驳回，才能更正"))
    current_minutes, current_points = record_totals(record)
    delta = minutes - current_minutes
    if delta == 0:
        raise ValidationFailed(_("更正后的时长与当前时长相同"), "minutes")
    volunteer = db.session.get(Volunteer, record.volunteer_id)
    _lock_volunteer(volunteer)
    now = utcnow()
    if delta > 0:
        service_rules.require_creditable(volunteer)
        service_rules.check_span(activity, record.started_at, minutes, now)
        service_rules.check_daily_cap(volunteer, activity, record.started_at, minutes,
                                      record=record)
    delta_points = points_for(activity, minutes) - current_points
    correction = ServiceCorrection(
        record_id=record.id, volunteer_id=volunteer.id, township_code=record.township_code,
        delta_minutes=delta, minutes_after=minutes, delta_points=delta_points, reason=reason,
        created_by=user.id,
    )
    db.session.add(correction)
    db.session.flush()
    grounds = service_rules.approval_grounds(activity, minutes, now) if delta > 0 else ""
    if grounds:
        approvals.request_review(user, record, grounds, minutes=minutes, delta_minutes=delta,
                                 delta_points=delta_points, correction=correction)
    else:
        approvals.credit_correction(correction, activity, user)
    db.session.expire(record, ["corrections", "reviews"])
    audit.record("correct", record, changes={"minutes": [current_minutes, minutes],
                                             "points": [current_points, current_points
                                                        + delta_points]},
                 comment=f"{reason}（待审核：{grounds}）" if grounds else reason)
    return correction


def records_stmt(activity: Activity):
    """An activity's confirmed records, newest first."""
    return (select(ServiceRecord).where(ServiceRecord.activity_id == activity.id)
            .options(selectinload(ServiceRecord.volunteer),
                     selectinload(ServiceRecord.corrections),
                     selectinload(ServiceRecord.reviews))
            .order_by(ServiceRecord.id.desc()))


def my_records_stmt(volunteer: Volunteer):
    """A volunteer's confirmed records, newest first, with activity, station and confirmer."""
    stmt = select(ServiceRecord).options(
        selectinload(ServiceRecord.activity), selectinload(ServiceRecord.station),
        selectinload(ServiceRecord.confirmer), selectinload(ServiceRecord.corrections),
        selectinload(ServiceRecord.reviews))
    return points.one_volunteer(stmt, ServiceRecord, volunteer.id)


def pending_confirmation(activity: Activity) -> list[tuple[Signup, int | None]]:
    """Sign-ups not yet confirmed (signed up, checked in/out), each with its default minutes."""
    stmt = (select(Signup).where(Signup.activity_id == activity.id,
                                 or_(Signup.status.in_(("signed_up", "checked_in",
                                                        "checked_out")),
                                     Signup.walk_in.is_(True) & (Signup.status != "confirmed")))
            .options(selectinload(Signup.volunteer)).order_by(Signup.id).limit(500))
    return [(s, default_minutes(activity, s)) for s in db.session.scalars(stmt)]


