"""Login and password forms."""

from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from registry.forms import Form
from registry.i18n import lazy_gettext as _l


class LoginForm(Form):
    login = StringField(_l("用户名或手机号"), validators=[DataRequired(_l("请填写用户名")),
                                                     Length(max=64, message=_l("用户名过长"))])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请填写密码")),
                                                  Length(max=128, message=_l("密码过长"))])
    next = HiddenField()


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请填写当前密码")),
                                                             Length(max=128)])
    new_password = PasswordField(_l("新密码"), validators=[DataRequired(_l("请填写新密码")),
                                                        Length(max=128, message=_l("密码过长"))])
    confirm = PasswordField(_l("再次输入新密码"), validators=[DataRequired(_l("请再次输入新密码"))])
