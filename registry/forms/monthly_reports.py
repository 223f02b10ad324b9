"""The "generate now" form of the monthly reports (shape only; the month's rule lives in
registry/dashboards/monthly_reports.py)."""

from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from registry.forms import Form
from registry.i18n import lazy_gettext as _l


class GenerateForm(Form):
    region = SelectField(_l("地区"), choices=[], validators=[DataRequired(_l("请选择地区"))])
    month = StringField(_l("月份"), validators=[
        DataRequired(_l("请选择月份")),
        Length(max=7, message=_l("请按“年-月”填写月份，如 2026-10"))])
