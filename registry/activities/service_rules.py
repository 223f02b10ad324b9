"""The rules that keep service hours and points honest (issue 10): the city's points rate, who
may be credited, the record's span inside the activity, the daily cap, and when a second
staff member must approve. Limits come from config.py (SERVICE_*, POINTS_PER_HOUR_MAX)."""

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.activities.models import Activity, ServiceRecord, Signup
from registry.clock import CHINA, from_local, to_local
from registry.errors import Conflict, NotFound, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.scoping import scope_condition
from registry.validators import check_text
from registry.volunteers.models import VOLUNTEER_STATUSES, Volunteer

# Sign-ups that admit a volunteer to a record without a walk-in reason: a place in the
# activity (signed up) or presence at it (checked in or out, by the list or the QR code).
ADMITTING = ("signed_up", "checked_in", "checked_out")
# Activities last at most 30 days (operations.MAX_LENGTH): a record started earlier than this
# before a day cannot reach it.
LOOKBACK = timedelta(days=31)


def limit(name: str) -> int:
    return int(current_app.config[name])


def points_rate(activity: Activity) -> int:
    """The activity's points per hour, never above the city's maximum (older rows included)."""
    return max(0, min(activity.points_per_hour or 0, limit("POINTS_PER_HOUR_MAX")))


def points_for(activity: Activity, minutes: int) -> int:
    """Whole points for minutes of service (rounded down, DOMAIN.md §5)."""
    return minutes * points_rate(activity) // 60


def points_rate_error(value: int | None) -> str | None:
    """The message when a points_per_hour is above the city's maximum, else None."""
    top = limit("POINTS_PER_HOUR_MAX")
    if value is not None and value > top:
        return _("每小时积分不能超过 %(top)s（全市统一上限）", top=top)
    return None


# ---------------------------------------------------------------- who may be credited


def require_creditable(volunteer: Volunteer) -> None:
    """Never a suspended, deregistered or not yet approved volunteer."""
    if volunteer.status != "active":
        label = VOLUNTEER_STATUSES.get(volunteer.status, volunteer.status)
        raise Conflict(_("该志愿者当前状态为“%(label)s”，不能记录服务时长或积分", label=label))


def admission(user: Any, volunteer: Volunteer, signup: Signup | None,
              reason: Any) -> tuple[bool, str]:
    """Whether the record is a walk-in, and its written reason.

    Signed up, checked in or out: admitted as is. Anyone else is a walk-in, who must be a
    volunteer of the station's own jurisdiction (a foreign one is "not found", as scoping
    answers) and needs a written reason."""
    if signup is not None and signup.status in ADMITTING:
        require_creditable(volunteer)
        return signup.walk_in, ""
    in_scope = db.session.scalar(select(Volunteer.id).where(
        Volunteer.id == volunteer.id, scope_condition(user, Volunteer)))
    if in_scope is None:
        raise NotFound(_("志愿者不存在或尚未注册；其他辖区的志愿者须先报名本活动"), "volunteer_id")
    require_creditable(volunteer)
    reason = check_text(reason, "reason", _("现场参加原因"), max_length=500, required=False)
    if not reason:
        raise ValidationFailed(_("该志愿者未报名、未签到：请写明现场参加的原因（将记入审计日志）"),
                               "reason")
    return True, reason


# ---------------------------------------------------------------- the record's span


def record_start(activity: Activity, signup: Signup | None) -> datetime:
    """The check-in time, or the activity's start, kept inside the activity's window."""
    started = signup.check_in_at if signup is not None and signup.check_in_at else None
    started = max(started or activity.starts_at, activity.starts_at)
    return min(started, activity.ends_at)


def check_span(activity: Activity, started_at: datetime, minutes: int, now: datetime) -> None:
    """Service lies inside the activity's window and is not in the future: minutes at most
    from the record's start to the activity's end (or to now while it runs)."""
    if now < activity.starts_at:
        raise Conflict(_("活动尚未开始，不能确认服务时长"))
    if minutes > activity.length_minutes:
        raise ValidationFailed(_(
            "服务时长不能超过活动时长 %(length_minutes)s 分钟",
            length_minutes=activity.length_minutes),
                               "minutes")
    end = min(now, activity.ends_at)
    room = max(0, int((end - started_at).total_seconds() // 60))
    if minutes > room:
        raise ValidationFailed(
            _(
                "服务时长不能超过 %(room)s 分钟：服务时段从 %(value1)s 起，不能晚于活动结束或当前"
                "时间（%(value2)s）",
                room=room, value1=format(to_local(started_at), "%m-%d %H:%M"),
                value2=format(to_local(end), "%m-%d %H:%M")), "minutes")


# ---------------------------------------------------------------- the daily cap


def day_shares(start: datetime, end: datetime, minutes: int) -> dict:
    """minutes spread over the Beijing calendar days of [start, end), in proportion to each
    day's part of that window (rounded up, so never under-counted)."""
    if minutes <= 0:
        return {}
    local_start, local_end = to_local(start), to_local(end)
    if end <= start:
        return {local_start.date(): minutes}
    total = (end - start).total_seconds()
    shares = {}
    day = local_start.date()
    while True:
        day_start = datetime(day.year, day.month, day.day, tzinfo=CHINA)
        day_end = day_start + timedelta(days=1)
        overlap = (min(local_end, day_end) - max(local_start, day_start)).total_seconds()
        if overlap > 0:
            shares[day] = -(-minutes * int(overlap) // int(total))
        if day_end >= local_end:
            return shares
        day += timedelta(days=1)


def _record_shares(record: ServiceRecord, minutes: int) -> dict:
    return day_shares(record.started_at, record.activity.ends_at, minutes)


def check_daily_cap(volunteer: Volunteer, activity: Activity, started_at: datetime,
                    minutes: int, record: ServiceRecord | None = None) -> None:
    """The volunteer's minutes (counted or awaiting approval) stay within the daily cap on each
    Beijing day this service touches, across all activities. With record: its new total."""
    cap = limit("SERVICE_DAILY_CAP_MINUTES")
    wanted = day_shares(started_at, activity.ends_at, minutes)
    if not wanted:
        return
    first, last = min(wanted), max(wanted)
    window_start = from_local(datetime(first.year, first.month, first.day)) - LOOKBACK
    window_end = from_local(datetime(last.year, last.month, last.day)) + timedelta(days=1)
    others = db.session.scalars(
        select(ServiceRecord).where(ServiceRecord.volunteer_id == volunteer.id,
                                    ServiceRecord.started_at >= window_start,
                                    ServiceRecord.started_at < window_end)
        .options(selectinload(ServiceRecord.activity), selectinload(ServiceRecord.corrections),
                 selectinload(ServiceRecord.reviews))
        .execution_options(populate_existing=True))
    used = dict.fromkeys(wanted, 0)
    for other in others:
        if record is not None and other.id == record.id:
            continue
        for day, share in _record_shares(other, other.claimed_minutes).items():
            if day in used:
                used[day] += share
    for day in sorted(wanted):
        if used[day] + wanted[day] > cap:
            raise ValidationFailed(
                _(
                    "%(day)s 该志愿者已记录 %(value1)s 分钟，本次计入当天 %(value2)s 分钟，将超过"
                    "每日上限 %(cap)s 分钟（%(value3)s 小时，各活动合计）",
                    day=format(day, "%Y-%m-%d"), value1=used[day], value2=wanted[day], cap=cap,
                    value3=cap // 60), "minutes")


# ---------------------------------------------------------------- four eyes


def approval_grounds(activity: Activity, minutes: int, now: datetime) -> str:
    """Why a record of minutes needs a second staff member's approval ("" when it does not)."""
    grounds = []
    threshold = limit("SERVICE_APPROVAL_MINUTES")
    if minutes > threshold:
        grounds.append(_("超过 %(value1)s 小时", value1=threshold // 60) if threshold % 60 == 0
                       else _("超过 %(threshold)s 分钟", threshold=threshold))
    days = limit("SERVICE_APPROVAL_AFTER_DAYS")
    if now - activity.ends_at > timedelta(days=days):
        grounds.append(_("活动结束已超过 %(days)s 天", days=days))
    return "；".join(grounds)


def grounds_of(review) -> str:
    """A review's grounds in the reader's language (the stored text is in the recorder's)."""
    return approval_grounds(review.activity, review.minutes, review.requested_at) or review.grounds
