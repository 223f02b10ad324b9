"""Back-office views for the purchasing area."""

from flask import abort
from flask_login import current_user

from registry.admin import CappedCountQuery, ScopedModelView
from registry.errors import NotFound
from registry.extensions import db
from registry.i18n import lazy_gettext as _l
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL
from registry.purchasing import directory
from registry.purchasing.models import (
    EDITION_STATUSES,
    PROJECT_STATUSES,
    AwardApplication,
    AwardRound,
    DirectoryEdition,
    DirectoryItem,
    OrgPenalty,
    PurchasedServiceProject,
)

CATEGORY = _l("政府购买服务")

# --- the guidance directory (engineer A) ---------------------------------------------------
# The city's back office only (county officials read the directory on /directory/editions).
# Editions are read-only here (drafting, copying and publishing are on /directory/editions).
# An item's texts may be corrected while its edition is a draft; the rule is
# directory.save_item's (city officials only, never a published edition), so a published
# edition is read-only here as everywhere, and the flush guard refuses it besides.


class DirectoryEditionView(ScopedModelView):
    allowed_roles = (CITY_OFFICIAL,)
    can_create = False
    can_edit = False
    can_view_details = True
    column_default_sort = ("year", True)
    column_list = ("id", "year", "title", "status", "published_at", "created_at", "code_note")
    column_filters = ("year", "status")
    column_labels = {"id": _l(
        "编号"), "year": _l("年度"), "title": _l("标题"), "status": _l("状态"),
                     "published_at": _l("发布时间"), "created_at": _l("创建时间"),
                     "code_note": _l("编码说明")}
    column_formatters = {"status": lambda v, c, m, n: EDITION_STATUSES.get(m.status, m.status)}

    def get_query(self):
        return db.session.query(self.model).filter(directory.edition_condition(current_user))

    def get_count_query(self):
        return CappedCountQuery(self.model, db.session()).filter(
            directory.edition_condition(current_user))

    def get_one(self, id):
        try:
            return directory.get_edition(current_user, id)
        except NotFound:
            abort(404)


class DirectoryItemView(ScopedModelView):
    allowed_roles = (CITY_OFFICIAL,)
    can_create = False
    can_view_details = True
    column_default_sort = "code"
    column_list = ("edition", "code", "level", "name", "purchasing_department")
    column_searchable_list = ("code", "name")
    column_filters = ("edition_id", "level")
    form_columns = ("name", "description", "purchasing_department", "requirements")
    column_labels = {"edition": _l(
        "版本"), "edition_id": _l("版本编号"), "code": _l("编码（非官方）"),
                     "level": _l("层级"), "name": _l("名称"), "description": _l("服务内容说明"),
                     "purchasing_department": _l(
                         "购买主体（部门）"), "requirements": _l("承接主体条件")}

    @property
    def can_edit(self) -> bool:
        return getattr(current_user, "role", None) in directory.EDITORS

    def get_query(self):
        return (db.session.query(self.model).join(DirectoryEdition)
                .filter(directory.edition_condition(current_user)))

    def get_count_query(self):
        return (CappedCountQuery(self.model, db.session()).join(DirectoryEdition)
                .filter(directory.edition_condition(current_user)))

    def get_one(self, id):
        try:
            return directory.get_item(current_user, id)
        except NotFound:
            abort(404)

    def update_model(self, form, model):
        """The form's texts through directory.save_item (its rules, the freeze included)."""
        edition = directory.get_edition(current_user, model.edition_id)
        parent = db.session.get(DirectoryItem, model.parent_id) if model.parent_id else None
        data = {"code": model.code, "level": model.level,
                "parent_code": parent.code if parent else "",
                **{name: getattr(form, name).data for name in self.form_columns}}
        try:
            directory.save_item(current_user, edition, data, model)
            db.session.commit()
        except Exception as error:  # noqa: BLE001 (shown as Flask-Admin shows any failure)
            db.session.rollback()
            if not self.handle_view_exception(error):
                raise
            return False
        return True


def directory_views() -> list:
    return [
        DirectoryEditionView(DirectoryEdition, name=_l("目录版本"), category=CATEGORY),
        DirectoryItemView(DirectoryItem, name=_l("目录条目"), category=CATEGORY),
    ]


# --- end of the guidance directory ---------------------------------------------------------


# --- purchased-service projects (engineer B) ------------------------------------------------
# Read-only and scoped: projects, payments and evaluations change only through the pages and
# the API (projects.py / payments.py rules: the payment guard, the workflow, the freeze of
# evaluations), never by editing rows here.


class ProjectView(ScopedModelView):
    allowed_roles = (CITY_OFFICIAL, COUNTY_OFFICIAL)
    can_create = False
    can_edit = False
    can_view_details = True
    column_default_sort = ("id", True)
    column_list = ("id", "title", "year", "county_code", "item_code", "status", "amount_fen",
                   "paid_fen", "evaluation_grade")
    column_filters = ("year", "status", "county_code")
    column_labels = {"id": _l("编号"), "title": _l("项目名称"), "year": _l("年度"),
                     "county_code": _l("区县"), "item_code": _l("目录条目"),
                     "status": _l("状态"), "amount_fen": _l("合同金额（分）"),
                     "paid_fen": _l("已付金额（分）"), "evaluation_grade": _l("绩效评价")}
    column_formatters = {"status": lambda v, c, m, n: PROJECT_STATUSES.get(m.status, m.status)}


def project_views() -> list:
    return [ProjectView(PurchasedServiceProject, name=_l("购买服务项目"), category=CATEGORY)]


# --- end of purchased-service projects ------------------------------------------------------


# --- 以奖代补 awards (engineer C) ---------------------------------------------------------------
# Read-only: every change of a round or an application has its rules in awards.py and
# award_applications.py and is made on /awards/ or the API, so no back-office form bypasses them.


class AwardRoundView(ScopedModelView):
    allowed_roles = (CITY_OFFICIAL,)
    can_create = can_edit = False
    can_view_details = True
    column_default_sort = ("id", True)
    column_list = ("id", "title", "year", "status", "opens_on", "closes_on", "published_at")
    column_filters = ("year", "status")
    column_labels = {"id": _l("编号"), "title": _l("批次名称"), "year": _l("年度"),
                     "status": _l("状态"), "opens_on": _l("申请开始日期"),
                     "closes_on": _l("申请截止日期"), "published_at": _l("发布时间")}


class AwardApplicationView(ScopedModelView):
    allowed_roles = (CITY_OFFICIAL, COUNTY_OFFICIAL)
    can_create = can_edit = False
    can_view_details = True
    column_default_sort = ("id", True)
    column_list = ("id", "round_id", "applicant_kind", "region_code", "title", "status",
                   "total_centi", "amount_fen", "paid_on", "voucher_no")
    column_filters = ("status", "round_id", "region_code")
    column_labels = {"id": _l("编号"), "round_id": _l("批次编号"),
                     "applicant_kind": _l("申请人类型"),
                     "region_code": _l("行政区划"), "title": _l("申请事项"), "status": _l("状态"),
                     "total_centi": _l("总分（×100）"), "amount_fen": _l("奖励金额（分）"),
                     "paid_on": _l("拨付日期"), "voucher_no": _l("凭证号")}


class OrgPenaltyView(ScopedModelView):
    allowed_roles = (CITY_OFFICIAL, COUNTY_OFFICIAL)
    can_create = can_edit = False
    column_default_sort = ("id", True)
    column_list = ("id", "organization_id", "region_code", "decided_on", "decision_no", "reason")
    column_filters = ("organization_id", "decided_on")
    column_labels = {"id": _l("编号"), "organization_id": _l("组织编号"),
                     "region_code": _l("行政区划"), "decided_on": _l("处罚决定日期"),
                     "decision_no": _l("处罚决定书文号"), "reason": _l("处罚事由")}


def award_views() -> list:
    return [
        AwardRoundView(AwardRound, name=_l("以奖代补批次"), category=CATEGORY),
        AwardApplicationView(AwardApplication, name=_l("以奖代补申请"), category=CATEGORY),
        OrgPenaltyView(OrgPenalty, name=_l("行政处罚记录"), category=CATEGORY),
    ]


# --- end of 以奖代补 ----------------------------------------------------------------------------


def admin_views() -> list:
    return [*directory_views(), *project_views(), *award_views()]
