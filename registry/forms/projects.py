"""Forms for purchased-service projects (shape only; the rules are in registry/purchasing/)."""

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from registry.forms import Form
from registry.i18n import lazy_gettext as _l
from registry.purchasing.models import PROCUREMENT_METHODS


class ProjectForm(Form):
    title = StringField(_l("项目名称"))
    year = StringField(_l("预算年度（默认开始日期的年度）"), [Optional()])
    item_code = SelectField(_l("目录条目（现行目录最末一级）"), choices=[], validate_choice=False)
    purchaser = StringField(_l("购买主体（部门）"))
    provider_id = SelectField(_l("承接主体"), choices=[], validate_choice=False)
    procurement_method = SelectField(_l("采购方式"), choices=list(PROCUREMENT_METHODS.items()),
                                     validate_choice=False)
    contract_no = StringField(_l("合同编号（签约前填写）"), [Optional()])
    amount_yuan = StringField(_l("合同金额（元）"))
    starts_on = StringField(_l("开始日期"))
    ends_on = StringField(_l("结束日期"))
    term_reason = TextAreaField(_l("多年期理由（期限超过一年时必填）"), [Optional()])
    deliverables = TextAreaField(_l("服务内容与交付成果"), [Optional()])


class ContractForm(Form):
    contract_no = StringField(_l("合同编号"))
    amount_yuan = StringField(_l("合同金额（元）"))


class PaymentForm(Form):
    amount_yuan = StringField(_l("付款金额（元）"))
    paid_on = StringField(_l("付款日期"))
    voucher_no = StringField(_l("付款凭证号"), [Optional()])


class MilestoneForm(Form):
    milestone_name = StringField(_l("里程碑名称"))
    due_on = StringField(_l("计划完成日期"))


class MoveForm(Form):
    comment = TextAreaField(_l("意见（可不填）"), [Optional()])


class EvaluationForm(Form):
    """The scores come as score_<indicator key> (the indicators are configured)."""

    kind = SelectField(_l("评价方式"), choices=[], validate_choice=False)
    evaluated_on = StringField(_l("评价日期"), [Optional()])
    comment = TextAreaField(_l("评价意见"), [Optional()])


class ActionForm(Form):
    """A button's form: only the CSRF token."""
