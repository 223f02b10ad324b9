"""Forms for volunteers and stations (shape only; the rules live in registry/volunteers/)."""

from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from registry.extensions import db
from registry.forms import Form
from registry.i18n import lazy_gettext as _l
from registry.models import Region
from registry.scoping import region_codes_under


def township_choices(under: str | None = None, *, blank: str = _l("请选择")) -> list:
    """Townships (optionally under a county or township), labelled with their county."""
    stmt = select(Region).where(Region.level == "township")
    if under:
        stmt = stmt.where(Region.code.in_(region_codes_under(under)))
    counties = dict(db.session.execute(
        select(Region.code, Region.name).where(Region.level == "county")).all())
    choices = [("", blank)]
    for region in db.session.scalars(stmt.order_by(Region.code)):
        choices.append((region.code, f"{counties.get(region.county_code, '')} {region.name}"))
    return choices


class PersonFields(Form):
    name = StringField(_l("真实姓名"), validators=[DataRequired(_l("请填写真实姓名")),
                                                 Length(max=30, message=_l("姓名过长"))])
    id_number = StringField(_l("身份证号码"), validators=[
        DataRequired(_l("请填写身份证号码")), Length(max=30, message=_l("身份证号码应为 18 位"))])
    phone = StringField(_l("手机号码"), validators=[DataRequired(_l("请填写手机号码")),
                                                  Length(max=20, message=_l("手机号码过长"))])
    township_code = SelectField(_l("所在乡镇（街道）"), choices=[], validate_choice=False,
                                validators=[DataRequired(_l("请选择所在乡镇（街道）"))])
    skills = StringField(_l("技能特长（选填）"), validators=[
        Optional(), Length(max=200, message=_l("不能超过 200 个字符"))])
    guardian_name = StringField(_l("监护人姓名"), validators=[
        Optional(), Length(max=30, message=_l("姓名过长"))])
    guardian_phone = StringField(_l("监护人手机号码"), validators=[
        Optional(), Length(max=20, message=_l("手机号码过长"))])
    guardian_consent = BooleanField(_l("监护人已知悉并同意其参加志愿服务"))


class RegistrationForm(PersonFields):
    password = PasswordField(_l("登录密码"), validators=[
        DataRequired(_l("请设置登录密码")), Length(max=128, message=_l("密码过长"))])
    confirm = PasswordField(_l("再次输入密码"), validators=[
        DataRequired(_l("请再次输入密码")), EqualTo("password", _l("两次输入的密码不一致"))])
    agree = BooleanField(_l("我同意平台按《个人信息保护法》收集和使用上述信息，"
                            "用于志愿者注册和服务记录"),
                         validators=[DataRequired(_l("请阅读并同意个人信息使用说明"))])


class StaffRegistrationForm(PersonFields):
    create_login = BooleanField(_l("同时开通登录账号（生成临时密码，只显示一次）"), default=True)
    checked = BooleanField(_l("已当面核验本人身份证件"),
                           validators=[DataRequired(_l("请先当面核验本人身份证件"))])


class ContactForm(Form):
    """A volunteer's own contact details (/me/profile)."""

    phone = StringField(_l("手机号码（也是登录账号）"), validators=[
        DataRequired(_l("请填写手机号码")), Length(max=20, message=_l("手机号码过长"))])
    address = StringField(_l("联系地址（选填）"), validators=[
        Optional(), Length(max=200, message=_l("不能超过 200 个字符"))])
    emergency_contact_name = StringField(_l("紧急联系人（选填）"), validators=[
        Optional(), Length(max=30, message=_l("姓名过长"))])
    emergency_contact_phone = StringField(_l("紧急联系人手机号码"), validators=[
        Optional(), Length(max=20, message=_l("手机号码过长"))])


class ResubmitForm(Form):
    """A returned registration, fixed by the volunteer and sent back for review."""

    name = StringField(_l("真实姓名"), validators=[DataRequired(_l("请填写真实姓名")),
                                                 Length(max=30, message=_l("姓名过长"))])
    id_number = StringField(_l("身份证号码（填错时重新填写，否则留空）"), validators=[
        Optional(), Length(max=30, message=_l("身份证号码应为 18 位"))])
    township_code = SelectField(_l("所在乡镇（街道）"), choices=[], validate_choice=False,
                                validators=[DataRequired(_l("请选择所在乡镇（街道）"))])
    skills = StringField(_l("技能特长（选填）"), validators=[
        Optional(), Length(max=200, message=_l("不能超过 200 个字符"))])
    guardian_name = StringField(_l("监护人姓名"), validators=[
        Optional(), Length(max=30, message=_l("姓名过长"))])
    guardian_phone = StringField(_l("监护人手机号码"), validators=[
        Optional(), Length(max=20, message=_l("手机号码过长"))])
    guardian_consent = BooleanField(_l("监护人已知悉并同意其参加志愿服务"))


class MoveForm(Form):
    comment = TextAreaField(_l("意见或理由"), validators=[
        Optional(), Length(max=2000, message=_l("不能超过 2000 个字符"))])


class ActionForm(Form):
    """A button that only needs the CSRF token."""


class ImportForm(Form):
    file = FileField(_l("Excel 文件（.xlsx）"), validators=[FileRequired(_l("请选择要上传的文件"))])


class StationForm(Form):
    township_code = SelectField(_l("乡镇（街道）"), choices=[], validate_choice=False,
                                validators=[DataRequired(_l("请选择乡镇（街道）"))])
    name = StringField(_l("站点名称（留空则为“××街道志愿服务站”）"),
                       validators=[Optional(), Length(max=100, message=_l("不能超过 100 个字符"))])
    address = StringField(_l("地址"), validators=[
        Optional(), Length(max=200, message=_l("不能超过 200 个字符"))])
    contact_name = StringField(_l("联系人"), validators=[
        Optional(), Length(max=50, message=_l("不能超过 50 个字符"))])
    contact_phone = StringField(_l("联系电话（手机或固定电话）"), validators=[
        Optional(), Length(max=30, message=_l("联系电话过长"))])


class StationEditForm(StationForm):
    township_code = None
    name = StringField(_l("站点名称"), validators=[
        DataRequired(_l("请填写站点名称")), Length(max=100, message=_l("不能超过 100 个字符"))])


class AppointAdminForm(Form):
    username = StringField(_l("用户名（字母、数字）"), validators=[
        DataRequired(_l("请填写用户名")), Length(max=64, message=_l("用户名过长"))])
    display_name = StringField(_l("姓名"), validators=[
        DataRequired(_l("请填写姓名")), Length(max=30, message=_l("姓名过长"))])
    phone = StringField(_l("手机号码（选填）"), validators=[
        Optional(), Length(max=20, message=_l("手机号码过长"))])
