"""Demo data for the incentives."""

from sqlalchemy import select

from registry import audit
from registry.extensions import db
from registry.incentives import households, redemptions, store
from registry.incentives.models import PointsStore
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


def seed(users: dict) -> list:
    seed_store(users)
    db.session.flush()
    return []
