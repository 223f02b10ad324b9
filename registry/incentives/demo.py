"""Demo data for the incentives."""

from datetime import date, timedelta

from sqlalchemy import select

from registry import accounts, audit
from registry.clock import today_local, utcnow
from registry.demo import DEMO_PASSWORD
from registry.extensions import db
from registry.incentives import benefits, deeds, households, redemptions, reports, store
from registry.incentives.models import Benefit, Deed, MoralRule, PointsStore, Report
from registry.models import User
from registry.points import ledger
from registry.volunteers.models import Station, Volunteer

# ---- 积分超市, redemptions, households, settlement (issue 11) ------------------------------
# township, its station admin, the items (name, points, stock, description)
STORES = (
    ("511302001", "zhongcheng", (("大米 5 公斤", 90, 20, "本地产优质大米"),
                                 ("食用油 1.8 升", 60, 15, ""),
                                 ("洗衣液", 25, 30, "2 公斤装"),
                                 ("牙膏", 5, 50, ""))),
    ("511302002", "beicheng", (("毛巾两条装", 15, 40, ""),
                               ("理发服务券", 20, 10, "合作理发店，当月有效"),
                               ("鸡蛋一盒", 30, 0, "每周五补货"))),
)


def _volunteer(name: str, township: str) -> Volunteer | None:
    return db.session.scalar(select(Volunteer).where(
        Volunteer.name == name, Volunteer.township_code == township,
        Volunteer.status == "active"))


def _topped_up(volunteer: Volunteer, to: int) -> None:
    """Give a demo volunteer enough points to show the store (once: the ref is unique)."""
    missing = to - ledger.balance(volunteer).balance
    if missing > 0:
        ledger.credit(volunteer, missing, "adjust", "演示：往期服务积分补记",
                      f"demo-store:{volunteer.id}")


def seed_store(users: dict) -> None:
    if db.session.scalar(select(PointsStore.id).limit(1)) is not None:
        return
    items = {}
    for township, username, rows in STORES:
        admin = users.get(username)
        station = db.session.scalar(select(Station).where(Station.township_code == township))
        if admin is None or station is None:
            return
        audit.set_actor(admin)
        shop = store.store_of_station(station)
        shop.opening_hours = "周一至周五 9:00–17:00"
        for name, price, stock, description in rows:
            items[name] = store.create_item(admin, {"name": name, "points_price": price,
                                                    "stock": stock, "description": description})
    zhang, wang = _volunteer("张伟", "511302001"), _volunteer("王芳", "511302001")
    zhao = _volunteer("赵敏", "511302002")
    if not (zhang and wang and zhao and zhang.user and zhao.user):
        return
    for person in (zhang, wang, zhao):
        _topped_up(person, 300)
    counter = users["zhongcheng"]
    audit.set_actor(counter)
    redemptions.redeem(counter, zhang, items["大米 5 公斤"], 1)              # fulfilled
    redemptions.redeem(zhang.user, zhang, items["洗衣液"], 2)                # reserved
    wrong = redemptions.redeem(counter, zhang, items["牙膏"], 3)
    redemptions.cancel(counter, wrong, "拿错了商品")                          # cancelled
    redemptions.redeem(counter, zhao, items["食用油 1.8 升"], 1)              # cross-township
    audit.set_actor(users["beicheng"])
    redemptions.redeem(users["beicheng"], zhang, items["毛巾两条装"], 2)       # cross-township
    household = households.create_household(counter, zhang, "张伟户")
    households.add_member(counter, household, wang)
    if wang.user:
        households.transfer_in(wang.user, wang, 40)
    households.transfer_in(zhang.user, zhang, 30)
    redemptions.redeem(zhang.user, zhang, items["牙膏"], 2, from_household=True)
    audit.set_actor(None)
# ---- end of the store demo ----------------------------------------------------------------






# ---------------------------------------------------------------------------------------------
# issue 11 (i11-reports): reports in every state, rules, deeds (pending, on 公示, objected,
# credited), a benefit with claims and its provider's account.
# ---------------------------------------------------------------------------------------------
RULES = {
    "shunqing": (("孝老爱亲", "照料孤寡、高龄老人", 20), ("环境卫生", "参加村（社区）环境整治", 10),
                 ("邻里互助", "调解邻里纠纷", 10), ("邻里互助", "拾金不昧（归还失物）", 5),
                 ("移风易俗", "婚事新办、丧事简办", 10)),
    "gaoping": (("孝老爱亲", "照料孤寡、高龄老人", 20), ("环境卫生", "庭院整洁", 2)),
}
PROVIDER = ("jialingjiang", "嘉陵江风景区 票务处")


def _rules(users: dict) -> None:
    for official, lines in RULES.items():
        user = users[official]
        if db.session.scalar(select(MoralRule.id).where(MoralRule.county_code == user.region_code)):
            continue
        audit.set_actor(user)
        for category, deed, points in lines:
            deeds.save_rule(user, {"category": category, "deed": deed, "points": points,
                                   "effective_from": date(2025, 1, 1), "effective_to": None})


def _deeds(users: dict) -> None:
    if db.session.scalar(select(Deed.id).limit(1)):
        return
    admin, official = users["zhongcheng"], users["shunqing"]
    rules = {r.deed: r.id for r in db.session.scalars(select(MoralRule).where(
        MoralRule.county_code == "511302"))}
    today = today_local()
    plan = (  # person, rule, days ago, description, what happens after recording
        ("陈静", "照料孤寡、高龄老人", 20, "长期照料独居的 86 岁老人。", "credited"),
        ("张伟", "调解邻里纠纷", 5, "调解了和平社区两户人家因漏水引起的纠纷。", "publicized"),
        ("王芳", "拾金不昧（归还失物）", 3, "在公交站捡到钱包，交还失主。", "publicized"),
        ("李娜", "参加村（社区）环境整治", 2, "参加周末河道垃圾清理。", "objected"),
        ("张伟", "婚事新办、丧事简办", 1, "儿子婚礼简办，不收礼金。", "pending"),
    )
    for name, rule, ago, text, outcome in plan:
        person = _volunteer(name, "511302001")
        if person is None:
            continue
        audit.set_actor(admin)
        deed = deeds.record(admin, {"volunteer_id": person.id, "rule_id": rules[rule],
                                    "deed_date": today - timedelta(days=ago),
                                    "description": text})
        if outcome == "pending":
            continue
        audit.set_actor(official)
        deeds.approve(official, deed, "经核实，情况属实")
        if outcome == "credited":
            deed.publicized_until = utcnow() - timedelta(hours=1)
            db.session.flush()
            deeds.credit_due()
        elif outcome == "objected":
            deeds.object_to(deed.id, "该户当天并未参加清理，请核实。")
    baita = users["baita"]
    person = _volunteer("胡婷", "511303001")
    rule = db.session.scalar(select(MoralRule.id).where(MoralRule.county_code == "511303"))
    if person and rule:
        audit.set_actor(baita)
        deeds.record(baita, {"volunteer_id": person.id, "rule_id": rule,
                             "deed_date": today - timedelta(days=1),
                             "description": "照料同村独居老人。"})


def _reports(users: dict) -> None:
    if db.session.scalar(select(Report.id).limit(1)):
        return
    official = users["shunqing"]
    named = db.session.scalar(select(User).join(Volunteer, Volunteer.user_id == User.id).where(
        Volunteer.name == "王芳"))
    plan = (  # category, township, text, contact, named?, what happens
        ("illegal_organization", "511302001", "有人以“南充国学研究会”名义在小区招收会员、收取会费，"
         "未见登记证书。", "13800009001", False, "upheld_points"),
        ("illegal_organization", "511302001", "小区里有“国学研究会”收会费，疑似非法组织。", "",
         False, "duplicate"),
        ("safety_hazard", "511302001", "和平路老旧小区消防通道长期被杂物堵塞。", "", True,
         "upheld_named"),
        ("public_order", "511302002", "夜间烧烤摊占道经营、噪音扰民。", "", False, "rejected"),
        ("environment", "511302002", "河边有人倾倒建筑垃圾。", "微信 hebian2026", False,
         "upheld_cash"),
        ("safety_hazard", "511302004", "菜市场燃气罐露天堆放。", "", False, "paid"),
        ("environment", "511302001", "小区化粪池外溢。", "", False, "investigating"),
        ("other", "511302001", "社区公告栏被小广告覆盖。", "", False, "submitted"),
        ("safety_hazard", "511303001", "白塔街道一处广告牌松动。", "13800009002", False,
         "submitted"),
    )
    first = None
    for category, township, text, contact, is_named, outcome in plan:
        audit.set_actor(None)
        report = reports.submit({"category": category, "township_code": township,
                                 "description": text, "contact": contact},
                                reporter=named if is_named else None)
        handler = official if township.startswith("511302") else users["gaoping"]
        audit.set_actor(handler)
        if outcome == "investigating":
            reports.investigate(handler, report, "已转街道核查")
        elif outcome == "upheld_points":
            reports.verify(handler, report, "upheld", reward_points=50, comment="经查属实，已取缔")
            first = report
        elif outcome == "upheld_named":
            reports.verify(handler, report, "upheld", reward_points=30, comment="已清理")
        elif outcome == "duplicate" and first is not None:
            reports.mark_duplicate(handler, report, first.tracking_code, "与前一件为同一事项")
        elif outcome == "rejected":
            reports.verify(handler, report, "rejected", comment="现场核查未发现占道经营")
        elif outcome in ("upheld_cash", "paid"):
            reports.verify(handler, report, "upheld", reward_fen=20000, comment="经查属实")
            if outcome == "paid":
                report.reward_status = "approved"
                reports.mark_paid(handler, report, "已在街道办发放")


def _benefits(users: dict) -> list:
    provider = db.session.scalar(select(User).where(User.username == PROVIDER[0]))
    if provider is None:
        provider, _ = accounts.create_user(PROVIDER[0], DEMO_PASSWORD, "unassigned", "511300",
                                           PROVIDER[1])
    logins = [(PROVIDER[0], DEMO_PASSWORD, "公益反哺提供单位（核销领取码）")]
    if db.session.scalar(select(Benefit.id).limit(1)):
        return logins
    city = users["city"]
    audit.set_actor(city)
    today = today_local()
    open_to_all = benefits.publish(city, {
        "provider": "嘉陵江风景区", "title": "志愿者免费游览一次",
        "details": "凭领取码在售票处换票",
        "min_star": 0, "min_hours": 0, "quota": 50, "valid_from": today - timedelta(days=10),
        "valid_to": today + timedelta(days=80), "provider_login": PROVIDER[0]})
    benefits.publish(city, {
        "provider": "南充市中心医院体检中心", "title": "三星志愿者免费体检", "details": "",
        "min_star": 3, "min_hours": 0, "quota": 20, "valid_from": today - timedelta(days=10),
        "valid_to": today + timedelta(days=170), "provider_login": ""})
    used = None
    for name in ("张伟", "王芳"):
        person = _volunteer(name, "511302001")
        if person is not None and person.status == "active":
            row = benefits.claim(person, open_to_all)
            used = used or row
    if used is not None:
        audit.set_actor(provider)
        benefits.confirm_use(provider, used.code)
    return logins


def seed_reports_deeds_benefits(users: dict) -> list:
    try:
        _rules(users)
        _deeds(users)
        _reports(users)
        logins = _benefits(users)
        db.session.flush()
    finally:
        audit.set_actor(None)  # later writes in this process are not theirs
    return logins


def seed(users: dict) -> list:
    seed_store(users)
    db.session.flush()
    return seed_reports_deeds_benefits(users)
