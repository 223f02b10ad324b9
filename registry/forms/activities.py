"""Forms for activities, check-in, service confirmation and corrections (shape only: the
rules and their Chinese messages are in registry/activities.py)."""

from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField

from registry.activities.models import ACTIVITY_CATEGORIES
from registry.forms import Form
from registry.i18n import lazy_gettext as _l


class ActivityForm(Form):
    title = StringField(_l("活动名称"), render_kw={"maxlength": 100, "required": True})
    category = SelectField(_l("服务类别"), choices=[SelectChoice(value, label)
                                            for value, label in ACTIVITY_CATEGORIES.items()])
    content = TextAreaField(_l("活动内容"), render_kw={"rows": 4, "maxlength": 5000})
    notice = TextAreaField(_l("参加须知"), render_kw={"rows": 2, "maxlength": 2000})
    # "auto": the rule decides (activities/minors.py); "yes" is refused for night or risky ones.
    suitable_for_minors = SelectField(_l("适合未成年人参加"), default="auto", choices=[
        SelectChoice("auto", _l("自动判断：夜间或高风险活动为“否”，其余为“是”")),
        SelectChoice("yes", _l("是")),
        SelectChoice("no", _l("否")),
    ])
    address = StringField(_l("活动地点"), render_kw={"maxlength": 200, "required": True})
    starts_at = StringField(_l("开始时间"), render_kw={"type": "datetime-local", "required": True})
    ends_at = StringField(_l("结束时间"), render_kw={"type": "datetime-local", "required": True})
    capacity = StringField(_l("招募人数"), render_kw={"type": "number", "min": 1, "step": 1,
                                              "required": True})
    points_per_hour = StringField(_l("每小时积分"), default="10",
                                  render_kw={"type": "number", "min": 0, "step": 1})


class ActionForm(Form):
    """A button that only needs the CSRF token."""


class MoveForm(Form):
    comment = TextAreaField(_l("意见或理由"), render_kw={"rows": 2, "maxlength": 2000})


class ConfirmForm(Form):
    volunteer_id = HiddenField()
    minutes = StringField(_l("服务时长（分钟）"), render_kw={"type": "number", "min": 1, "step": 1})
    reason = StringField(_l("修改原因"), render_kw={"maxlength": 500})


class WalkInForm(Form):
    volunteer_no = StringField(_l("志愿者编号"), render_kw={"maxlength": 20})
    minutes = StringField(_l("服务时长（分钟）"), render_kw={"type": "number", "min": 1, "step": 1})
    reason = StringField(_l("现场参加原因（必填）"), render_kw={"maxlength": 500})


class CorrectionForm(Form):
    minutes = StringField(_l("更正后的服务时长（分钟）"),
                          render_kw={"type": "number", "min": 0, "step": 1})
    reason = TextAreaField(_l("更正原因"), render_kw={"rows": 3, "maxlength": 500})


class ReviewForm(Form):
    reason = StringField(_l("意见（驳回时必填）"), render_kw={"maxlength": 500})
