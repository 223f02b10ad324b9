"""Demo activities at the demo stations (past, current, upcoming, a draft), sign-ups and
confirmed service, so that demo volunteers have hours, points and a certificate.

Runs after the volunteer demo (stations and volunteers); with no station it creates nothing.
Idempotent: an activity whose title already exists at its station is left alone.
"""

from datetime import timedelta

from sqlalchemy import select

from registry import audit
from registry.activities import minors, service_records, signups
from registry.activities import operations as activities
from registry.activities.models import Activity, ServiceRecord, Signup
from registry.clock import from_local, to_local, utcnow
from registry.extensions import db
from registry.volunteers.models import Station, Volunteer

# station admin username, township
ORGANIZERS = (("zhongcheng", "511302001"), ("beicheng", "511302002"), ("baita", "511303001"))
# key, title, category, place, start offset (hours from now), length (hours), capacity, pph
PLAN = (
    ("past", "敬老院陪伴与助餐", "elderly", "{town}敬老院", -24 * 7, 3, 20, 10),
    ("past2", "社区义诊与健康咨询", "health", "{town}社区卫生服务站", -24 * 3, 2, 10, 12),
    ("current", "垃圾分类入户宣传", "civility", "{town}各小区", -1, 3, 15, 10),
    ("upcoming", "嘉陵江岸线清洁行动", "environment", "嘉陵江滨江路{town}段", 24 * 3, 3, 2, 10),
    ("draft", "冬季消防安全宣传（筹备中）", "emergency", "{town}社区广场", 24 * 10, 2, 30, 8),
    ("long", "防汛值守（全天）", "emergency", "{town}嘉陵江堤段", -24 * 2 - 12, 10, 5, 10),
)

# What the volunteers do (服务内容, printed on certificates), by PLAN key.
CONTENT = {
    "past": "陪伴敬老院老人聊天、读报，协助午餐分餐和送餐到房间",
    "past2": "协助社区医生为居民测量血压血糖、登记健康档案、讲解慢病防治知识",
    "current": "入户发放垃圾分类指南，讲解四类垃圾的投放方法并登记住户意见",
    "upcoming": "清理嘉陵江滨江路沿岸垃圾，劝导游客不乱扔垃圾",
    "draft": "在社区广场讲解家庭消防安全常识，演示灭火器的使用",
}


def _round_hour(hours_from_now: int):
    local = to_local(utcnow()).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    return from_local(local + timedelta(hours=hours_from_now))


def _active_volunteers(township: str) -> list[Volunteer]:
    return list(db.session.scalars(select(Volunteer).where(
        Volunteer.township_code == township, Volunteer.status == "active")
        .order_by(Volunteer.id)))


def _make(admin, station: Station, key: str, title, category, place, offset, length,
          capacity, pph) -> Activity | None:
    exists = db.session.scalar(select(Activity.id).where(Activity.station_id == station.id,
                                                        Activity.title == title))
    if exists:
        return None
    starts = _round_hour(offset)
    town = station.name.replace("志愿服务站", "")
    data = {"title": title, "category": category, "address": place.format(town=town),
            "content": CONTENT.get(key, title),
            "notice": "请穿着志愿者马甲，提前 10 分钟到场签到。",
            # The riverside clean-up is by the water: its organizer says it does not suit
            # minors (the rule alone would say yes, 生态环保 being no risky category).
            "suitable_for_minors": "no" if key == "upcoming" else "auto",
            "starts_at": to_local(starts), "ends_at": to_local(starts + timedelta(hours=length)),
            "capacity": capacity, "points_per_hour": pph}
    return activities.create_activity(admin, data, publish=key != "draft")


def _may_join(activity: Activity, volunteer: Volunteer) -> bool:
    """The demo keeps the minors rule (activities/minors.py) on the rows it writes directly."""
    return activity.suitable_for_minors or not minors.is_minor_at(volunteer, activity)


def _serve(admin, activity: Activity, people: list[Volunteer], walk_ins: list[Volunteer]):
    """Sign-ups with check-in/out times, then confirmed minutes (one with a reason)."""
    people = [v for v in people if _may_join(activity, v)]
    for index, volunteer in enumerate(people):
        check_in = activity.starts_at + timedelta(minutes=5 * (index % 3))
        check_out = activity.ends_at - timedelta(minutes=10 * (index % 2))
        db.session.add(Signup(activity_id=activity.id, volunteer_id=volunteer.id,
                              township_code=activity.township_code, status="checked_out",
                              queued_at=activity.created_at, check_in_at=check_in,
                              check_out_at=check_out))
    db.session.flush()
    for index, volunteer in enumerate(people):
        signup = activities.signup_of(activity, volunteer)
        minutes = service_records.default_minutes(activity, signup)
        if index == 1:
            service_records.confirm_service(admin, activity, volunteer, minutes + 10,
                                       "签到前已协助布置场地")
        else:
            service_records.confirm_service(admin, activity, volunteer, minutes)
    for volunteer in walk_ins:  # from another township: they checked in on the spot
        db.session.add(Signup(activity_id=activity.id, volunteer_id=volunteer.id,
                              township_code=activity.township_code, status="checked_out",
                              walk_in=True, queued_at=activity.starts_at,
                              check_in_at=activity.starts_at,
                              check_out_at=activity.starts_at + timedelta(minutes=90)))
        db.session.flush()
        service_records.confirm_service(admin, activity, volunteer, 90)


def seed(users: dict) -> list:
    """Create demo rows if missing; returns extra demo logins (none: volunteers log in by
    the phone numbers the volunteer demo prints)."""
    if db.session.scalar(select(Station.id).limit(1)) is None:
        return []
    for username, township in ORGANIZERS:
        admin = users.get(username)
        station = db.session.scalar(select(Station).where(Station.township_code == township))
        if admin is None or station is None:
            continue
        audit.set_actor(admin)
        people = _active_volunteers(township)
        made = {row[0]: _make(admin, station, *row) for row in PLAN}
        if made["past"] is not None and people:
            others = [] if township != "511302001" else _active_volunteers("511302002")[:1]
            _serve(admin, made["past"], people[:6], others)
            activities.move(admin, made["past"], "close")
        if made["past2"] is not None and people:
            _serve(admin, made["past2"], people[:3], [])
            record = db.session.scalar(select(ServiceRecord).where(
                ServiceRecord.activity_id == made["past2"].id)
                .order_by(ServiceRecord.id).limit(1))
            if record is not None:
                service_records.correct_record(admin, record, max(record.minutes - 30, 30),
                                          "核对签到表：提前 30 分钟离开")
        if made["long"] is not None and people:
            # Ten hours for one volunteer: above the four-eyes threshold, it waits for a
            # second staff member (the county official in the demo) on the approvals list.
            _serve(admin, made["long"], people[:1], [])
        for key in ("current", "upcoming"):
            if made[key] is None:
                continue
            for volunteer in people[:3]:
                if volunteer.user_id and _may_join(made[key], volunteer):
                    signups.sign_up(volunteer.user, made[key])
    audit.set_actor(None)
    db.session.flush()
    return []
