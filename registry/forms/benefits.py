"""Forms of 公益反哺 (shape only; the rules live in registry/incentives/benefits.py)."""

from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from registry.forms import ChineseDateField, Form
from registry.i18n import lazy_gettext as _l
from registry.volunteers.models import STAR_LABELS


class BenefitForm(Form):
    provider = StringField(_l("提供单位"), validators=[DataRequired(_l("请填写提供单位")),
                                                     Length(max=100)])
    title = StringField(_l("反哺内容"), validators=[DataRequired(_l("请填写反哺内容")),
                                                  Length(max=100)])
    details = TextAreaField(_l("说明"), validators=[Length(max=2000)])
    min_star = SelectField(_l("最低星级"), choices=list(enumerate(STAR_LABELS)), coerce=int)
    min_hours = IntegerField(_l("最低累计服务时长（小时）"), default=0, validators=[
        InputRequired(_l("请填写最低服务时长")), NumberRange(0, 100_000, message=_l(
            "应为 0 到 100000 之间的整数"))])
    quota = IntegerField(_l("名额"), validators=[InputRequired(_l("请填写名额")), NumberRange(
        1, 1_000_000, message=_l("名额应为 1 到 1000000 之间的整数"))])
    valid_from = ChineseDateField(_l("开始日期"), validators=[InputRequired(_l("请填写开始日期"))])
    valid_to = ChineseDateField(_l("截止日期"), validators=[InputRequired(_l("请填写截止日期"))])
    provider_login = StringField(_l("提供单位核销账号（用户名）"), validators=[Length(max=64)])


class ConfirmForm(Form):
    code = StringField(_l("领取码"), validators=[DataRequired(_l("请填写领取码")),
                                               Length(max=20, message=_l("领取码为 10 位"))])


class ClaimForm(Form):
    pass
