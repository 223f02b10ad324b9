"""Back-office views for incubation, training and grants: scoped lists, details and exports.

Changes go through the pages under /support (the domain rules and workflow live there), so these
views are read-only.
"""

from registry.admin import ScopedModelView
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

CATEGORY = "培育扶持"


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
    column_labels = {"id": "编号", "name": "名称", "region": "所属区划", "operator": "运营机构",
                     "address": "地址", "created_at": "创建时间", "description": "简介"}


class IntakeView(ReadOnlySupportView):
    column_list = ("id", "incubator", "year", "title", "opens_on", "closes_on", "capacity")
    column_filters = ("year",)
    column_labels = {"id": "编号", "incubator": "孵化基地", "year": "年度", "title": "批次",
                     "opens_on": "报名开始", "closes_on": "报名截止", "capacity": "计划入驻"}


class IncubationView(ReadOnlySupportView):
    column_list = ("id", "organization", "incubator", "intake", "status", "score", "start_on",
                   "end_on", "mentor", "mid_score", "finished_on")
    column_filters = ("status",)
    column_labels = {"id": "编号", "organization": "申请组织", "incubator": "孵化基地",
                     "intake": "批次", "status": "状态", "score": "评审得分",
                     "start_on": "孵化开始", "end_on": "孵化结束", "mentor": "导师",
                     "mid_score": "中期得分", "finished_on": "结业/退出日期"}
    column_formatters = {"status": lambda v, c, m, n: INCUBATION_STATUSES.get(m.status, m.status)}


class TrainingView(ReadOnlySupportView):
    column_list = ("id", "held_on", "title", "region", "minutes", "place", "organizer")
    column_searchable_list = ("title",)
    column_labels = {"id": "编号", "held_on": "日期", "title": "培训名称", "region": "面向区划",
                     "minutes": "时长（分钟）", "place": "地点", "organizer": "主办单位"}


class AttendanceView(ReadOnlySupportView):
    column_list = ("id", "training", "organization", "person_name", "created_at")
    column_searchable_list = ("person_name",)
    column_labels = {"id": "编号", "training": "培训", "organization": "所属组织",
                     "person_name": "姓名", "created_at": "登记时间"}


class GrantView(ReadOnlySupportView):
    column_list = ("id", "organization", "region", "grant_type", "amount_fen", "purpose",
                   "source", "granted_on", "status", "paid_on", "payment_ref")
    column_filters = ("year", "grant_type", "status")
    column_labels = {"id": "编号", "organization": "受助组织", "region": "区划",
                     "grant_type": "类型", "amount_fen": "金额（元）", "purpose": "用途",
                     "source": "资金来源", "granted_on": "批准日期", "status": "状态",
                     "paid_on": "拨付日期", "payment_ref": "凭证号", "year": "年度"}
    column_formatters = {
        "amount_fen": _yuan,
        "grant_type": lambda v, c, m, n: GRANT_TYPES.get(m.grant_type, m.grant_type),
        "status": lambda v, c, m, n: GRANT_STATUSES.get(m.status, m.status),
    }
    column_formatters_export = column_formatters


def admin_views() -> list:
    return [
        IncubatorView(Incubator, name="孵化基地", category=CATEGORY),
        IntakeView(IncubationIntake, name="招募批次", category=CATEGORY),
        IncubationView(Incubation, name="孵化申请", category=CATEGORY),
        TrainingView(Training, name="培训", category=CATEGORY),
        AttendanceView(TrainingAttendance, name="参训记录", category=CATEGORY),
        GrantView(Grant, name="资金支持", category=CATEGORY),
    ]
