"""Demo stations and volunteers: a few townships with a station (some left without), ~30
volunteers in every status, a minor with guardian consent, volunteer logins by phone."""

from sqlalchemy import select
from stdnum.cn import ric

from registry import audit, crypto
from registry.clock import today_local
from registry.demo import DEMO_PASSWORD
from registry.errors import FieldErrors
from registry.extensions import db
from registry.volunteers import operations as volunteers
from registry.volunteers import stations
from registry.volunteers.models import Station, Volunteer

# township, official who sets it up, address, contact
STATIONS = (
    ("511302001", "shunqing", "顺庆区中城街道便民服务中心二楼", "陈站长", "13800001001"),
    ("511302002", "shunqing", "顺庆区北城街道办事处一楼", "刘站长", "13800001002"),
    ("511302004", "shunqing", "顺庆区东南街道社区服务中心", "孙站长", "13800001004"),
    ("511303001", "gaoping", "高坪区白塔街道党群服务中心", "周站长", "13800001003"),
    ("511303002", "gaoping", "高坪区清溪街道便民服务中心", "吴站长", "13800001005"),
    ("511304001", "city", "嘉陵区火花街道综合服务中心", "郑站长", "13800001006"),
)
# name, township, birth (YYYYMMDD), status, login phone or None, skills
PEOPLE = (
    ("张伟", "511302001", "19850312", "active", "13800000001", "医疗救护"),
    ("王芳", "511302001", "19920704", "active", "13800000002", "心理疏导"),
    ("李娜", "511302001", "19780115", "pending", "13800000003", ""),
    ("刘洋", "511302001", "20010923", "suspended", None, "驾驶"),
    ("陈静", "511302001", "19650430", "active", None, "助老服务"),
    ("杨磊", "511302001", "19990218", "deregistered", None, ""),
    ("赵敏", "511302002", "19880806", "active", "13800000004", "法律咨询"),
    ("黄强", "511302002", "19951111", "pending", "13800000005", ""),
    ("周杰", "511302002", "19700601", "active", None, "文艺表演"),
    ("吴秀英", "511302002", "19580909", "active", None, "助老服务"),
    ("徐丽", "511302002", "19830521", "pending", None, ""),
    ("孙涛", "511302004", "19910314", "active", None, "信息技术"),
    ("马超", "511302004", "19870727", "pending", None, ""),
    ("朱明", "511302004", "19760219", "active", None, "环境保护"),
    ("胡婷", "511303001", "19930402", "active", "13800000006", "外语"),
    ("郭刚", "511303001", "19690818", "active", None, "应急救援"),
    ("何雪", "511303001", "19970126", "pending", None, ""),
    ("高建国", "511303001", "19610610", "suspended", None, ""),
    ("林欣怡", "511303001", "19990707", "active", None, "文艺表演"),
    ("罗浩", "511303002", "19840303", "active", None, "驾驶"),
    ("郑雨萱", "511303002", "20000808", "pending", None, ""),
    ("梁志", "511304001", "19820930", "active", None, "医疗救护"),
    ("谢春兰", "511304001", "19670412", "active", None, "助老服务"),
    ("宋佳琪", "511304001", "19980522", "pending", None, ""),
    ("唐文", "511321001", "19890115", "pending", None, ""),
    ("许博文", "511321001", "19940620", "active", None, "信息技术"),
    ("韩梅", "511381001", "19860228", "active", None, "外语"),
    ("冯军", "511381001", "19750505", "pending", None, ""),
)
MINOR = ("张小雨", "511302001", "active", "张伟", "13800000001", "13800000007")


def demo_id_number(township: str, birth: str, index: int) -> str:
    """A valid synthetic ID number; sequence codes 950–999 are kept for demo people."""
    base = f"{township[:6]}{birth}{950 + index % 50:03d}"
    return base + ric.calc_check_digit(base + "0")


def _exists(id_number: str) -> bool:
    digest = crypto.lookup_hash(id_number)
    return db.session.scalar(select(Volunteer.id).where(Volunteer.id_number_hash == digest)) \
        is not None


def seed(users: dict) -> list:
    """Create the demo stations and volunteers if missing; returns the volunteer logins."""
    for township, official, address, contact, phone in STATIONS:
        if stations.station_of_township(township) is None:
            audit.set_actor(users[official])
            stations.create_station(users[official], {
                "township_code": township, "address": address, "contact_name": contact,
                "contact_phone": phone})
    logins = []
    staff_of = {"511302": users["zhongcheng"], "511303": users["baita"]}
    for index, (name, township, birth, status, phone, skills) in enumerate(PEOPLE):
        id_number = demo_id_number(township, birth, index)
        if phone:
            logins.append((phone, DEMO_PASSWORD, "志愿者"))
        if _exists(id_number):
            continue
        station_admin = _approver(users, township, staff_of)
        data = {"name": name, "id_number": id_number, "township_code": township,
                "skills": skills, "phone": phone or f"139{index:08d}"}
        if phone:
            audit.set_actor(None)
            volunteer = volunteers.register_self({**data, "password": DEMO_PASSWORD})
            if status != "pending":
                audit.set_actor(station_admin)
                volunteers.transition(volunteer, "approve", station_admin)
        elif status == "pending":
            audit.set_actor(None)
            volunteer = volunteers.make_volunteer(
                volunteers.validate_person(data, FieldErrors()),
                status="pending", source="self", user=None)
        else:
            audit.set_actor(station_admin)
            volunteer, _ = volunteers.register_by_staff(station_admin, data, create_login=False)
        audit.set_actor(station_admin)
        if status == "suspended":
            volunteers.transition(volunteer, "suspend", station_admin, "演示：长期未参加活动")
        elif status == "deregistered":
            volunteers.transition(volunteer, "deregister", station_admin, "演示：本人申请注销")
    _seed_minor(users)
    audit.set_actor(None)
    db.session.flush()
    return logins


def _approver(users: dict, township: str, staff_of: dict):
    by_township = {"511302001": "zhongcheng", "511302002": "beicheng", "511303001": "baita"}
    if township in by_township:
        return users[by_township[township]]
    county = township[:6]
    return users.get({"511302": "shunqing", "511303": "gaoping"}.get(county, "city"),
                     users["city"])


def _seed_minor(users: dict) -> None:
    """A 16-year-old registered by the station with the guardian's written consent."""
    name, township, status, guardian, guardian_phone, phone = MINOR
    year = today_local().year - 16
    id_number = demo_id_number(township, f"{year}0601", 49)
    if _exists(id_number):
        return
    staff = users["zhongcheng"]
    audit.set_actor(staff)
    volunteers.register_by_staff(staff, {
        "name": name, "id_number": id_number, "phone": phone, "township_code": township,
        "skills": "文艺表演", "guardian_name": guardian, "guardian_phone": guardian_phone,
        "guardian_consent": True}, create_login=False)


def demo_station(township: str) -> Station | None:
    """The demo station of a township (for other areas' demo data)."""
    return stations.station_of_township(township)
