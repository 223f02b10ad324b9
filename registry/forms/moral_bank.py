"""Forms of the 道德银行 (shape only; the rules live in registry/incentives/deeds.py)."""

from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from registry.forms import ChineseDateField, Form
from registry.i18n import lazy_gettext as _l
from registry.incentives.models import DEED_CATEGORIES
from registry.validators import MAX_INT


class RuleForm(Form):
    category = SelectField(_l("类别"), choices=[(c, c) for c in DEED_CATEGORIES])
    deed = StringField(_l("善行事项"), validators=[DataRequired(_l("请填写善行事项")),
                                                 Length(max=100, message=_l("不能超过 100 个字"))])
    points = IntegerField(_l("分值"), validators=[InputRequired(_l("请填写分值")), NumberRange(
        1, 1000, message=_l("分值应为 1 到 1000 之间的整数"))])
    effective_from = ChineseDateField(_l("生效日期"), validators=[
        InputRequired(_l("请填写生效日期"))])
    effective_to = ChineseDateField(_l("失效日期（可不填）"), validators=[Optional()])


class DeedForm(Form):
    volunteer_id = IntegerField(_l("居民（志愿者编号）"), validators=[
        InputRequired(_l("请选择居民")), NumberRange(1, MAX_INT, message=_l("请选择居民"))])
    rule_id = SelectField(_l("善行事项（本县规则表）"), choices=[], coerce=int,
                          validate_choice=False)
    deed_date = ChineseDateField(_l("善行日期"), validators=[InputRequired(_l("请填写善行日期"))])
    description = TextAreaField(_l("事迹说明（将公示，请勿写入身份证号、电话）"), validators=[
        DataRequired(_l("请填写事迹说明")), Length(max=2000, message=_l("不能超过 2000 个字"))])
    photo = FileField(_l("照片（JPG、PNG，不超过 10 MB，可不传）"))


class ReviewForm(Form):
    comment = TextAreaField(_l("审核意见（不予通过须填写理由）"), validators=[
        Length(max=2000, message=_l("不能超过 2000 个字"))])


class ObjectionForm(Form):
    reason = TextAreaField(_l("异议理由"), validators=[
        DataRequired(_l("请填写异议理由")), Length(max=1000, message=_l("不能超过 1000 个字"))])
