"""Forms for incubation, training and grants (shape only; rules live in the domain modules)."""

from sqlalchemy import select
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from registry.extensions import db
from registry.forms import ChineseDateField, Form
from registry.i18n import lazy_gettext as _l
from registry.models import Region
from registry.scoping import region_codes_under
from registry.support.models import GRANT_TYPES


def required(label: str) -> InputRequired:
    return InputRequired(message=_l("请填写%(label)s", label=label))


def region_choices_for(user) -> list[SelectChoice]:
    """The regions in the user's jurisdiction, county level first, for a select."""
    stmt = (select(Region.code, Region.name, Region.level)
            .where(Region.code.in_(region_codes_under(user.region_code)))
            .order_by(Region.code))
    indent = {"city": "", "county": "　", "township": "　　"}
    return [SelectChoice(code, f"{indent.get(level, '')}{name}") for code, name, level in
            db.session.execute(stmt)]


class IncubatorForm(Form):
    name = StringField(_l("孵化基地名称"), [required(_l("孵化基地名称"))])
    region_code = SelectField(_l("所属区划"), choices=[], validate_choice=False)
    operator_id = StringField(_l("运营机构（社会组织名称或统一社会信用代码，可不填）"),
                              [Optional()])
    address = StringField(_l("地址"), [Optional()])
    description = TextAreaField(_l("简介"), [Optional()])


class IntakeForm(Form):
    year = StringField(_l("年度"), [required(_l("年度"))])
    title = StringField(_l("批次名称"), [required(_l("批次名称"))])
    opens_on = ChineseDateField(_l("报名开始日期"), [required(_l("报名开始日期"))])
    closes_on = ChineseDateField(_l("报名截止日期"), [required(_l("报名截止日期"))])
    capacity = StringField(_l("计划入驻数量（家）"), [required(_l("计划入驻数量"))])


class ApplyForm(Form):
    organization = StringField(_l("申请组织（名称或统一社会信用代码）"), [Optional()])
    plan = TextAreaField(_l("入驻计划（项目简介）"), [required(_l("入驻计划"))])


class CommentForm(Form):
    comment = TextAreaField(_l("意见"), [Optional()])


class ScoreForm(Form):
    score = StringField(_l("评审总分（0–100）"), [required(_l("评审总分"))])
    score_comment = TextAreaField(_l("评审意见"), [required(_l("评审意见"))])


class AdmitForm(Form):
    start_on = ChineseDateField(_l("孵化开始日期（默认今天）"), [Optional()])
    end_on = ChineseDateField(_l("孵化结束日期（默认按配置的孵化期）"), [Optional()])
    mentor = StringField(_l("导师"), [Optional()])
    agreement_no = StringField(_l("入驻协议编号"), [Optional()])
    comment = TextAreaField(_l("意见"), [Optional()])


class MidReviewForm(Form):
    mid_score = StringField(_l("中期评估得分（0–100）"), [required(_l("中期评估得分"))])
    comment = TextAreaField(_l("中期评估意见"), [required(_l("中期评估意见"))])


class FinishForm(Form):
    finished_on = ChineseDateField(_l("日期（默认今天）"), [Optional()])
    comment = TextAreaField(_l("意见"), [Optional()])


class MilestoneForm(Form):
    title = StringField(_l("里程碑内容"), [required(_l("里程碑内容"))])
    due_on = ChineseDateField(_l("计划完成日期"), [required(_l("计划完成日期"))])


class MilestoneDoneForm(Form):
    done_on = ChineseDateField(_l("完成日期（默认今天）"), [Optional()])


class TrainingForm(Form):
    title = StringField(_l("培训名称"), [required(_l("培训名称"))])
    region_code = SelectField(_l("面向区划"), choices=[], validate_choice=False)
    held_on = ChineseDateField(_l("培训日期"), [required(_l("培训日期"))])
    minutes = StringField(_l("培训时长（分钟）"), [required(_l("培训时长"))])
    place = StringField(_l("培训地点"), [required(_l("培训地点"))])
    organizer = StringField(_l("主办单位"), [Optional()])
    description = TextAreaField(_l("培训内容"), [Optional()])


class AttendanceForm(Form):
    organization = StringField(_l("所属组织（名称或统一社会信用代码）"), [required(_l("所属组织"))])
    person_name = StringField(_l("参训人员姓名"), [required(_l("参训人员姓名"))])


class GrantForm(Form):
    organization = StringField(_l("受助组织（名称或统一社会信用代码）"), [required(_l("受助组织"))])
    grant_type = SelectField(_l("资金类型"), validate_choice=False,
                             choices=[SelectChoice(k, v) for k, v in GRANT_TYPES.items()])
    amount = StringField(_l("金额（元，最多两位小数）"), [required(_l("金额"))])
    purpose = TextAreaField(_l("资金用途（项目名称及内容）"), [required(_l("资金用途"))])
    source = StringField(_l("资金来源"), [required(_l("资金来源"))])
    granted_on = ChineseDateField(_l("批准日期"), [required(_l("批准日期"))])


class PayForm(Form):
    paid_on = ChineseDateField(_l("拨付日期"), [required(_l("拨付日期"))])
    payment_ref = StringField(_l("拨付凭证号"), [Optional()])
