"""Forms for organizations (shape only; the rules are in registry/organizations/), and
the helpers that fill an application form and read it back."""

from datetime import date

from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length

from registry.errors import ValidationFailed
from registry.extensions import db
from registry.forms import ChineseDateField, Form
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import CITY_OFFICIAL, OFFICIAL_ROLES, Region
from registry.organizations import fields
from registry.organizations.models import (
    ABNORMAL_REASONS,
    DOCUMENT_KINDS,
    GRADES,
    ORG_CATEGORIES,
    ORG_TYPES,
    PARTY_ORG_STATUSES,
    REPORT_RESULTS,
    Organization,
)
from registry.scoping import region_codes_under
from registry.validators import parse_yuan


def _choices(mapping: dict, blank: str | None = None) -> list[tuple[str, str]]:
    out = [("", blank)] if blank else []
    return out + list(mapping.items())


class NoChoiceCheck:
    """Select fields whose value the domain checks (a bad one gets its Chinese message)."""

    def pre_validate(self, form):
        return None


class OpenSelectField(NoChoiceCheck, SelectField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "SelectField"  # styled as a select by the field() macro


class Marked:
    """Marks a field as required (the asterisk); the domain checks the value itself, so that
    every message comes from one place."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


class OrgForm(Form):
    name = StringField(_l("组织名称"), validators=[Marked()])
    org_type = OpenSelectField(_l("组织类型"), choices=_choices(ORG_TYPES, _l("请选择")),
                               validators=[Marked()])
    category = OpenSelectField(_l("行业类别"), choices=_choices(ORG_CATEGORIES),
                               default="other")
    region_code = OpenSelectField(_l("所属行政区划"), choices=[], validators=[Marked()])
    uscc = StringField(_l("统一社会信用代码（已有的填写）"))
    legal_representative = StringField(_l("法定代表人"), validators=[Marked()])
    supervisory_unit = StringField(_l("业务主管单位（直接登记的可不填）"))
    business_scope = TextAreaField(_l("业务范围"), render_kw={"rows": 4}, validators=[Marked()])
    registered_capital_fen = StringField(_l("注册资金 / 活动资金（元）"))
    address = StringField(_l("住所"), validators=[Marked()])
    contact_name = StringField(_l("联系人"), validators=[Marked()])
    contact_phone = StringField(_l("联系电话（手机或固定电话）"), validators=[Marked()])
    founded_on = ChineseDateField(_l("成立日期（可不填）"), default=None)
    is_volunteer_org = BooleanField(_l("志愿服务组织"))
    party_org_status = OpenSelectField(_l("党组织建立情况"), choices=_choices(PARTY_ORG_STATUSES),
                                       default="none")
    party_member_count = StringField(_l("党员人数"), default="0")
    party_instructor = StringField(_l("党建指导员（未建党组织的）"))


class MoveForm(Form):
    comment = TextAreaField(_l("意见 / 理由"), render_kw={"rows": 2})
    # 注销登记 is final: the page asks the official to confirm it (the API's caller decides).
    confirm = BooleanField(_l("我已核实清算完毕，确认注销该组织的登记（注销后不能恢复）"))
    uscc = StringField(_l("统一社会信用代码"))
    certificate_date = ChineseDateField(_l("发证日期"), default=date.today)
    registration_authority = StringField(_l("登记管理机关"))


class UploadForm(Form):
    kind = OpenSelectField(_l("材料类型"), choices=_choices(DOCUMENT_KINDS))
    file = FileField(_l("文件（PDF、JPG、PNG，不超过 10 MB）"))


class ReportForm(Form):
    year = StringField(_l("报告年度"))
    income_fen = StringField(_l("本年收入（元）"), default="0")
    expenditure_fen = StringField(_l("本年支出（元）"), default="0")
    net_assets_fen = StringField(_l("年末净资产（元）"), default="0")
    staff_count = StringField(_l("专职工作人员数"), default="0")
    activities = TextAreaField(_l("年度工作情况"), render_kw={"rows": 3})


class ReviewForm(Form):
    result = OpenSelectField(_l("年检结论"), choices=_choices(REPORT_RESULTS, _l("请选择")))
    comment = StringField(_l("说明（不合格须填写）"))


class GradeForm(Form):
    grade = OpenSelectField(_l("评估等级"), choices=[(g, g) for g in GRADES])
    rated_on = ChineseDateField(_l("评估日期"), default=date.today)
    comment = StringField(_l("说明"))


class AbnormalForm(Form):
    reason = OpenSelectField(_l("列入原因"), choices=_choices(ABNORMAL_REASONS))
    note = StringField(_l("情况说明"))
    listed_on = ChineseDateField(_l("列入日期"), default=date.today)


class RemoveAbnormalForm(Form):
    removal_note = StringField(_l("移出理由（已整改的情况）"))
    removed_on = ChineseDateField(_l("移出日期"), default=date.today)


class PartyForm(Form):
    party_org_status = OpenSelectField(_l("党组织建立情况"), choices=_choices(PARTY_ORG_STATUSES))
    party_member_count = StringField(_l("党员人数"))
    party_instructor = StringField(_l("党建指导员"))


class HubForm(Form):
    """Designate or stop designating a hub (the button says which)."""


class HubMemberForm(Form):
    member = StringField(_l("成员组织（编号、统一社会信用代码或完整名称）"))


class SignupForm(Form):
    username = StringField(_l("用户名（字母、数字）"),
                           validators=[DataRequired(_l("请填写用户名")), Length(max=64)])
    display_name = StringField(_l("您的姓名"),
                               validators=[DataRequired(_l("请填写姓名")), Length(max=64)])
    phone = StringField(_l("手机号码"))
    password = PasswordField(_l("密码（至少 10 位，含三类字符）"),
                             validators=[DataRequired(_l("请填写密码")), Length(max=128)])
    confirm = PasswordField(_l("再次输入密码"), validators=[DataRequired(_l("请再次输入密码"))])


def region_choices(user) -> list[tuple[str, str]]:
    """Regions the user may file for: the jurisdiction for officials, all for a representative."""
    stmt = select(Region.code, Region.name, Region.level).order_by(Region.code)
    if user.role in OFFICIAL_ROLES:
        stmt = stmt.where(Region.code.in_(region_codes_under(user.region_code)))
    indent = {"city": "", "county": "　", "township": "　　"}
    labels = {"city": _("市级登记"), "county": _("县级登记"), "township": _("社区社会组织备案")}
    return [("", _("请选择"))] + [
        (code, f"{indent.get(level, '')}{name}（{labels.get(level, '')}）")
        for code, name, level in db.session.execute(stmt)
    ]


def county_choices(user) -> list[tuple[str, str]]:
    """Area filter choices within the jurisdiction: the counties for the city, a county and its
    townships for a county official."""
    stmt = select(Region.code, Region.name).where(
        Region.code.in_(region_codes_under(user.region_code)))
    if user.role == CITY_OFFICIAL:
        stmt = stmt.where(Region.level.in_(("city", "county")))
    return list(db.session.execute(stmt.order_by(Region.code)))


def org_form_data(form: OrgForm, user) -> dict:
    """The form's values for the domain (money typed in yuan becomes fen)."""
    data = {name: form[name].data for name in fields.FIELDS if name in form}
    try:
        data["registered_capital_fen"] = parse_yuan(form.registered_capital_fen.data or "0",
                                                    "registered_capital_fen", _("注册资金"))
    except ValidationFailed as capital:
        # Report the other fields' problems too, in one go (clean_fields writes nothing).
        data["registered_capital_fen"] = 0
        try:
            fields.clean_fields(data, user)
        except ValidationFailed as other:
            raise ValidationFailed(capital.message,
                                   fields={**other.fields, **capital.fields}) from None
        raise
    return data


def fill_org_form(form: OrgForm, org: Organization) -> None:
    for name in fields.FIELDS:
        if name in form:
            form[name].data = getattr(org, name)
    form.registered_capital_fen.data = f"{org.registered_capital_fen / 100:.2f}"
    form.party_member_count.data = str(org.party_member_count)
    form.uscc.data = org.uscc or ""
