"""Forms for the guidance directory's editor (shape only; the rules are in
registry/purchasing/directory.py)."""

from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from registry.forms import Form
from registry.i18n import lazy_gettext as _l

LEVEL_CHOICES = [("1", _l("1 级（大类）")), ("2", _l("2 级")), ("3", _l("3 级")),
                 ("4", _l("4 级"))]


class EditionForm(Form):
    year = StringField(_l("年度"), [InputRequired(message=_l("请填写年度"))])
    title = StringField(_l("标题（可不填）"), [Optional()])
    source = SelectField(_l("内容"), choices=[], validate_choice=False)


class ItemForm(Form):
    code = StringField(_l("编码"), [InputRequired(message=_l("请填写编码"))])
    level = SelectField(_l("层级"), choices=LEVEL_CHOICES)
    parent_code = StringField(_l("上级编码（1 级条目不填）"), [Optional()])
    name = StringField(_l("名称"), [InputRequired(message=_l("请填写名称"))])
    description = TextAreaField(_l("服务内容说明"), [Optional()])
    purchasing_department = StringField(_l("购买主体（部门）"), [Optional()])
    requirements = TextAreaField(_l("承接主体条件"), [Optional()])


class ImportForm(Form):
    file = FileField(_l("Excel 文件（.xlsx）"), validators=[FileRequired(_l("请选择要上传的文件"))])


class ActionForm(Form):
    """A button's form: only the CSRF token."""
