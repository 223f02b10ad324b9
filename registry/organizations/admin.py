"""Back-office views for organizations: read-only, scoped lists and exports (changes go through
the organization pages, where the workflow and its rules apply)."""

from flask import abort

from registry.admin import ScopedModelView
from registry.i18n import lazy_gettext as _l
from registry.masking import mask_office_phone
from registry.models import OFFICIAL_ROLES
from registry.organizations.models import (
    ORG_STATUSES,
    ORG_TYPES,
    AbnormalListing,
    AnnualReport,
    Organization,
    OrgRating,
)

LABELS = {
    "id": _l("编号"), "name": _l("名称"), "org_type": _l("类型"), "uscc": _l("统一社会信用代码"),
    "legal_representative": _l("法定代表人"), "region_code": _l("区划代码"),
    "registration_authority": _l("登记管理机关"), "status": _l("状态"), "grade": _l("等级"),
    "is_hub": _l("枢纽"), "abnormal_listed": _l("活动异常"), "party_org_status": _l("党组织"),
    "contact_phone": _l("联系电话"), "created_at": _l("创建时间"), "organization": _l("组织"),
    "year": _l("年度"), "result": _l("结论"), "reason": _l("原因"), "listed_on": _l("列入日期"),
    "removed_on": _l("移出日期"), "rated_on": _l("评估日期"), "valid_until": _l("有效期至"),
    "certificate_date": _l("发证日期"), "registration_kind": _l("登记/备案"),
}


class ReadOnlyView(ScopedModelView):
    allowed_roles = OFFICIAL_ROLES
    can_create = False
    can_edit = False
    can_view_details = True
    column_labels = LABELS
    column_default_sort = ("id", True)

    def get_one(self, id):
        """A guessed or foreign id is a 404 here too (Flask-Admin would redirect with a flash)."""
        row = super().get_one(id)
        if row is None:
            abort(404)
        return row


class OrganizationView(ReadOnlyView):
    column_list = ("id", "name", "org_type", "uscc", "legal_representative", "region_code",
                   "status", "grade", "is_hub", "abnormal_listed", "contact_phone")
    column_details_list = column_list + ("registration_kind", "registration_authority",
                                         "certificate_date", "party_org_status", "created_at")
    column_export_list = ("id", "name", "org_type", "uscc", "legal_representative",
                          "region_code", "registration_authority", "status", "grade", "is_hub",
                          "abnormal_listed", "party_org_status")
    column_searchable_list = ("name", "uscc")
    column_filters = ("status", "org_type", "region_code", "is_hub", "abnormal_listed", "grade")
    column_formatters = {
        "org_type": lambda v, c, m, n: ORG_TYPES.get(m.org_type, m.org_type),
        "status": lambda v, c, m, n: ORG_STATUSES.get(m.status, m.status),
        "contact_phone": lambda v, c, m, n: mask_office_phone(m.contact_phone),
    }


class AnnualReportView(ReadOnlyView):
    column_list = ("id", "organization", "year", "result", "region_code")
    column_filters = ("year", "result", "region_code")


class AbnormalListingView(ReadOnlyView):
    column_list = ("id", "organization", "reason", "listed_on", "removed_on", "region_code")
    column_filters = ("reason", "listed_on", "removed_on")


class OrgRatingView(ReadOnlyView):
    column_list = ("id", "organization", "grade", "rated_on", "valid_until", "region_code")
    column_filters = ("grade", "rated_on")


def admin_views() -> list:
    category = _l("社会组织")
    return [
        OrganizationView(Organization, name=_l("社会组织"), category=category),
        AnnualReportView(AnnualReport, name=_l("年度报告"), category=category),
        AbnormalListingView(AbnormalListing, name=_l("活动异常名录"), category=category),
        OrgRatingView(OrgRating, name=_l("等级评估"), category=category),
    ]
