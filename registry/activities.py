"""Activities, sign-ups and the waiting list, check-in/out, service confirmation, corrections.

Rules written once for pages, API, admin and CLI (DOMAIN.md §5, §7.4):
- a station admin publishes activities for their own station; draft → published → closed |
  cancelled, with in progress/ended derived from the times;
- an active volunteer signs up until the activity ends (a place, or the waiting list when
  full); a cancellation frees the place for the first on the waiting list. Every change of
  places locks the activity row (SELECT ... FOR UPDATE) so two people never get the last one;
- only the organizing station's admin confirms service (谁组织谁记录): the ServiceRecord,
  the points (minutes × points_per_hour // 60) and the volunteer's total minutes are written
  in the caller's one transaction, once per volunteer and activity;
- a confirmed record is never changed: a ServiceCorrection (delta, reason) is appended with
  an adjusting or reversing ledger entry.
"""

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from registry import audit, ledger, township_stats
from registry.activity_models import (
    ACTIVITY_CATEGORIES,
    ACTIVITY_STATUSES,
    Activity,
    ServiceCorrection,
    ServiceRecord,
    Signup,
)
from registry.certificate_pdf import hours
from registry.clock import from_local, to_local, utcnow
from registry.errors import Conflict, FieldErrors, NotAllowed, NotFound, ValidationFailed
from registry.extensions import db
from registry.models import STATION_ADMIN, VOLUNTEER, Station, User, Volunteer, star_level
from registry.scoping import region_codes_under, visible
from registry.validators import check_amount, check_text
from registry.workflow import Machine, Move

MACHINE = Machine("activity", ACTIVITY_STATUSES, (
    Move("publish", "发布", ("draft",), "published", (STATION_ADMIN,)),
    Move("close", "结束活动", ("published",), "closed", (STATION_ADMIN,)),
    Move("cancel", "取消活动", ("draft", "published"), "cancelled", (STATION_ADMIN,),
         comment_required=True),
))
PHASE_LABELS = {"upcoming": "未开始", "in_progress": "进行中", "ended": "已结束"}
OCCUPYING = ("signed_up", "checked_in", "checked_out", "confirmed")
CHECKIN_EARLY = timedelta(minutes=60)
CHECKOUT_LATE = timedelta(hours=2)
MIN_STAY = timedelta(minutes=2)
MAX_LENGTH = timedelta(days=30)
MAX_CAPACITY = 100_000
MAX_POINTS_PER_HOUR = 1000
DATETIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")


# ---------------------------------------------------------------- people and places


def volunteer_of(user: Any) -> Volunteer | None:
    """The volunteer record of a logged-in volunteer, if any."""
    if user is None or getattr(user, "role", None) != VOLUNTEER:
        return None
    return db.session.scalar(select(Volunteer).where(Volunteer.user_id == user.id))


def active_volunteer_of(user: Any) -> Volunteer:
    """The caller's volunteer record, which must be approved."""
    volunteer = volunteer_of(user)
    if volunteer is None:
        raise NotAllowed("只有注册志愿者可以报名、签到")
    if volunteer.status != "active":
        raise Conflict("您的志愿者注册尚未通过审核或已暂停，暂不能报名、签到")
    return volunteer


def own_station(user: Any) -> Station:
    """The station of a station admin's township."""
    if getattr(user, "role", None) != STATION_ADMIN:
        raise NotAllowed("只有志愿服务站管理员可以发布活动")
    station = db.session.scalar(select(Station).where(Station.township_code == user.region_code))
    if station is None:
        raise Conflict("本乡镇（街道）尚未建立志愿服务站，请先联系县级民政部门建站")
    return station


def require_organizer(user: Any, activity: Activity) -> None:
    """Only the admin of the organizing station (谁组织谁记录)."""
    if getattr(user, "role", None) != STATION_ADMIN or user.region_code != activity.township_code:
        raise NotAllowed("只有组织该活动的志愿服务站管理员可以进行此操作")


def lock_activity(activity_id: int) -> Activity:
    """The activity row, locked until the transaction ends (FOR UPDATE), freshly loaded."""
    stmt = (select(Activity).where(Activity.id == activity_id).with_for_update()
            .execution_options(populate_existing=True))
    activity = db.session.execute(stmt).scalar_one_or_none()
    if activity is None:
        raise NotFound("活动不存在")
    return activity


def local_year(value: datetime) -> int:
    return to_local(value).year


# ---------------------------------------------------------------- activities


def parse_datetime(value: Any, field: str, label: str) -> datetime | None:
    """A China-time input ("2026-11-24T09:30" or an aware datetime) as naive UTC."""
    if value in (None, ""):
        raise ValidationFailed(f"请填写{label}", field)
    if isinstance(value, datetime):
        return from_local(value)
    text = str(value).strip()
    for fmt in DATETIME_FORMATS:
        try:
            return from_local(datetime.strptime(text, fmt))
        except ValueError:
            continue
    try:
        return from_local(datetime.fromisoformat(text))
    except ValueError:
        raise ValidationFailed(f"{label}格式不正确（如 2026-11-24 09:30）", field) from None


def clean_activity(data: dict) -> dict:
    """Check an activity's fields; all problems at once, each at its field."""
    errors = FieldErrors()
    clean = {
        "title": errors.check(check_text, data.get("title"), "title", "活动名称", max_length=100),
        "content": errors.check(check_text, data.get("content"), "content", "活动内容",
                                required=False, max_length=5000),
        "address": errors.check(check_text, data.get("address"), "address", "活动地点",
                                max_length=200),
        "starts_at": errors.check(parse_datetime, data.get("starts_at"), "starts_at", "开始时间"),
        "ends_at": errors.check(parse_datetime, data.get("ends_at"), "ends_at", "结束时间"),
        "capacity": errors.check(check_amount, data.get("capacity"), "capacity", "招募人数"),
        "points_per_hour": errors.check(check_amount, data.get("points_per_hour", 0),
                                        "points_per_hour", "每小时积分", allow_zero=True),
    }
    category = data.get("category") or "community"
    if category not in ACTIVITY_CATEGORIES:
        errors.add("category", "请选择服务类别")
    clean["category"] = category
    starts, ends = clean["starts_at"], clean["ends_at"]
    if starts and ends:
        if ends <= starts:
            errors.add("ends_at", "结束时间必须晚于开始时间")
        elif ends - starts > MAX_LENGTH:
            errors.add("ends_at", "一次活动不能超过 30 天")
    if clean["capacity"] and clean["capacity"] > MAX_CAPACITY:
        errors.add("capacity", f"招募人数不能超过 {MAX_CAPACITY}")
    if clean["points_per_hour"] and clean["points_per_hour"] > MAX_POINTS_PER_HOUR:
        errors.add("points_per_hour", f"每小时积分不能超过 {MAX_POINTS_PER_HOUR}")
    errors.raise_if_any()
    return clean


def create_activity(user: User, data: dict, *, publish: bool = False) -> Activity:
    """A draft (or, with publish, a published) activity of the user's own station."""
    station = own_station(user)
    wanted = data.get("station_id")
    if wanted not in (None, "") and str(wanted) != str(station.id):
        raise NotAllowed("只能为本站发布活动", "station_id")
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
        raise Conflict("已结束或已取消的活动不能修改")
    clean = clean_activity(data)
    taken = occupied(activity)
    if clean["capacity"] < taken:
        raise ValidationFailed(f"已有 {taken} 人报名，招募人数不能少于 {taken}", "capacity")
    old_year = local_year(activity.starts_at)
    for key, value in clean.items():
        setattr(activity, key, value)
    db.session.flush()
    new_year = local_year(activity.starts_at)
    if activity.status == "published" and new_year != old_year:
        township_stats.bump(activity.township_code, old_year, activities=-1)
        township_stats.bump(activity.township_code, new_year, activities=1)
    promote_waitlisted(activity)
    return activity


def move(user: User, activity: Activity, name: str, comment: str = "") -> None:
    """A workflow move by the organizing station's admin; publishing counts the activity."""
    require_organizer(user, activity)
    before = activity.status
    MACHINE.move(activity, name, user, comment)
    year = local_year(activity.starts_at)
    if activity.status == "published":
        township_stats.bump(activity.township_code, year, activities=1)
    elif activity.status == "cancelled" and before == "published":
        township_stats.bump(activity.township_code, year, activities=-1)


def activities_stmt(user: User, args: dict):
    """Activities user may see (volunteers: the published), filtered by status, q, station_id."""
    stmt = visible(user, select(Activity), Activity)
    status = args.get("status")
    if status in ACTIVITY_STATUSES:
        stmt = stmt.where(Activity.status == status)
    q = (args.get("q") or "").strip()[:50]
    if q:
        stmt = stmt.where(Activity.title.contains(q, autoescape=True))
    station_id = str(args.get("station_id") or "")
    if station_id.isdigit() and len(station_id) < 10:
        stmt = stmt.where(Activity.station_id == int(station_id))
    return stmt.order_by(Activity.id.desc())


def public_activities_stmt(args: dict):
    """Published activities that have not ended; filters region_code and station_id."""
    stmt = select(Activity).where(Activity.status == "published", Activity.ends_at > utcnow())
    code = str(args.get("region_code") or "").strip()
    if code:
        if not code.isdigit() or len(code) not in (6, 9):
            raise ValidationFailed("区划代码应为 6 位（县级）或 9 位（乡镇）数字", "region_code")
        stmt = stmt.where(Activity.township_code.in_(region_codes_under(code)))
    station_id = args.get("station_id")
    if station_id not in (None, ""):
        if not str(station_id).isdigit() or len(str(station_id)) > 9:
            raise ValidationFailed("station_id 必须是整数", "station_id")
        stmt = stmt.where(Activity.station_id == int(station_id))
    return stmt.options(selectinload(Activity.station)).order_by(Activity.id.desc())


# ---------------------------------------------------------------- sign-ups


def occupied(activity: Activity) -> int:
    """Places taken (signed up, checked in or out, confirmed)."""
    return db.session.scalar(select(func.count()).select_from(Signup).where(
        Signup.activity_id == activity.id, Signup.status.in_(OCCUPYING))) or 0


def waitlist_count(activity: Activity) -> int:
    return db.session.scalar(select(func.count()).select_from(Signup).where(
        Signup.activity_id == activity.id, Signup.status == "waitlisted")) or 0


def signup_of(activity: Activity, volunteer: Volunteer) -> Signup | None:
    return db.session.scalar(select(Signup).where(Signup.activity_id == activity.id,
                                                  Signup.volunteer_id == volunteer.id))


def sign_up(user: User, activity: Activity) -> Signup:
    """The caller signs up: a place if one is free, else the waiting list."""
    volunteer = active_volunteer_of(user)
    activity = lock_activity(activity.id)
    if activity.status != "published":
        raise Conflict("该活动不在报名中")
    now = utcnow()
    if now >= activity.ends_at:
        raise Conflict("活动已结束，不能再报名")
    signup = signup_of(activity, volunteer)
    if signup is not None and signup.status != "cancelled":
        label = "候补名单中" if signup.status == "waitlisted" else "报名名单中"
        raise Conflict(f"您已报名该活动（当前在{label}），不能重复报名")
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
        raise Conflict("您已报名该活动，不能重复报名") from None
    return signup


def cancel_signup(user: User, activity: Activity) -> Signup:
    """The caller cancels; a freed place goes to the first on the waiting list."""
    volunteer = volunteer_of(user)
    if volunteer is None:
        raise NotFound("您没有报名该活动")
    activity = lock_activity(activity.id)
    signup = signup_of(activity, volunteer)
    if signup is None or signup.status == "cancelled":
        raise NotFound("您没有报名该活动")
    if signup.status not in ("signed_up", "waitlisted"):
        raise Conflict("已签到的报名不能取消")
    if utcnow() >= activity.ends_at:
        raise Conflict("活动已结束，不能取消报名")
    freed = signup.status == "signed_up"
    signup.status, signup.cancelled_at = "cancelled", utcnow()
    db.session.flush()
    if freed:
        promote_waitlisted(activity)
    return signup


def promote_waitlisted(activity: Activity) -> list[Signup]:
    """Move people up from the waiting list, first come first served, while places are free.

    The caller holds the activity's lock (lock_activity)."""
    free = activity.capacity - occupied(activity)
    if free <= 0:
        return []
    stmt = (select(Signup).where(Signup.activity_id == activity.id, Signup.status == "waitlisted")
            .order_by(Signup.queued_at, Signup.id).limit(free))
    promoted = list(db.session.scalars(stmt))
    for signup in promoted:
        signup.status = "signed_up"
    db.session.flush()
    return promoted


def signups_stmt(activity: Activity, status: str | None = None):
    """An activity's sign-ups, newest first, with their volunteers."""
    stmt = select(Signup).where(Signup.activity_id == activity.id)
    if status:
        stmt = stmt.where(Signup.status == status)
    return stmt.options(selectinload(Signup.volunteer)).order_by(Signup.id.desc())


def my_signups_stmt(volunteer: Volunteer):
    stmt = select(Signup).options(selectinload(Signup.activity).selectinload(Activity.station))
    return ledger.one_volunteer(stmt, Signup, volunteer.id)


# ---------------------------------------------------------------- check-in and check-out


def _check_window(activity: Activity) -> datetime:
    now = utcnow()
    if activity.status not in ("published", "closed"):
        raise Conflict("活动未发布，不能签到")
    if now < activity.starts_at - CHECKIN_EARLY:
        raise Conflict("活动开始前 1 小时起才能签到")
    if now > activity.ends_at + CHECKOUT_LATE:
        raise Conflict("活动已结束超过 2 小时，不能再签到签退；请由服务站直接确认服务时长")
    return now


def check_in(user: User, activity: Activity, signup: Signup) -> Signup:
    """The station admin checks a signed-up (or waitlisted, present) volunteer in."""
    require_organizer(user, activity)
    if signup.activity_id != activity.id:
        raise NotFound("报名记录不存在")
    now = _check_window(activity)
    if signup.status not in ("signed_up", "waitlisted"):
        raise Conflict(f"当前状态为“{status_label(signup.status)}”，不能签到")
    signup.status, signup.check_in_at = "checked_in", now
    db.session.flush()
    return signup


def check_out(user: User, activity: Activity, signup: Signup) -> Signup:
    """The station admin checks a checked-in volunteer out."""
    require_organizer(user, activity)
    if signup.activity_id != activity.id:
        raise NotFound("报名记录不存在")
    now = _check_window(activity)
    if signup.status != "checked_in":
        raise Conflict(f"当前状态为“{status_label(signup.status)}”，不能签退")
    signup.status, signup.check_out_at = "checked_out", now
    db.session.flush()
    return signup


def mark_no_show(user: User, activity: Activity, signup: Signup) -> Signup:
    """After the start, a signed-up volunteer who never came is marked 未到场."""
    require_organizer(user, activity)
    if signup.activity_id != activity.id:
        raise NotFound("报名记录不存在")
    if utcnow() < activity.starts_at:
        raise Conflict("活动尚未开始，不能标记未到场")
    if signup.status != "signed_up":
        raise Conflict(f"当前状态为“{status_label(signup.status)}”，不能标记未到场")
    signup.status = "no_show"
    db.session.flush()
    return signup


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="activity-checkin")


def checkin_code(activity: Activity) -> str:
    """The signed code in the activity's QR (it names the activity; it cannot be forged)."""
    return _serializer().dumps(activity.id)


def scan(user: User, activity: Activity, code: str) -> tuple[Signup, str]:
    """A volunteer scanned the QR: check in (a walk-in if not signed up), or check out.

    Returns the sign-up and "checked_in" or "checked_out"."""
    try:
        valid = _serializer().loads(code or "") == activity.id
    except BadSignature:
        valid = False
    if not valid:
        raise ValidationFailed("二维码无效或不属于该活动", "code")
    volunteer = active_volunteer_of(user)
    activity = lock_activity(activity.id)
    now = _check_window(activity)
    signup = signup_of(activity, volunteer)
    if signup is None:
        signup = Signup(activity_id=activity.id, volunteer_id=volunteer.id, walk_in=True,
                        township_code=activity.township_code, status="checked_in",
                        queued_at=now, check_in_at=now)
        db.session.add(signup)
    elif signup.status in ("signed_up", "waitlisted", "cancelled"):
        signup.walk_in = signup.status != "signed_up"
        signup.status, signup.check_in_at, signup.cancelled_at = "checked_in", now, None
    elif signup.status == "checked_in":
        if now - signup.check_in_at < MIN_STAY:
            raise Conflict("您刚刚已签到；活动结束时再扫码签退")
        signup.status, signup.check_out_at = "checked_out", now
    else:
        raise Conflict(f"您已{status_label(signup.status)}，无需再次扫码")
    db.session.flush()
    return signup, signup.status


def status_label(status: str) -> str:
    from registry.activity_models import SIGNUP_STATUSES

    return SIGNUP_STATUSES.get(status, status)


# ---------------------------------------------------------------- service confirmation


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
    township_stats.bump(activity.township_code, local_year(activity.starts_at),
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
    township_stats.bump(activity.township_code, local_year(activity.starts_at),
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
    return ledger.one_volunteer(stmt, ServiceRecord, volunteer.id)


def pending_confirmation(activity: Activity) -> list[tuple[Signup, int | None]]:
    """Sign-ups not yet confirmed (signed up, checked in/out), each with its default minutes."""
    stmt = (select(Signup).where(Signup.activity_id == activity.id,
                                 or_(Signup.status.in_(("signed_up", "checked_in",
                                                        "checked_out")),
                                     Signup.walk_in.is_(True) & (Signup.status != "confirmed")))
            .options(selectinload(Signup.volunteer)).order_by(Signup.id).limit(500))
    return [(s, default_minutes(activity, s)) for s in db.session.scalars(stmt)]
