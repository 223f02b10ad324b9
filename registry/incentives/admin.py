"""Back-office views for the incentives."""

from registry.admin import ScopedModelView
from registry.i18n import lazy_gettext as _l
from registry.incentives.models import (
    DEED_STATUSES,
    REDEMPTION_STATUSES,
    REPORT_CATEGORIES,
    REPORT_STATUSES,
    REWARD_STATUSES,
    Benefit,
    BenefitClaim,
    Deed,
    Household,
    HouseholdMember,
    MoralRule,
    PointsStore,
    Redemption,
    Report,
    StoreItem,
    StoreRestock,
)
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN
from registry.points.models import HouseholdPointsEntry

# ---- 积分超市 and 户积分 (issue 11): read-only; every change goes through the store pages and
# the API, which apply the rules (guarded stock and points, same-day cancellation) -----------

STORE_CATEGORY = _l("积分超市")
STAFF = (STATION_ADMIN, COUNTY_OFFICIAL, CITY_OFFICIAL)



# --- issue 11 (i11-reports): reports, moral bank, benefits — read-only: every move goes through
# the pages and the API, which apply the rules (four eyes, 公示, rewards, quotas). ---
CATEGORY = _l("激励措施")


def _label(mapping):
    def format_(view, context, model, name):
        value = getattr(model, name)
        return mapping.get(value, value)

    return format_


class IncentiveReadOnlyView(ScopedModelView):
    allowed_roles = STAFF
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    column_default_sort = ("id", True)


StoreReadOnlyView = IncentiveReadOnlyView


class StoreView(StoreReadOnlyView):
    column_list = ("id", "name", "township_code", "address", "opening_hours")
    column_labels = {"id": _l("编号"), "name": _l("名称"), "township_code": _l("乡镇代码"),
                     "address": _l("地址"), "opening_hours": _l("营业时间")}


class ItemView(StoreReadOnlyView):
    column_list = ("id", "name", "points_price", "stock", "active", "township_code")
    column_filters = ("township_code", "active")
    column_labels = {"id": _l(
        "编号"), "name": _l("商品"), "points_price": _l("所需积分"), "stock": _l("库存"),
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
class ReportView(IncentiveReadOnlyView):
    # Never the reporter's account or contact, not even masked: only the report page shows it.
    column_list = ("id", "created_at", "category", "township_code", "status",
                   "reward_points", "reward_fen", "reward_status")
    column_details_list = column_list + ("description", "reported_party", "duplicate_of_id",
                                         "outcome_comment", "decided_at")
    column_filters = ("status", "category", "township_code")
    column_labels = {"id": _l("编号"), "created_at": _l("受理时间"), "category": _l("类别"),
                     "township_code": _l(
                         "乡镇代码"), "status": _l("状态"), "reward_points": _l("奖励积分"),
                     "reward_fen": _l("奖金（分）"), "reward_status": _l("奖励状态"),
                     "description": _l("举报内容"), "reported_party": _l("被举报对象"),
                     "duplicate_of_id": _l("重复于"), "outcome_comment": _l("核实意见"),
                     "decided_at": _l("办结时间")}

    def __init__(self, *args, **kwargs):
        self.column_formatters = {"status": _label(REPORT_STATUSES),
                                  "category": _label(REPORT_CATEGORIES),
                                  "reward_status": _label(REWARD_STATUSES)}
        super().__init__(*args, **kwargs)


class MoralRuleView(IncentiveReadOnlyView):
    column_list = ("id", "county_code", "category", "deed", "points", "effective_from",
                   "effective_to")
    column_filters = ("county_code", "category")
    column_labels = {"id": _l("编号"), "county_code": _l("县代码"), "category": _l("类别"),
                     "deed": _l("善行事项"), "points": _l("分值"), "effective_from": _l("生效日期"),
                     "effective_to": _l("失效日期")}


class DeedView(IncentiveReadOnlyView):
    column_list = ("id", "township_code", "volunteer_id", "category", "points", "deed_date",
                   "status", "publicized_until")
    column_filters = ("status", "township_code", "category")
    column_labels = {"id": _l(
        "编号"), "township_code": _l("乡镇代码"), "volunteer_id": _l("居民编号"),
                     "category": _l("类别"), "points": _l("分值"), "deed_date": _l("善行日期"),
                     "status": _l("状态"), "publicized_until": _l("公示至")}

    def __init__(self, *args, **kwargs):
        self.column_formatters = {"status": _label(DEED_STATUSES)}
        super().__init__(*args, **kwargs)


class BenefitView(IncentiveReadOnlyView):
    column_list = ("id", "provider", "title", "min_star", "min_hours", "quota", "claimed",
                   "valid_from", "valid_to")
    column_labels = {"id": _l("编号"), "provider": _l("提供单位"), "title": _l("反哺内容"),
                     "min_star": _l("最低星级"), "min_hours": _l("最低时长"), "quota": _l("名额"),
                     "claimed": _l("已领"), "valid_from": _l("开始"), "valid_to": _l("截止")}


class BenefitClaimView(IncentiveReadOnlyView):
    column_list = ("id", "benefit_id", "volunteer_id", "township_code", "status",
                   "claimed_at", "used_at")
    column_filters = ("status", "township_code")
    column_labels = {"id": _l("编号"), "benefit_id": _l("项目"), "volunteer_id": _l("志愿者编号"),
                     "township_code": _l(
                         "乡镇代码"), "status": _l("状态"), "claimed_at": _l("领取时间"),
                     "used_at": _l("使用时间")}


def admin_views() -> list:
    return [
        StoreView(PointsStore, name=_l("积分超市"), category=STORE_CATEGORY),
        ItemView(StoreItem, name=_l("商品"), category=STORE_CATEGORY),
        RestockView(StoreRestock, name=_l("补货记录"), category=STORE_CATEGORY),
        RedemptionView(Redemption, name=_l("兑换记录"), category=STORE_CATEGORY),
        HouseholdView(Household, name=_l("家庭户"), category=STORE_CATEGORY),
        MemberView(HouseholdMember, name=_l("家庭户成员"), category=STORE_CATEGORY),
        PoolEntryView(HouseholdPointsEntry, name=_l("户积分流水"), category=STORE_CATEGORY),
        ReportView(Report, name=_l("举报"), category=CATEGORY),
        MoralRuleView(MoralRule, name=_l("道德银行规则"), category=CATEGORY),
        DeedView(Deed, name=_l("善行"), category=CATEGORY),
        BenefitView(Benefit, name=_l("公益反哺项目"), category=CATEGORY),
        BenefitClaimView(BenefitClaim, name=_l("公益反哺领取"), category=CATEGORY),
    ]
