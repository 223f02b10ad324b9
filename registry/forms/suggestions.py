"""Forms of 社情民意 (shape only; the rules live in registry/participation/operations.py)."""

from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from registry.forms import Form
from registry.i18n import lazy_gettext as _l
from registry.participation.models import RATINGS, SUGGESTION_CATEGORIES


class SuggestionForm(Form):
    category = SelectField(_l("留言类别"), choices=[("", _l("请选择"))] + list(
        SUGGESTION_CATEGORIES.items()), validators=[DataRequired(_l("请选择留言类别"))])
    township_code = SelectField(_l("所在乡镇（街道）"), choices=[], validate_choice=False,
                                validators=[DataRequired(_l("请选择所在乡镇（街道）"))])
    content = TextAreaField(_l("留言内容"), validators=[
        DataRequired(_l("请填写留言内容")), Length(max=2000, message=_l("不能超过 2000 个字"))])
    photo = FileField(_l("照片（JPG、PNG，不超过 10 MB，可不传）"))
    contact = StringField(_l("联系方式（可不填；仅办理人员可见）"), validators=[
        Length(max=100, message=_l("不能超过 100 个字"))])
    anonymous = BooleanField(_l("匿名留言（不关联我的账号）"), default=True)


class TrackForm(Form):
    tracking_code = StringField(_l("查询码"), validators=[
        DataRequired(_l("请填写查询码")), Length(max=20, message=_l("查询码为 10 位"))])


class RateForm(Form):
    tracking_code = HiddenField(validators=[DataRequired(_l("请填写查询码")), Length(max=20)])
    rating = SelectField(_l("您对答复的评价"), choices=list(RATINGS.items()),
                         validate_choice=False)
    reason = TextAreaField(_l("理由（不满意须填写）"), validators=[
        Length(max=500, message=_l("不能超过 500 个字"))])


class ReopenForm(Form):
    tracking_code = HiddenField(validators=[DataRequired(_l("请填写查询码")), Length(max=20)])
    reason = TextAreaField(_l("还需要办理的内容（可不填）"), validators=[
        Length(max=500, message=_l("不能超过 500 个字"))])


class AnswerForm(Form):
    answer = TextAreaField(_l("答复内容"), validators=[
        DataRequired(_l("请填写答复内容")), Length(max=2000, message=_l("不能超过 2000 个字"))])


class ForwardForm(Form):
    region_code = SelectField(_l("转交到"), choices=[], validate_choice=False,
                              validators=[DataRequired(_l("请选择转交到的地区"))])

