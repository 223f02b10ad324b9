"""Back-office views for incubation, training and grants: scoped lists, details and exports.

Changes go through the pages under /support (the domain rules and workflow live there), so these
views are read-only.
"""

from registry.admin import ScopedModelView
from registry.i18n import lazy_gettext as _l
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL
from registry.support.models import (
    GRANT_STATUSES,
    GRANT_TYPES,
    INCUBATION_STATUSES,
    Grant,
    Incubation,
    IncubationIntake,
    Incubator,
    Training,
    TrainingAttendance,
)

CATEGORY = _l("培育扶持")


def _yuan(view, context, model, name):
    return f"{getattr(model, name) / 100:,.2f}"


class ReadOnlySupportView(ScopedModelView):
    allowed_roles = (CITY_OFFICIAL, COUNTY_OFFICIAL)
    can_create = False
    can_edit = False
    can_view_details = True
    column_default_sort = ("id", True)


class IncubatorView(ReadOnlySupportView):
    column_list = ("id", "name", "region", "operator", "address", "created_at")
    column_searchable_list = ("name",)
    column_labels = {"id": _l("编号"), "name": _l("名称"), "region": _l("所属区划"),
                     "operator": _l("运营机构"),
                     "address": _l("地址"), "created_at": _l("创建时间"), "description": _l("简介")}


class IntakeView(ReadOnlySupportView):
    column_list = ("id", "incubator", "year", "title", "opens_on", "closes_on", "capacity")
    column_filters = ("year",)
    column_labels = {"id": _l("编号"), "incubator": _l("孵化基地"), "year": _l("年度"),
                     "title": _l("批次"),
                     "opens_on": _l("报名开始"), "closes_on": _l("报名截止"),
                                    "capacity": _l("计划入驻")}


class IncubationView(ReadOnlySupportView):
    column_list = ("id", "organization", "incubator", "intake", "status", "score", "start_on",
                   "end_on", "mentor", "mid_score", "finished_on")
    column_filters = ("status",)
    column_labels = {"id": _l("编号"), "organization": _l("申请组织"), "incubator": _l("孵化基地"),
                     "intake": _l("批次"), "status": _l("状态"), "score": _l("评审得分"),
                     "start_on": _l("孵化开始"), "end_on": _l("孵化结束"), "mentor": _l("导师"),
                     "mid_score": _l("中期得分"), "finished_on": _l("结业/退出日期")}
    column_formatters = {"status": lambda v, c, m, n: INCUBATION_STATUSES.get(m.status, m.status)}


class TrainingView(ReadOnlySupportView):
    column_list = ("id", "held_on", "title", "region", "minutes", "place", "organizer")
    column_searchable_list = ("title",)
    column_labels = {"id": _l("编号"), "held_on": _l("日期"), "title": _l("培训名称"),
                     "region": _l("面向区划"),
                     "minutes": _l("时长（分钟）"), "place": _l("地点"),
                                   "organizer": _l("主办单位")}


class AttendanceView(ReadOnlySupportView):
    column_list = ("id", "training", "organization", "person_name", "created_at")
    column_searchable_list = ("person_name",)
    column_labels = {"id": _l("编号"), "training": _l("培训"), "organization": _l("所属组织"),
                     "person_name": _l("姓名"), "created_at": _l("登记时间")}


class GrantView(ReadOnlySupportView):
    column_list = ("id", "organization", "region", "grant_type", "amount_fen", "purpose",
                   "source", "granted_on", "status", "paid_on", "payment_ref")
    column_filters = ("year", "grant_type", "status")
    column_labels = {"id": _l("编号"), "organization": _l("受助组织"), "region": _l("区划"),
                     "grant_type": _l("类型"), "amount_fen": _l("金额（元）"),
                                      "purpose": _l("用途"),
                     "source": _l("资金来源"), "granted_on": _l("批准日期"), "status": _l("状态"),
                     "paid_on": _l("拨付日期"), "payment_ref": _l("凭证号"), "year": _l("年度")}
    column_formatters = {
        "amount_fen": _yuan,
        "grant_type": lambda v, c, m, n: GRANT_TYPES.get(m.grant_type, m.grant_type),
        "status": lambda v, c, m, n: GRANT_STATUSES.get(m.status, m.status),
    }
    column_formatters_export = column_formatters


def admin_views() -> list:
    return [
        IncubatorView(Incubator, name=_l("孵化基地"), category=CATEGORY),
        IntakeView(IncubationIntake, name=_l("招募批次"), category=CATEGORY),
        IncubationView(Incubation, name=_l("孵化申请"), category=CATEGORY),
        TrainingView(Training, name=_l("培训"), category=CATEGORY),
        AttendanceView(TrainingAttendance, name=_l("参训记录"), category=CATEGORY),
        GrantView(Grant, name=_l("资金支持"), category=CATEGORY),
    ]
