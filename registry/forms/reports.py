"""Forms of 举报奖励 (shape only; the rules live in registry/incentives/reports.py)."""

from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from registry.forms import Form
from registry.i18n import lazy_gettext as _l
from registry.incentives.models import REPORT_CATEGORIES
from registry.validators import MAX_INT


class ReportForm(Form):
    category = SelectField(_l("举报类别"), choices=[("", _l("请选择"))] + list(
        REPORT_CATEGORIES.items()), validators=[DataRequired(_l("请选择举报类别"))])
    township_code = SelectField(_l("事发乡镇（街道）"), choices=[], validate_choice=False,
                                validators=[DataRequired(_l("请选择事发乡镇（街道）"))])
    description = TextAreaField(_l("举报内容（时间、地点、经过）"), validators=[
        DataRequired(_l("请填写举报内容")), Length(max=5000, message=_l("不能超过 5000 个字"))])
    reported_party = StringField(_l("被举报对象（可不填）"), validators=[
        Length(max=200, message=_l("不能超过 200 个字"))])
    photo = FileField(_l("照片（JPG、PNG，不超过 10 MB，可不传）"))
    contact = StringField(_l("联系方式（可不填；仅受理人员可见）"), validators=[
        Length(max=100, message=_l("不能超过 100 个字"))])
    anonymous = BooleanField(_l("匿名举报（不关联我的账号；凭查询码认领奖励）"), default=True)


class TrackForm(Form):
    tracking_code = StringField(_l("查询码"), validators=[
        DataRequired(_l("请填写查询码")), Length(max=20, message=_l("查询码为 10 位"))])


class VerifyForm(Form):
    outcome = SelectField(_l(
        "核实结果"), choices=[("upheld", _l("属实")), ("rejected", _l("不属实"))])
    reward_kind = SelectField(_l("奖励方式"), choices=[
        ("none", _l("不给予奖励")), ("points", _l("积分")), ("cash", _l("奖金（按档次）"))])
    reward_points = IntegerField(_l("奖励积分"), validators=[Optional(), NumberRange(
        0, MAX_INT, message=_l("应为不小于 0 的整数"))])
    reward_tier = SelectField(_l("奖金档次"), choices=[], validate_choice=False)
    comment = TextAreaField(_l("核实意见（认定不属实须填写理由）"), validators=[
        Length(max=2000, message=_l("不能超过 2000 个字"))])


class DuplicateForm(Form):
    duplicate_of = StringField(_l("最先举报（已认定属实）的查询码"), validators=[
        DataRequired(_l("请填写查询码")), Length(max=20, message=_l("查询码为 10 位"))])
    comment = TextAreaField(_l("说明"), validators=[Length(max=2000)])


class CommentForm(Form):
    comment = TextAreaField(_l("说明"), validators=[Length(max=2000)])
