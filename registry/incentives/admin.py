"""Back-office views for the incentives."""

from registry.admin import ScopedModelView
from registry.incentives.models import (
    DEED_STATUSES,
    REPORT_CATEGORIES,
    REPORT_STATUSES,
    REWARD_STATUSES,
    Benefit,
    BenefitClaim,
    Deed,
    MoralRule,
    Report,
)
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN

# --- issue 11 (i11-reports): reports, moral bank, benefits — read-only: every move goes through
# the pages and the API, which apply the rules (four eyes, 公示, rewards, quotas). ---
CATEGORY = "激励措施"
STAFF = (STATION_ADMIN, COUNTY_OFFICIAL, CITY_OFFICIAL)


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


class ReportView(IncentiveReadOnlyView):
    # Never the reporter's account or contact, not even masked: only the report page shows it.
    column_list = ("id", "created_at", "category", "township_code", "status",
                   "reward_points", "reward_fen", "reward_status")
    column_details_list = column_list + ("description", "reported_party", "duplicate_of_id",
                                         "outcome_comment", "decided_at")
    column_filters = ("status", "category", "township_code")
    column_labels = {"id": "编号", "created_at": "受理时间(UTC)", "category": "类别",
                     "township_code": "乡镇代码", "status": "状态", "reward_points": "奖励积分",
                     "reward_fen": "奖金（分）", "reward_status": "奖励状态",
                     "description": "举报内容", "reported_party": "被举报对象",
                     "duplicate_of_id": "重复于", "outcome_comment": "核实意见",
                     "decided_at": "办结时间(UTC)"}

    def __init__(self, *args, **kwargs):
        self.column_formatters = {"status": _label(REPORT_STATUSES),
                                  "category": _label(REPORT_CATEGORIES),
                                  "reward_status": _label(REWARD_STATUSES)}
        super().__init__(*args, **kwargs)


class MoralRuleView(IncentiveReadOnlyView):
    column_list = ("id", "county_code", "category", "deed", "points", "effective_from",
                   "effective_to")
    column_filters = ("county_code", "category")
    column_labels = {"id": "编号", "county_code": "县代码", "category": "类别",
                     "deed": "善行事项", "points": "分值", "effective_from": "生效日期",
                     "effective_to": "失效日期"}


class DeedView(IncentiveReadOnlyView):
    column_list = ("id", "township_code", "volunteer_id", "category", "points", "deed_date",
                   "status", "publicized_until")
    column_filters = ("status", "township_code", "category")
    column_labels = {"id": "编号", "township_code": "乡镇代码", "volunteer_id": "居民编号",
                     "category": "类别", "points": "分值", "deed_date": "善行日期",
                     "status": "状态", "publicized_until": "公示至(UTC)"}

    def __init__(self, *args, **kwargs):
        self.column_formatters = {"status": _label(DEED_STATUSES)}
        super().__init__(*args, **kwargs)


class BenefitView(IncentiveReadOnlyView):
    column_list = ("id", "provider", "title", "min_star", "min_hours", "quota", "claimed",
                   "valid_from", "valid_to")
    column_labels = {"id": "编号", "provider": "提供单位", "title": "反哺内容",
                     "min_star": "最低星级", "min_hours": "最低时长", "quota": "名额",
                     "claimed": "已领", "valid_from": "开始", "valid_to": "截止"}


class BenefitClaimView(IncentiveReadOnlyView):
    column_list = ("id", "benefit_id", "volunteer_id", "township_code", "status",
                   "claimed_at", "used_at")
    column_filters = ("status", "township_code")
    column_labels = {"id": "编号", "benefit_id": "项目", "volunteer_id": "志愿者编号",
                     "township_code": "乡镇代码", "status": "状态", "claimed_at": "领取时间",
                     "used_at": "使用时间"}


def admin_views() -> list:
    return [
        ReportView(Report, name="举报", category=CATEGORY),
        MoralRuleView(MoralRule, name="道德银行规则", category=CATEGORY),
        DeedView(Deed, name="善行", category=CATEGORY),
        BenefitView(Benefit, name="公益反哺项目", category=CATEGORY),
        BenefitClaimView(BenefitClaim, name="公益反哺领取", category=CATEGORY),
    ]
