"""Back-office views for stations and volunteers: scoped, masked, never the encrypted ID."""

from flask_login import current_user

from registry import regions
from registry.admin import ScopedModelView
from registry.errors import Conflict, ValidationFailed
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.masking import mask_office_phone, mask_phone
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN
from registry.validators import check_person_name, check_text, normalize_office_phone
from registry.volunteers import stations
from registry.volunteers.models import STAR_LABELS, VOLUNTEER_STATUSES, Station, Volunteer
from registry.volunteers.operations import star_level

STAFF = (CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN)


class StationView(ScopedModelView):
    allowed_roles = STAFF
    can_create = False  # stations are set up from the coverage page (one per township)
    column_list = ("name", "township", "address", "contact_name", "contact_phone",
                   "established_on")
    column_searchable_list = ("name", "address")
    column_filters = ("township_code",)
    column_labels = {"name": _l("站点名称"), "township": _l("乡镇（街道）"),
                     "township_code": _l("区划代码"),
                     "address": _l("地址"), "contact_name": _l("联系人"),
                                   "contact_phone": _l("联系电话"),
                     "established_on": _l("设立日期"), "created_at": _l("创建时间")}
    column_auto_select_related = False  # the township's name: regions.name_of, no join
    column_formatters = {"contact_phone": lambda v, c, m, n: mask_office_phone(m.contact_phone),
                         "township": lambda v, c, m, n: regions.name_of(m.township_code)}
    column_export_list = ("name", "township_code", "address", "contact_name", "established_on")
    form_columns = ("name", "address", "contact_name", "contact_phone")

    def check_model(self, form, model, is_created) -> None:
        model.name = check_text(model.name, "name", _("站点名称"), max_length=100)
        model.address = check_text(model.address, "address", _("地址"), required=False,
                                   max_length=200)
        model.contact_name = check_text(model.contact_name, "contact_name", _("联系人"),
                                        required=False, max_length=50)
        model.contact_phone = normalize_office_phone(model.contact_phone, "contact_phone",
                                                     required=False)
        other = stations.station_of_township(model.township_code)
        if other is not None and other.id != model.id:
            raise Conflict(_("每个乡镇（街道）只设一个志愿服务站"))


class VolunteerView(ScopedModelView):
    allowed_roles = STAFF
    can_create = False  # registration goes through the rules (ID check, guardian, duplicates)
    can_view_details = True
    column_list = ("volunteer_no", "name", "id_number_masked", "phone", "township", "status",
                   "total_minutes", "created_at")
    list_loads = ("volunteer_no", "name", "id_number_masked", "phone", "township_code", "status",
                  "total_minutes", "created_at")
    column_details_list = ("volunteer_no", "name", "id_number_masked", "gender", "birth_date",
                           "phone", "township", "status", "skills", "guardian_name",
                           "guardian_phone", "guardian_consent_at", "total_minutes", "source",
                           "created_at", "approved_at")
    # Names by their start (the surname); a volunteer number is looked up whole, as a filter.
    column_searchable_list = ("name",)
    column_filters = ("status", "township_code", "source", "volunteer_no")
    column_default_sort = ("id", True)
    column_labels = {
        "volunteer_no": _l("志愿者编号"), "name": _l("姓名"),
                           "id_number_masked": _l("身份证号码（脱敏）"),
        "gender": _l("性别"), "birth_date": _l("出生年份"), "phone": _l("手机号码"),
                     "township": _l("乡镇（街道）"),
        "township_code": _l("区划代码"), "status": _l("状态"), "skills": _l("技能特长"),
        "guardian_name": _l("监护人"), "guardian_phone": _l("监护人电话"),
        "guardian_consent_at": _l("监护人同意时间"), "total_minutes": _l("服务时长（小时）"),
        "source": _l("登记方式"), "created_at": _l("登记时间"), "approved_at": _l("审核通过时间"),
    }
    # The township's name from the region table each worker keeps: no join on every list.
    column_auto_select_related = False
    column_formatters = {
        "township": lambda v, c, m, n: regions.name_of(m.township_code),
        # The year only: the full date next to the masked ID number would rebuild it, unaudited.
        "birth_date": lambda v, c, m, n: f"{m.birth_date:%Y}",
        "phone": lambda v, c, m, n: mask_phone(m.phone),
        "guardian_phone": lambda v, c, m, n: mask_phone(m.guardian_phone),
        "status": lambda v, c, m, n: VOLUNTEER_STATUSES.get(m.status, m.status),
        "total_minutes": lambda v, c, m, n: f"{m.total_minutes / 60:.1f}"
        f"（{STAR_LABELS[star_level(m.total_minutes)]}）",
    }
    column_formatters_export = column_formatters
    column_export_list = ("volunteer_no", "name", "id_number_masked", "phone", "township_code",
                          "status", "total_minutes")
    # Status moves go through the workflow (volunteer page); only descriptive fields here.
    form_columns = ("name", "skills")

    def check_model(self, form, model, is_created) -> None:
        model.name = check_person_name(model.name)
        model.skills = check_text(model.skills, "skills", _("技能特长"), required=False,
                                  max_length=200)
        if current_user.role not in STAFF:
            raise ValidationFailed(_("没有权限修改志愿者"))


def admin_views() -> list:
    return [
        StationView(Station, name=_l("志愿服务站"), category=_l("志愿服务")),
        VolunteerView(Volunteer, name=_l("志愿者"), category=_l("志愿服务")),
    ]
