"""Demo data for incubation, training and grants (idempotent).

It only attaches to organizations that already exist (those of the organizations demo, found
by name); without them it creates nothing. Dates are relative to today so that an intake is
always open and every finished step lies in the past.
"""

from datetime import timedelta

from sqlalchemy import select

from registry import audit
from registry.clock import today_local
from registry.extensions import db
from registry.organizations.models import Organization
from registry.support import incubation as inc
from registry.support import operations as support
from registry.support.models import Grant, Incubator, Training

CITY_HUB = "南充市社会组织联合会"
# organization, intake ("past" or "open"), final state
CITY_COHORT = (
    ("南充市顺庆区阳光社会工作服务中心", "past", "graduated"),
    ("南充市顺庆区老年人协会", "past", "exited"),
    ("南充市高坪区农村专业技术协会", "past", "mid_review"),
    ("南充市顺庆区书法家协会", "past", "rejected"),
    ("南充市顺庆区青少年成长服务中心", "open", "applied"),
    ("南充市高坪区乐龄社会工作服务中心", "open", "under_review"),
    ("南充市顺庆区健康养老服务中心", "open", "admitted"),
)
TRAININGS = (
    # title, region, days ago, minutes, place, attendees (organization, person)
    ("社会组织负责人能力提升培训班", "511300", 200, 720, "南充市民政局三楼会议室",
     (("南充市顺庆区阳光社会工作服务中心", "张明"), ("南充市顺庆区阳光社会工作服务中心", "李红"),
      ("南充市高坪区农村专业技术协会", "王建国"), ("阆中市古城文化保护协会", "陈志强"))),
    ("社会组织财务管理与年报填报培训", "511302", 60, 180, "顺庆区社会组织服务中心",
     (("南充市顺庆区阳光社会工作服务中心", "李红"), ("南充市顺庆区老年人协会", "刘芳"),
      ("南充市顺庆区书法家协会", "孙丽"))),
    ("社区社会组织骨干培训", "511303", 30, 360, "高坪区白塔街道党群服务中心",
     (("南充市高坪区农村专业技术协会", "赵敏"),)),
)
GRANTS = (
    # organization, type, yuan, purpose, source, days ago, paid
    ("南充市顺庆区阳光社会工作服务中心", "venture", 50_000, "“幸福晚年”社区居家养老公益创投项目",
     "市级福利彩票公益金", 400, True),
    ("南充市顺庆区阳光社会工作服务中心", "award", 20_000, "2025 年度等级评估 3A 以奖代补",
     "区级财政", 45, False),
    ("中城街道和谐邻里互助会", "service_subsidy", 12_000, "老年人健康讲座购买服务补助",
     "区级财政", 380, True),
    ("南充市高坪区农村专业技术协会", "venture", 30_000, "农村实用技术培训公益创投项目",
     "市级福利彩票公益金", 20, False),
    ("南充市高坪区农村专业技术协会", "other", 5_000, "孵化期场地及办公补助", "区级财政", 390,
     True),
)


def _orgs(names) -> dict[str, Organization]:
    rows = db.session.scalars(select(Organization).where(Organization.name.in_(set(names))))
    return {org.name: org for org in rows}


def _act(user):
    audit.set_actor(user)
    return user


def _seed_incubation(users: dict, today) -> None:
    if db.session.scalar(select(Incubator.id).where(Incubator.name == "南充市社会组织孵化基地")):
        return
    orgs = _orgs([CITY_HUB, "中城街道和谐邻里互助会"] + [row[0] for row in CITY_COHORT])
    if not orgs:
        return
    city = _act(users["city"])
    hub = orgs.get(CITY_HUB)
    base = inc.save_incubator(city, {
        "name": "南充市社会组织孵化基地", "region_code": "511300",
        "operator_id": hub.id if hub else None, "address": "南充市顺庆区滨江中路 1 号",
        "description": "由市社会组织联合会承接运营，为初创期社会组织提供场地、培训、导师"
                       "和公益创投对接。"})
    last = today.year - 1
    intakes = {
        "past": inc.save_intake(city, base, {
            "year": last, "title": "第一期", "opens_on": today.replace(year=last, month=1, day=5),
            "closes_on": today.replace(year=last, month=1, day=31), "capacity": 5}),
        "open": inc.save_intake(city, base, {
            "year": today.year, "title": "第二期", "opens_on": today - timedelta(days=20),
            "closes_on": today + timedelta(days=30), "capacity": 4}),
    }
    start = today.replace(year=last, month=3, day=1)
    for name, which, final in CITY_COHORT:
        org = orgs.get(name)
        if org is None or org.status in inc.CLOSED_ORG_STATUSES:
            continue
        plan = f"{name}拟开展社区公益服务项目，申请入驻孵化。"
        item = inc.apply(city, intakes[which], org.id, plan)
        _advance(city, item, final, start if which == "past" else today - timedelta(days=3),
                 today)
    community = orgs.get("中城街道和谐邻里互助会")
    if community is not None and "shunqing" in users:
        official = _act(users["shunqing"])
        local = inc.save_incubator(official, {
            "name": "顺庆区社区社会组织孵化园", "region_code": "511302",
            "address": "顺庆区中城街道文化路 8 号"})
        intake = inc.save_intake(official, local, {
            "year": today.year, "title": "社区社会组织专场", "opens_on": today - timedelta(days=60),
            "closes_on": today - timedelta(days=10), "capacity": 3})
        item = inc.apply(official, intake, community.id, "邻里互助、矛盾调解志愿服务。")
        _advance(official, item, "admitted", today - timedelta(days=5), today)


def _advance(user, item, final: str, start, today) -> None:
    """Move a demo application through the workflow up to final."""
    if final == "applied":
        return
    inc.start_review(user, item, "材料齐全，进入评审")
    if final == "under_review":
        return
    inc.record_score(user, item, 62 if final == "rejected" else 86, "评审组综合打分")
    if final == "rejected":
        inc.reject(user, item, "服务方向与本期孵化重点不符，建议明年再申请")
        return
    inc.admit(user, item, start_on=start, mentor="周老师（市社会工作协会）",
              agreement_no=f"FH-{start.year}-{item.id:03d}")
    inc.add_milestone(user, item, "完成组织章程与内部管理制度", start + timedelta(days=60))
    inc.add_milestone(user, item, "独立开展一次公益服务项目", start + timedelta(days=200))
    if final == "admitted":
        return
    inc.complete_milestone(user, item.milestones[0], start + timedelta(days=55))
    if final == "exited":
        inc.finish(user, item, "exit", start + timedelta(days=120), "负责人工作变动，主动申请退出")
        return
    inc.mid_review(user, item, 80, "项目推进正常，财务制度已建立")
    if final == "graduated":
        inc.complete_milestone(user, item.milestones[1], start + timedelta(days=190))
        inc.finish(user, item, "graduate", min(today, start + timedelta(days=330)),
                   "完成孵化目标，已登记成立")


def _seed_trainings(users: dict, today) -> None:
    orgs = _orgs([name for row in TRAININGS for name, _ in row[5]])
    if not orgs:
        return
    by_region = {"511300": "city", "511302": "shunqing", "511303": "gaoping"}
    for title, region, days, minutes, place, people in TRAININGS:
        if db.session.scalar(select(Training.id).where(Training.title == title)):
            continue
        official = _act(users.get(by_region[region]) or users["city"])
        training = support.save_training(official, {
            "title": title, "region_code": region, "held_on": today - timedelta(days=days),
            "minutes": minutes, "place": place, "organizer": "南充市民政局"})
        for name, person in people:
            org = orgs.get(name)
            if org is not None and org.status not in inc.CLOSED_ORG_STATUSES:
                support.add_attendance(official, training, org.id, person)


def _seed_grants(users: dict, today) -> None:
    orgs = _orgs([row[0] for row in GRANTS])
    for name, kind, yuan, purpose, source, days, paid in GRANTS:
        org = orgs.get(name)
        if org is None or db.session.scalar(select(Grant.id).where(
                Grant.organization_id == org.id, Grant.purpose == purpose)):
            continue
        official = _act(users.get("shunqing" if org.region_code.startswith("511302")
                                  else "gaoping") or users["city"])
        granted_on = today - timedelta(days=days)
        grant = support.record_grant(official, {
            "organization_id": org.id, "grant_type": kind, "amount_fen": yuan * 100,
            "purpose": purpose, "source": source, "granted_on": granted_on})
        if paid:
            support.pay_grant(official, grant, granted_on + timedelta(days=15),
                              f"GK{granted_on:%Y%m%d}{grant.id:03d}")


def seed(users: dict) -> list:
    """Create demo rows if missing; returns extra demo logins (none)."""
    today = today_local()
    _seed_incubation(users, today)
    _seed_trainings(users, today)
    _seed_grants(users, today)
    audit.set_actor(None)
    db.session.flush()
    return []
