"""Minors and activities: whether an activity suits volunteers under 18, and the sign-up rule.

《志愿服务条例》第十五条: an organization matches tasks to the volunteer's age, knowledge, skills
and health. An activity whose hours touch the night (MINOR_NIGHT_START_HOUR to
MINOR_NIGHT_END_HOUR, Beijing time) or whose category is in MINOR_RISKY_CATEGORIES does not
suit minors; any other suits them unless its organizer says no. A volunteer under 18 on the
activity's first day cannot take a place in one that does not suit minors: by signing up
(page, API), by scanning its QR code as a walk-in, by being added by the station, or by moving
up from the waiting list.
"""

from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from registry.activities.models import ACTIVITY_CATEGORIES, Activity, Signup
from registry.clock import to_local
from registry.errors import Conflict, FieldErrors
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.volunteers.models import Volunteer
from registry.volunteers.operations import ADULT_AGE, age_on

REGULATION = _l("《志愿服务条例》第十五条")
# Sign-ups that hold (or wait for) a place.
ACTIVE = ("signed_up", "waitlisted", "checked_in", "checked_out")
YES = (True, "1", "true", "yes", "y", "on")
NO = (False, "0", "false", "no", "n", "off")


def touches_night(starts: datetime, ends: datetime) -> bool:
    """Whether [starts, ends) (naive UTC) overlaps a night window in Beijing time."""
    config = current_app.config
    start_hour, end_hour = config["MINOR_NIGHT_START_HOUR"], config["MINOR_NIGHT_END_HOUR"]
    start, end = to_local(starts).replace(tzinfo=None), to_local(ends).replace(tzinfo=None)
    if end - start >= timedelta(days=1):
        return True  # a whole day holds a night (and the loop below stays short)
    day = datetime.combine(start.date() - timedelta(days=1), datetime.min.time())
    while day <= end:
        night_from = day + timedelta(hours=start_hour)
        night_to = day + timedelta(days=1, hours=end_hour)
        if start < night_to and end > night_from:
            return True
        day += timedelta(days=1)
    return False


def is_risky(category: str) -> bool:
    return category in current_app.config["MINOR_RISKY_CATEGORIES"]


def unsuitable_reason(starts: datetime | None, ends: datetime | None,
                      category: str) -> str | None:
    """Why an activity cannot suit minors whatever its organizer says, or None."""
    config = current_app.config
    if is_risky(category):
        label = ACTIVITY_CATEGORIES.get(category, category)
        return _("“%(label)s”类活动有安全风险", label=label)
    if starts and ends and starts < ends and touches_night(starts, ends):
        return (_(
            "活动时间涉及夜间（%(value1)s:00–%(value2)s:00）",
            value1=format(config["MINOR_NIGHT_START_HOUR"], "02d"),
            value2=format(config["MINOR_NIGHT_END_HOUR"], "02d")))
    return None


def clean_flag(value: Any, clean: dict, errors: FieldErrors) -> bool:
    """适合未成年人参加 from the organizer's answer: none → the rule's default; no → no;
    yes → yes, unless the activity is at night or risky (an error at the field)."""
    reason = unsuitable_reason(clean.get("starts_at"), clean.get("ends_at"),
                               clean.get("category") or "")
    if isinstance(value, str):
        value = value.strip().lower()
    if value in (None, "", "auto"):
        return reason is None
    if value in NO:
        return False
    if value not in YES:
        errors.add("suitable_for_minors", _("请选择是否适合未成年人参加"))
        return False
    if reason is not None:
        errors.add("suitable_for_minors",
                   _(
                       "%(reason)s，不能设为适合未成年人参加（%(REGULATION)s）",
                       reason=reason, REGULATION=REGULATION))
    return True


def adult_born_by(activity: Activity) -> date:
    """The latest birth date of a volunteer who is 18 on the activity's first day."""
    day = to_local(activity.starts_at).date()
    try:
        return day.replace(year=day.year - ADULT_AGE)
    except ValueError:  # the 29th of February: those born on the 28th are 18 that day
        return day.replace(year=day.year - ADULT_AGE, day=28)


def is_minor_at(volunteer: Volunteer, activity: Activity) -> bool:
    """Under 18 on the activity's first day (Beijing date)."""
    return age_on(volunteer.birth_date, to_local(activity.starts_at).date()) < ADULT_AGE


def require_suitable(activity: Activity, volunteer: Volunteer) -> None:
    """Refuse a minor a place in an activity that does not suit minors."""
    if not activity.suitable_for_minors and is_minor_at(volunteer, activity):
        raise Conflict(
            _(
                "该活动不适合未成年人参加，未满 %(ADULT_AGE)s 周岁的志愿者不能报名或参加。依据"
                "%(REGULATION)s：安排志愿者参与的志愿服务活动，应当与志愿者的年龄、知识、技能和身"
                "体状况相适应。", ADULT_AGE=ADULT_AGE, REGULATION=REGULATION))


def adults_only(stmt, activity: Activity):
    """Restrict a select of sign-ups (joined to nothing) to volunteers who may take part."""
    if activity.suitable_for_minors:
        return stmt
    return stmt.where(Signup.volunteer_id.in_(select(Volunteer.id).where(
        Volunteer.birth_date <= adult_born_by(activity))))


def active_minors(activity: Activity) -> int:
    """Minors holding or waiting for a place in the activity."""
    return db.session.scalar(
        select(func.count()).select_from(Signup).join(Volunteer,
                                                      Volunteer.id == Signup.volunteer_id)
        .where(Signup.activity_id == activity.id, Signup.status.in_(ACTIVE),
               Volunteer.birth_date > adult_born_by(activity))) or 0


def check_change(activity: Activity) -> None:
    """After an edit: an activity that no longer suits minors may not keep minors signed up."""
    if activity.suitable_for_minors:
        return
    count = active_minors(activity)
    if count:
        raise Conflict(
            _(
                "已有 %(count)s 名未成年志愿者报名（或候补）该活动，不能改为不适合未成年人参加（"
                "包括改到夜间或改为高风险类别）；请先与他们联系并由本人取消报名", count=count),
            "suitable_for_minors")
