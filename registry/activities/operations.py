"""Activities: creating, editing and publishing them (MACHINE), places and the waiting list,
the lists staff and the public see, and the helpers that find a user's volunteer or station.
Functions flush, the caller commits."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import selectinload

from registry import notifications
from registry.activities import minors
from registry.activities.models import (
    ACTIVITY_CATEGORIES,
    ACTIVITY_STATUSES,
    Activity,
    ServiceRecord,
    Signup,
)
from registry.activities.service_rules import points_rate_error
from registry.clock import from_local, to_local, utcnow
from registry.errors import Conflict, FieldErrors, NotAllowed, NotFound, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import STATION_ADMIN, VOLUNTEER, Region, User
from registry.pagination import capped_count
from registry.scoping import region_condition, visible
from registry.validators import check_amount, check_date_range, check_text
from registry.volunteers import township_counters
from registry.volunteers.models import Station, Volunteer
from registry.workflow import Machine, Move

MACHINE = Machine("activity", ACTIVITY_STATUSES, (
    Move("publish", _l("发布"), ("draft",), "published", (STATION_ADMIN,)),
    Move("close", _l("结束活动"), ("published",), "closed", (STATION_ADMIN,)),
    Move("cancel", _l("取消活动"), ("draft", "published"), "cancelled", (STATION_ADMIN,),
         comment_required=True),
))
PHASE_LABELS = {"upcoming": _l("未开始"), "in_progress": _l("进行中"), "ended": _l("已结束")}
OCCUPYING = ("signed_up", "checked_in", "checked_out", "confirmed")
CHECKIN_EARLY = timedelta(minutes=60)
CHECKOUT_LATE = timedelta(hours=2)
MIN_STAY = timedelta(minutes=2)
MAX_LENGTH = timedelta(days=30)
MAX_CAPACITY = 100_000
DATETIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")


# ---------------------------------------------------------------- people and places


VOLUNTEER_OF_USER = select(Volunteer).where(Volunteer.user_id == bindparam("user"))


def volunteer_of(user: Any) -> Volunteer | None:
    """The volunteer record of a logged-in volunteer, if any."""
    if user is None or getattr(user, "role", None) != VOLUNTEER:
        return None
    return db.session.scalar(VOLUNTEER_OF_USER, {"user": user.id})


def active_volunteer_of(user: Any) -> Volunteer:
    """The caller's volunteer record, which must be approved."""
    volunteer = volunteer_of(user)
    if volunteer is None:
        raise NotAllowed(_("只有注册志愿者可以报名、签到"))
    if volunteer.status != "active":
        raise Conflict(_("您的志愿者注册尚未通过审核或已暂停，暂不能报名、签到"))
    return volunteer


def own_station(user: Any) -> Station:
    """The station of a station admin's township."""
    if getattr(user, "role", None) != STATION_ADMIN:
        raise NotAllowed(_("只有志愿服务站管理员可以发布活动"))
    station = db.session.scalar(select(Station).where(Station.township_code == user.region_code))
    if station is None:
        raise Conflict(_("本乡镇（街道）尚未建立志愿服务站，请先联系县级民政部门建站"))
    return station


def require_organizer(user: Any, activity: Activity) -> None:
    """Only the admin of the organizing station (谁组织谁记录)."""
    if getattr(user, "role", None) != STATION_ADMIN or user.region_code != activity.township_code:
        raise NotAllowed(_("只有组织该活动的志愿服务站管理员可以进行此操作"))


def lock_activity(activity_id: int) -> Activity:
    """The activity row, locked until the transaction ends (FOR UPDATE), freshly loaded."""
    stmt = (select(Activity).where(Activity.id == activity_id).with_for_update()
            .execution_options(populate_existing=True))
    activity = db.session.execute(stmt).scalar_one_or_none()
    if activity is None:
        raise NotFound(_("活动不存在"))
    return activity


def local_year(value: datetime) -> int:
    return to_local(value).year


def local_month(value: datetime) -> tuple[int, int]:
    """(year, month) in Beijing time: the township counters' year and month of an event."""
    local = to_local(value)
    return local.year, local.month


# ---------------------------------------------------------------- activities


def parse_datetime(value: Any, field: str, label: str) -> datetime | None:
    """A China-time input ("2026-11-24T09:30" or an aware datetime) as naive UTC."""
    if value in (None, ""):
        raise ValidationFailed(_("请填写%(label)s", label=label), field)
    if isinstance(value, datetime):
        return from_local(check_date_range(value, field, label))
    text = str(value).strip()
    for fmt in DATETIME_FORMATS:
        try:
            return from_local(check_date_range(datetime.strptime(text, fmt), field, label))
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(_("%(label)s格式不正确（如 2026-11-24 09:30）",
                                 label=label), field) from None
    return from_local(check_date_range(parsed, field, label))


def clean_activity(data: dict) -> dict:
    """Check an activity's fields; all problems at once, each at its field."""
    errors = FieldErrors()
    clean = {
        "title": errors.check(check_text, data.get("title"), "title", _("活动名称"),
                              max_length=100),
        "content": errors.check(check_text, data.get("content"), "content", _("活动内容"),
                                required=False, max_length=5000),
        "notice": errors.check(check_text, data.get("notice"), "notice", _("参加须知"),
                               required=False, max_length=2000),
        "address": errors.check(check_text, data.get("address"), "address", _("活动地点"),
                                max_length=200),
        "starts_at": errors.check(parse_datetime, data.get("starts_at"), "starts_at",
                                  _("开始时间")),
        "ends_at": errors.check(parse_datetime, data.get("ends_at"), "ends_at", _("结束时间")),
        "capacity": errors.check(check_amount, data.get("capacity"), "capacity", _("招募人数")),
        "points_per_hour": errors.check(check_amount, data.get("points_per_hour", 0),
                                        "points_per_hour", _("每小时积分"), allow_zero=True),
    }
    category = data.get("category") or "community"
    if category not in ACTIVITY_CATEGORIES:
        errors.add("category", _("请选择服务类别"))
    clean["category"] = category
    clean["suitable_for_minors"] = minors.clean_flag(data.get("suitable_for_minors"), clean,
                                                     errors)
    starts, ends = clean["starts_at"], clean["ends_at"]
    if starts and ends:
        if ends <= starts:
            errors.add("ends_at", _("结束时间必须晚于开始时间"))
        elif ends - starts > MAX_LENGTH:
            errors.add("ends_at", _("一次活动不能超过 30 天"))
    if clean["capacity"] and clean["capacity"] > MAX_CAPACITY:
        errors.add("capacity", _("招募人数不能超过 %(MAX_CAPACITY)s", MAX_CAPACITY=MAX_CAPACITY))
    rate_error = points_rate_error(clean["points_per_hour"])
    if rate_error:
        errors.add("points_per_hour", rate_error)
    errors.raise_if_any()
    return clean


def create_activity(user: User, data: dict, *, publish: bool = False) -> Activity:
    """A draft (or, with publish, a published) activity of the user's own station."""
    station = own_station(user)
    wanted = data.get("station_id")
    if wanted not in (None, "") and str(wanted) != str(station.id):
        raise NotAllowed(_("只能为本站发布活动"), "station_id")
    clean = clean_activity(data)
    activity = Activity(station_id=station.id, township_code=station.township_code,
                        created_by=user.id, status="draft", **clean)
    db.session.add(activity)
    db.session.flush()
    if publish:
        move(user, activity, "publish")
    return activity


def update_activity(user: User, activity: Activity, data: dict) -> Activity:
    """Edit a draft or published activity; capacity never below the places already taken."""
    require_organizer(user, activity)
    activity = lock_activity(activity.id)
    if activity.status not in ("draft", "published"):
        raise Conflict(_("已结束或已取消的活动不能修改"))
    clean = clean_activity(data)
    moved = (clean["starts_at"], clean["ends_at"]) != (activity.starts_at, activity.ends_at)
    if moved and db.session.scalar(select(ServiceRecord.id).where(
            ServiceRecord.activity_id == activity.id).limit(1)):
        # Recorded service lies inside the activity's window: the window stays as it was.
        raise ValidationFailed(_("已有服务记录的活动不能修改开始、结束时间"), "starts_at")
    taken = occupied(activity)
    if clean["capacity"] < taken:
        raise ValidationFailed(_("已有 %(taken)s 人报名，招募人数不能少于 %(taken)s",
                                 taken=taken), "capacity")
    old_month = local_month(activity.starts_at)
    for key, value in clean.items():
        setattr(activity, key, value)
    db.session.flush()
    minors.check_change(activity)
    new_month = local_month(activity.starts_at)
    if activity.status == "published" and new_month != old_month:
        township_counters.bump(activity.township_code, *old_month, activities=-1)
        township_counters.bump(activity.township_code, *new_month, activities=1)
    promote_waitlisted(activity)
    return activity


def move(user: User, activity: Activity, name: str, comment: str = "") -> None:
    """A workflow move by the organizing station's admin; publishing counts the activity."""
    require_organizer(user, activity)
    before = activity.status
    MACHINE.move(activity, name, user, comment)
    when = local_month(activity.starts_at)
    if activity.status == "published":
        township_counters.bump(activity.township_code, *when, activities=1)
    elif activity.status == "cancelled" and before == "published":
        township_counters.bump(activity.township_code, *when, activities=-1)


# Sign-ups whose service is still to be confirmed (confirming moves them to "confirmed";
# waitlisted, cancelled and no-show ones served no time).
UNCONFIRMED = ("signed_up", "checked_in", "checked_out")


def to_confirm_condition():
    """An activity that has ended with volunteers whose hours are not recorded yet (the
    EXISTS walks ix_signup_activity_status_queue: activity, status)."""
    waiting = select(Signup.id).where(Signup.activity_id == Activity.id,
                                      Signup.status.in_(UNCONFIRMED))
    return (Activity.status.in_(("published", "closed")) & (Activity.ends_at <= utcnow())
            & waiting.exists())


def to_confirm_count(user: User, cap: int) -> int | None:
    """The station's (or jurisdiction's) activities to confirm, up to cap (None: more): the
    home page's count of the list's ?to_confirm=1."""
    return capped_count(activities_stmt(user, {"to_confirm": "1"}), cap)


def activities_stmt(user: User, args: dict):
    """Activities user may see (volunteers: the published), filtered by status, q, station_id
    and to_confirm (ended, with hours still to confirm)."""
    stmt = visible(user, select(Activity), Activity)
    status = args.get("status")
    if status in ACTIVITY_STATUSES:
        stmt = stmt.where(Activity.status == status)
    if args.get("to_confirm") in ("1", "true"):
        stmt = stmt.where(to_confirm_condition())
    q = (args.get("q") or "").strip()[:50]
    if q:
        stmt = stmt.where(Activity.title.contains(q, autoescape=True))
    station_id = str(args.get("station_id") or "")
    if station_id.isdigit() and len(station_id) < 10:
        stmt = stmt.where(Activity.station_id == int(station_id))
    return stmt.order_by(Activity.id.desc())


def public_activities_stmt(args: dict):
    """Published activities that have not ended; filters county and township (codes the page's
    two selects send, chosen by name), region_code (the API's) and station_id."""
    stmt = select(Activity).where(Activity.status == "published", Activity.ends_at > utcnow())
    region = public_region(args)
    if region:
        stmt = stmt.where(region_condition(Activity.township_code, region))
    station_id = args.get("station_id")
    if station_id not in (None, ""):
        if not str(station_id).isdigit() or len(str(station_id)) > 9:
            raise ValidationFailed(_("station_id 必须是整数"), "station_id")
        stmt = stmt.where(Activity.station_id == int(station_id))
    return stmt.options(selectinload(Activity.station)).order_by(Activity.id.desc())


def public_region(args: dict) -> str:
    """The region code the public list is narrowed to ("" for the whole city).

    A township that is not in the chosen county is dropped (the county was changed in a form
    without scripts, whose township select still held the old county's), not refused."""
    county = _known_region(args.get("county"), "county", "county", _("请选择区县"))
    township = _known_region(args.get("township"), "township", "township", _("请选择乡镇（街道）"))
    if township and (not county or township.county_code == county.code):
        return township.code
    if county:
        return county.code
    code = str(args.get("region_code") or "").strip()
    if code and (not code.isdigit() or len(code) not in (6, 9)):
        raise ValidationFailed(_("区划代码应为 6 位（县级）或 9 位（乡镇）数字"), "region_code")
    return code


def _known_region(value: Any, level: str, field: str, message: str) -> Region | None:
    code = str(value or "").strip()
    if not code:
        return None
    region = db.session.get(Region, code) if code.isdigit() and len(code) <= 12 else None
    if region is None or region.level != level:
        raise ValidationFailed(message, field)
    return region


# ---------------------------------------------------------------- sign-ups


def occupied(activity: Activity) -> int:
    """Places taken (signed up, checked in or out, confirmed)."""
    return db.session.scalar(select(func.count()).select_from(Signup).where(
        Signup.activity_id == activity.id, Signup.status.in_(OCCUPYING))) or 0


def places_taken(activity_ids: list[int]) -> dict[int, int]:
    """Places taken per activity for one page of a list, in one grouped query."""
    if not activity_ids:
        return {}
    rows = db.session.execute(
        select(Signup.activity_id, func.count()).where(
            Signup.activity_id.in_(activity_ids), Signup.status.in_(OCCUPYING))
        .group_by(Signup.activity_id))
    return {activity_id: count for activity_id, count in rows}


def waitlist_count(activity: Activity) -> int:
    return db.session.scalar(select(func.count()).select_from(Signup).where(
        Signup.activity_id == activity.id, Signup.status == "waitlisted")) or 0


def signup_of(activity: Activity, volunteer: Volunteer) -> Signup | None:
    return db.session.scalar(select(Signup).where(Signup.activity_id == activity.id,
                                                  Signup.volunteer_id == volunteer.id))



PROMOTED = notifications.kind(
    "signup_promoted", _l("您在“%(activity)s”的候补报名已转为正式报名，请按时参加"))


def promote_waitlisted(activity: Activity) -> list[Signup]:
    """Move people up from the waiting list, first come first served, while places are free.

    The caller holds the activity's lock (lock_activity)."""
    free = activity.capacity - occupied(activity)
    if free <= 0:
        return []
    stmt = select(Signup).where(Signup.activity_id == activity.id, Signup.status == "waitlisted")
    stmt = minors.adults_only(stmt, activity).order_by(Signup.queued_at, Signup.id).limit(free)
    promoted = list(db.session.scalars(stmt))
    for signup in promoted:
        signup.status = "signed_up"
    db.session.flush()
    if promoted:
        for user_id in db.session.scalars(select(Volunteer.user_id).where(
                Volunteer.id.in_([s.volunteer_id for s in promoted]))):
            notifications.notify(user_id, PROMOTED, {"activity": activity.title},
                                 f"/activities/{activity.id}")
    return promoted
