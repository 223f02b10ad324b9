"""Back-office views for the incentives."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry.admin import ScopedModelView
from registry.incentives.models import (
    REDEMPTION_STATUSES,
    Household,
    HouseholdMember,
    PointsStore,
    Redemption,
    StoreItem,
    StoreRestock,
)
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN
from registry.points.models import HouseholdPointsEntry

# ---- 积分超市 and 户积分 (issue 11): read-only; every change goes through the store pages and
# the API, which apply the rules (guarded stock and points, same-day cancellation) -----------

STORE_CATEGORY = _l("积分超市")
STAFF = (STATION_ADMIN, COUNTY_OFFICIAL, CITY_OFFICIAL)


class StoreReadOnlyView(ScopedModelView):
    allowed_roles = STAFF
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    column_default_sort = ("id", True)


class StoreView(StoreReadOnlyView):
    column_list = ("id", "name", "township_code", "address", "opening_hours")
    column_labels = {"id": _l("编号"), "name": _l("名称"), "township_code": _l("乡镇代码"),
                     "address": _l("地址"), "opening_hours": _l("营业时间")}


class ItemView(StoreReadOnlyView):
    column_list = ("id", "name", "points_price", "stock", "active", "township_code")
    column_filters = ("township_code", "active")
    column_labels = {"id": _l(
        "编号"), "name": _l("商品"), "points_price": _l("兑换积分"), "stock": _l("库存"),
                     "active": _l("在架"), "township_code": _l("乡镇代码")}


class RestockView(StoreReadOnlyView):
    column_list = ("id", "item_id", "quantity", "stock_after", "creator", "created_at", "memo")
    column_filters = ("township_code",)
    column_labels = {"id": _l("编号"), "item_id": _l("商品编号"), "quantity": _l("数量"),
                     "stock_after": _l(
                         "补后库存"), "creator": _l("经办人"), "created_at": _l("时间"),
                     "memo": _l("备注")}


class RedemptionView(StoreReadOnlyView):
    column_list = ("id", "item_name", "quantity", "points", "status", "store_township_code",
                   "payer_township_code", "created_at")
    column_filters = ("status", "store_township_code", "payer_township_code")
    column_labels = {"id": _l(
        "编号"), "item_name": _l("商品"), "quantity": _l("数量"), "points": _l("积分"),
                     "status": _l("状态"), "store_township_code": _l("超市所在乡镇"),
                     "payer_township_code": _l("积分获得地"), "created_at": _l("时间")}
    column_formatters = {"status": lambda v, c, m, n: REDEMPTION_STATUSES.get(m.status,
                                                                             m.status)}


class HouseholdView(StoreReadOnlyView):
    column_list = ("id", "name", "township_code", "head", "created_at")
    column_labels = {"id": _l(
        "编号"), "name": _l("户名"), "township_code": _l("乡镇代码"), "head": _l("户主"),
                     "created_at": _l("登记时间")}


class MemberView(StoreReadOnlyView):
    column_list = ("id", "household_id", "volunteer", "is_head", "joined_at", "left_at")
    column_labels = {"id": _l("编号"), "household_id": _l("户编号"), "volunteer": _l("成员"),
                     "is_head": _l(
                         "户主"), "joined_at": _l("加入"), "left_at": _l("退出")}


class PoolEntryView(StoreReadOnlyView):
    column_list = ("id", "household_id", "kind", "points", "balance_after", "memo",
                   "created_at")
    column_filters = ("kind",)
    column_labels = {"id": _l(
        "编号"), "household_id": _l("户编号"), "kind": _l("类型"), "points": _l("积分"),
                     "balance_after": _l("余额"), "memo": _l("说明"), "created_at": _l("时间")}
# ---- end of the store views --------------------------------------------------------------


def admin_views() -> list:
    return [
        StoreView(PointsStore, name=_("积分超市"), category=STORE_CATEGORY),
        ItemView(StoreItem, name=_("商品"), category=STORE_CATEGORY),
        RestockView(StoreRestock, name=_("补货记录"), category=STORE_CATEGORY),
        RedemptionView(Redemption, name=_("兑换记录"), category=STORE_CATEGORY),
        HouseholdView(Household, name=_("家庭户"), category=STORE_CATEGORY),
        MemberView(HouseholdMember, name=_("家庭户成员"), category=STORE_CATEGORY),
        PoolEntryView(HouseholdPointsEntry, name=_("户积分流水"), category=STORE_CATEGORY),
    ]
