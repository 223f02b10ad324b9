"""Back-office views for the incentives."""

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

STORE_CATEGORY = "积分超市"
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
    column_labels = {"id": "编号", "name": "名称", "township_code": "乡镇代码",
                     "address": "地址", "opening_hours": "营业时间"}


class ItemView(StoreReadOnlyView):
    column_list = ("id", "name", "points_price", "stock", "active", "township_code")
    column_filters = ("township_code", "active")
    column_labels = {"id": "编号", "name": "商品", "points_price": "兑换积分", "stock": "库存",
                     "active": "在架", "township_code": "乡镇代码"}


class RestockView(StoreReadOnlyView):
    column_list = ("id", "item_id", "quantity", "stock_after", "creator", "created_at", "memo")
    column_filters = ("township_code",)
    column_labels = {"id": "编号", "item_id": "商品编号", "quantity": "数量",
                     "stock_after": "补后库存", "creator": "经办人", "created_at": "时间(UTC)",
                     "memo": "备注"}


class RedemptionView(StoreReadOnlyView):
    column_list = ("id", "item_name", "quantity", "points", "status", "store_township_code",
                   "payer_township_code", "created_at")
    column_filters = ("status", "store_township_code", "payer_township_code")
    column_labels = {"id": "编号", "item_name": "商品", "quantity": "数量", "points": "积分",
                     "status": "状态", "store_township_code": "超市所在乡镇",
                     "payer_township_code": "积分获得地", "created_at": "时间(UTC)"}
    column_formatters = {"status": lambda v, c, m, n: REDEMPTION_STATUSES.get(m.status,
                                                                             m.status)}


class HouseholdView(StoreReadOnlyView):
    column_list = ("id", "name", "township_code", "head", "created_at")
    column_labels = {"id": "编号", "name": "户名", "township_code": "乡镇代码", "head": "户主",
                     "created_at": "登记时间(UTC)"}


class MemberView(StoreReadOnlyView):
    column_list = ("id", "household_id", "volunteer", "is_head", "joined_at", "left_at")
    column_labels = {"id": "编号", "household_id": "户编号", "volunteer": "成员",
                     "is_head": "户主", "joined_at": "加入(UTC)", "left_at": "退出(UTC)"}


class PoolEntryView(StoreReadOnlyView):
    column_list = ("id", "household_id", "kind", "points", "balance_after", "memo",
                   "created_at")
    column_filters = ("kind",)
    column_labels = {"id": "编号", "household_id": "户编号", "kind": "类型", "points": "积分",
                     "balance_after": "余额", "memo": "说明", "created_at": "时间(UTC)"}
# ---- end of the store views --------------------------------------------------------------


def admin_views() -> list:
    return [
        StoreView(PointsStore, name="积分超市", category=STORE_CATEGORY),
        ItemView(StoreItem, name="商品", category=STORE_CATEGORY),
        RestockView(StoreRestock, name="补货记录", category=STORE_CATEGORY),
        RedemptionView(Redemption, name="兑换记录", category=STORE_CATEGORY),
        HouseholdView(Household, name="家庭户", category=STORE_CATEGORY),
        MemberView(HouseholdMember, name="家庭户成员", category=STORE_CATEGORY),
        PoolEntryView(HouseholdPointsEntry, name="户积分流水", category=STORE_CATEGORY),
    ]
