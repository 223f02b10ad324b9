"""Sign-ups and the waiting list, check-in and check-out (by list or QR code), no-shows."""

from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from registry.activities import minors
from registry.activities.models import (
    SIGNUP_STATUSES,
    Activity,
    Signup,
)
from registry.activities.operations import (
    CHECKIN_EARLY,
    CHECKOUT_LATE,
    MIN_STAY,
    active_volunteer_of,
    lock_activity,
    occupied,
    promote_waitlisted,
    require_organizer,
    signup_of,
    volunteer_of,
)
from registry.clock import to_local, utcnow
from registry.errors import Conflict, NotFound, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import User
from registry.points import operations as points
from registry.volunteers.models import Volunteer


def sign_up(user: User, activity: Activity) -> Signup:
    """The caller signs up: a place if one is free, else the waiting list."""
    volunteer = active_volunteer_of(user)
    activity = lock_activity(activity.id)
    if activity.status != "published":
        raise Conflict(_("该活动不在报名中"))
    now = utcnow()
    if now >= activity.ends_at:
        raise Conflict(_("活动已结束，不能再报名"))
    signup = signup_of(activity, volunteer)
    if signup is not None and signup.status != "cancelled":
        label = _("候补名单中") if signup.status == "waitlisted" else _("报名名单中")
        raise Conflict(_("您已报名该活动（当前在%(label)s），不能重复报名", label=label))
    minors.require_suitable(activity, volunteer)
    status = "signed_up" if occupied(activity) < activity.capacity else "waitlisted"
    if signup is None:
        signup = Signup(activity_id=activity.id, volunteer_id=volunteer.id,
                        township_code=activity.township_code, status=status, queued_at=now)
        db.session.add(signup)
    else:
        signup.status, signup.queued_at, signup.cancelled_at = status, now, None
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("您已报名该活动，不能重复报名")) from None
    return signup


def cancel_signup(user: User, activity: Activity) -> Signup:
    """The caller cancels; a freed place goes to the first on the waiting list."""
    volunteer = volunteer_of(user)
    if volunteer is None:
        raise NotFound(_("您没有报名该活动"))
    activity = lock_activity(activity.id)
    signup = signup_of(activity, volunteer)
    if signup is None or signup.status == "cancelled":
        raise NotFound(_("您没有报名该活动"))
    if signup.status not in ("signed_up", "waitlisted"):
        raise Conflict(_("已签到的报名不能取消"))
    if utcnow() >= activity.ends_at:
        raise Conflict(_("活动已结束，不能取消报名"))
    freed = signup.status == "signed_up"
    signup.status, signup.cancelled_at = "cancelled", utcnow()
    db.session.flush()
    if freed:
        promote_waitlisted(activity)
    return signup


def signups_stmt(activity: Activity, status: str | None = None):
    """An activity's sign-ups, newest first, with their volunteers."""
    stmt = select(Signup).where(Signup.activity_id == activity.id)
    if status:
        stmt = stmt.where(Signup.status == status)
    return stmt.options(selectinload(Signup.volunteer)).order_by(Signup.id.desc())


def my_signups_stmt(volunteer: Volunteer):
    stmt = select(Signup).options(selectinload(Signup.activity).selectinload(Activity.station))
    return points.one_volunteer(stmt, Signup, volunteer.id)


# ---------------------------------------------------------------- check-in and check-out


def _check_window(activity: Activity) -> datetime:
    now = utcnow()
    if activity.status not in ("published", "closed"):
        raise Conflict(_("活动未发布，不能签到"))
    if now < activity.starts_at - CHECKIN_EARLY:
        raise Conflict(_("活动开始前 1 小时起才能签到"))
    if now > activity.ends_at + CHECKOUT_LATE:
        raise Conflict(_("活动已结束超过 2 小时，不能再签到签退；请由服务站直接确认服务时长"))
    return now


WAITLISTED_CHECKIN = (_l("该志愿者在候补名单中，须先递补为正式报名才能签到："
                      "有人取消报名或提高招募人数时，候补者按报名先后自动递补。"
                      "未递补的候补者不能签到，以免超出招募人数"))


def check_in(user: User, activity: Activity, signup: Signup) -> Signup:
    """The station admin checks a signed-up volunteer in (never a waitlisted one: places are
    kept, a waitlisted volunteer moves up first)."""
    require_organizer(user, activity)
    if signup.activity_id != activity.id:
        raise NotFound(_("报名记录不存在"))
    now = _check_window(activity)
    if signup.status == "waitlisted":
        raise Conflict(WAITLISTED_CHECKIN)
    if signup.status != "signed_up":
        raise Conflict(_("当前状态为“%(status)s”，不能签到；签到只适用于已报名（正式名额）的志愿者",
                         status=status_label(signup.status)))
    signup.status, signup.check_in_at = "checked_in", now
    db.session.flush()
    return signup


def check_out(user: User, activity: Activity, signup: Signup) -> Signup:
    """The station admin checks a checked-in volunteer out."""
    require_organizer(user, activity)
    if signup.activity_id != activity.id:
        raise NotFound(_("报名记录不存在"))
    now = _check_window(activity)
    if signup.status != "checked_in":
        raise Conflict(_("当前状态为“%(value1)s”，不能签退",
                         value1=status_label(signup.status)))
    signup.status, signup.check_out_at = "checked_out", now
    db.session.flush()
    return signup


def mark_no_show(user: User, activity: Activity, signup: Signup) -> Signup:
    """After the start, a signed-up volunteer who never came is marked 未到场."""
    require_organizer(user, activity)
    if signup.activity_id != activity.id:
        raise NotFound(_("报名记录不存在"))
    if utcnow() < activity.starts_at:
        raise Conflict(_("活动尚未开始，不能标记未到场"))
    if signup.status != "signed_up":
        raise Conflict(_("当前状态为“%(value1)s”，不能标记未到场",
                         value1=status_label(signup.status)))
    signup.status = "no_show"
    db.session.flush()
    return signup


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="activity-checkin")


def checkin_code(activity: Activity) -> str:
    """The signed code in the activity's QR: it names the activity and carries its end, after
    which the link no longer works (a photo of the QR is useless once the activity is over)."""
    return _serializer().dumps([activity.id, activity.ends_at.isoformat()])


def _code_end(activity: Activity, code: str) -> datetime:
    """The end a genuine code of this activity carries; ValidationFailed for any other code."""
    try:
        ident, ends_at = _serializer().loads(code or "")
        if ident != activity.id:
            raise ValueError
        return datetime.fromisoformat(ends_at)
    except (BadSignature, ValueError, TypeError):
        raise ValidationFailed(_("二维码无效或不属于该活动"), "code") from None


def scan(user: User, activity: Activity, code: str) -> tuple[Signup, str]:
    """A volunteer scanned the QR: check in (not signed up: a place taken on the spot while one
    is free; a waitlisted volunteer waits to move up), or check out.

    Returns the sign-up and "checked_in" or "checked_out"."""
    ends_at = _code_end(activity, code)
    if utcnow() > ends_at:
        raise ValidationFailed(_("二维码已过期：活动已于 %(value1)s 结束。如需签退或"
                                 "补记服务时长，请联系志愿服务站",
                                 value1=format(to_local(ends_at), '%Y-%m-%d %H:%M')), "code")
    volunteer = active_volunteer_of(user)
    activity = lock_activity(activity.id)
    now = _check_window(activity)
    signup = signup_of(activity, volunteer)
    if signup is not None and signup.status == "waitlisted":
        raise Conflict(_(
            "您在候补名单中，须递补为正式报名后才能签到；有人取消报名或服务站增加名额时"
                       "按报名先后自动递补"))
    if signup is None or signup.status == "cancelled":
        # Not signed up: a place on the spot if one is free (check-in is for signed-up
        # volunteers, and never beyond the activity's capacity).
        if activity.status != "published" or occupied(activity) >= activity.capacity:
            raise Conflict(_("名额已满或活动已停止报名，未报名的志愿者不能签到；请联系服务站"))
        minors.require_suitable(activity, volunteer)  # a walk-in takes a place too
        if signup is None:
            signup = Signup(activity_id=activity.id, volunteer_id=volunteer.id, walk_in=True,
                            township_code=activity.township_code, status="checked_in",
                            queued_at=now, check_in_at=now)
            db.session.add(signup)
        else:
            signup.walk_in = True
            signup.status, signup.check_in_at, signup.cancelled_at = "checked_in", now, None
    elif signup.status == "signed_up":
        signup.status, signup.check_in_at = "checked_in", now
    elif signup.status == "checked_in":
        if now - signup.check_in_at < MIN_STAY:
            raise Conflict(_("您刚刚已签到；活动结束时再扫码签退"))
        signup.status, signup.check_out_at = "checked_out", now
    else:
        raise Conflict(_("您已%(value1)s，无需再次扫码",
                         value1=status_label(signup.status)))
    db.session.flush()
    return signup, signup.status


def status_label(status: str) -> str:
    return SIGNUP_STATUSES.get(status, status)


# ---------------------------------------------------------------- service confirmation




