"""Back-office views for activities, sign-ups, service records, the points ledger and
certificates: scoped to the jurisdiction; everything but an activity's texts is read-only
(state changes go through the activity pages, which apply the rules)."""

from flask_login import current_user

from registry.activities.models import (
    ACTIVITY_STATUSES,
    REVIEW_STATUSES,
    SIGNUP_STATUSES,
    Activity,
    ServiceCertificate,
    ServiceCorrection,
    ServiceRecord,
    ServiceReview,
    Signup,
)
from registry.activities.service_rules import points_rate_error
from registry.admin import ScopedModelView
from registry.errors import NotAllowed, ValidationFailed
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN
from registry.points.models import KIND_LABELS, PointsLedgerEntry
from registry.validators import check_text

CATEGORY = _l("志愿活动")
STAFF = (STATION_ADMIN, COUNTY_OFFICIAL, CITY_OFFICIAL)


def _label(mapping):
    def format_(view, context, model, name):
        value = getattr(model, name)
        return mapping.get(value, value)

    return format_


class ReadOnlyView(ScopedModelView):
    allowed_roles = STAFF
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    column_default_sort = ("id", True)


class ActivityView(ReadOnlyView):
    can_edit = True
    column_list = ("id", "title", "station", "starts_at", "ends_at", "capacity",
                   "points_per_hour", "status")
    column_searchable_list = ("title",)
    column_filters = ("status", "township_code", "starts_at")
    column_labels = {"id": _l("编号"), "title": _l("活动名称"), "station": _l("服务站"),
                     "starts_at": _l("开始"), "ends_at": _l("结束"), "capacity": _l("招募人数"),
                     "points_per_hour": _l("每小时积分"),
                     "status": _l("状态"), "content": _l("活动内容"), "address": _l("地点"),
                     "township_code": _l("乡镇代码"), "category": _l("服务类别"),
                     "notice": _l("参加须知"), "suitable_for_minors": _l("适合未成年人参加")}
    # 适合未成年人参加 is changed on the activity's page only, where the rule is applied.
    form_columns = ("title", "content", "notice", "address")

    def __init__(self, *args, **kwargs):
        self.column_formatters = {"status": _label(ACTIVITY_STATUSES)}
        super().__init__(*args, **kwargs)

    def check_model(self, form, model, is_created) -> None:
        if current_user.role != STATION_ADMIN or current_user.region_code != model.township_code:
            raise NotAllowed(_("只有组织该活动的志愿服务站管理员可以修改"))
        model.title = check_text(model.title, "title", _("活动名称"), max_length=100)
        model.content = check_text(model.content, "content", _("活动内容"), required=False,
                                   max_length=5000)
        model.notice = check_text(model.notice, "notice", _("参加须知"), required=False,
                                  max_length=2000)
        model.address = check_text(model.address, "address", _("活动地点"), max_length=200)
        # The rate is not editable here, but a row saved here still obeys the city's maximum.
        rate_error = points_rate_error(model.points_per_hour)
        if rate_error:
            raise ValidationFailed(rate_error, "points_per_hour")


class SignupView(ReadOnlyView):
    column_list = ("id", "activity", "volunteer", "status", "walk_in", "check_in_at",
                   "check_out_at", "created_at")
    column_filters = ("status", "activity_id", "walk_in")
    column_labels = {"id": _l("编号"), "activity": _l("活动"), "volunteer": _l("志愿者"),
                     "status": _l("状态"),
                     "walk_in": _l("现场参加"), "check_in_at": _l("签到"),
                                   "check_out_at": _l("签退"),
                     "created_at": _l("报名时间"), "activity_id": _l("活动编号")}

    def __init__(self, *args, **kwargs):
        self.column_formatters = {"status": _label(SIGNUP_STATUSES)}
        super().__init__(*args, **kwargs)


class ServiceRecordView(ReadOnlyView):
    column_list = ("id", "activity", "volunteer", "station", "minutes", "points", "walk_in",
                   "walk_in_reason", "change_reason", "confirmed_at")
    column_filters = ("activity_id", "volunteer_id", "station_id", "confirmed_at")
    column_labels = {"id": _l(
        "编号"), "activity": _l("活动"), "volunteer": _l("志愿者"), "station": _l("服务站"),
                     "minutes": _l(
                         "首次确认分钟"), "points": _l("首次积分"), "walk_in": _l("现场参加"),
                     "change_reason": _l("修改原因"), "confirmed_at": _l("确认时间"),
                     "walk_in_reason": _l("现场参加原因"),
                     "activity_id": _l("活动编号"), "volunteer_id": _l("志愿者编号"),
                     "station_id": _l("服务站编号")}


class ServiceCorrectionView(ReadOnlyView):
    column_list = ("id", "record_id", "delta_minutes", "minutes_after", "delta_points", "reason",
                   "created_by", "created_at")
    column_filters = ("record_id", "volunteer_id", "created_at")
    column_labels = {"id": _l("编号"), "record_id": _l("服务记录"), "delta_minutes": _l("分钟变化"),
                     "minutes_after": _l("更正后分钟"), "delta_points": _l("积分变化"),
                                         "reason": _l("原因"),
                     "created_by": _l("操作人编号"), "created_at": _l("时间"),
                     "volunteer_id": _l("志愿者编号")}


class ServiceReviewView(ReadOnlyView):
    """Four-eyes reviews (decided on the activity pages, /activities/approvals)."""

    column_list = ("id", "record_id", "correction_id", "volunteer", "minutes", "delta_points",
                   "grounds", "status", "requested_by", "decided_by", "decision_reason")
    column_filters = ("status", "record_id", "volunteer_id", "township_code")
    column_labels = {"id": _l("编号"), "record_id": _l("服务记录"), "correction_id": _l("更正"),
                     "volunteer": _l(
                         "志愿者"), "minutes": _l("审核后分钟"), "delta_points": _l("积分变化"),
                     "grounds": _l(
                         "审核原因"), "status": _l("状态"), "requested_by": _l("录入人编号"),
                     "decided_by": _l("审核人编号"), "decision_reason": _l("审核意见"),
                     "volunteer_id": _l("志愿者编号"), "township_code": _l("乡镇代码")}

    def __init__(self, *args, **kwargs):
        self.column_formatters = {"status": _label(REVIEW_STATUSES)}
        super().__init__(*args, **kwargs)


class LedgerEntryView(ReadOnlyView):
    column_list = ("id", "volunteer", "kind", "points", "balance_after", "memo", "ref",
                   "created_at")
    column_filters = ("kind", "volunteer_id", "created_at")
    column_labels = {"id": _l("编号"), "volunteer": _l("志愿者"), "kind": _l("类型"),
                     "points": _l("积分"),
                     "balance_after": _l("余额"), "memo": _l("说明"), "ref": _l("来源"),
                     "created_at": _l("时间"),
                     "volunteer_id": _l("志愿者编号")}

    def __init__(self, *args, **kwargs):
        self.column_formatters = {"kind": _label(KIND_LABELS)}
        super().__init__(*args, **kwargs)


class CertificateView(ReadOnlyView):
    column_list = ("serial", "volunteer", "issuer", "total_minutes", "record_count", "issued_on")
    column_searchable_list = ("serial",)
    column_filters = ("issued_on", "station_id")
    column_labels = {"serial": _l("证明编号"), "volunteer": _l("志愿者"), "issuer": _l("出具单位"),
                     "total_minutes": _l("服务分钟"), "record_count": _l("记录条数"),
                     "issued_on": _l("出具日期"),
                     "station_id": _l("服务站编号"), "signature": _l("签名")}
    column_details_exclude_list = ("signature",)


def admin_views() -> list:
    return [
        ActivityView(Activity, name=_l("活动"), category=CATEGORY),
        SignupView(Signup, name=_l("报名"), category=CATEGORY),
        ServiceRecordView(ServiceRecord, name=_l("服务记录"), category=CATEGORY),
        ServiceCorrectionView(ServiceCorrection, name=_l("服务记录更正"), category=CATEGORY),
        ServiceReviewView(ServiceReview, name=_l("服务时长审核"), category=CATEGORY),
        LedgerEntryView(PointsLedgerEntry, name=_l("积分流水"), category=CATEGORY),
        CertificateView(ServiceCertificate, name=_l("服务记录证明"), category=CATEGORY),
    ]
