"""Login, logout and changing one's own password."""

import time
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from registry import accounts, audit
from registry.errors import RegistryError
from registry.extensions import db, limiter
from registry.forms import show_errors
from registry.forms.auth import ChangePasswordForm, LoginForm
from registry.i18n import gettext as _

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Only a path on this site; anything else (another host, //evil) goes home."""
    if not target:
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return url_for("main.home")
    return target


def _login_limit() -> str:
    from flask import current_app

    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.login.data, form.password.data)
        except RegistryError as error:
            db.session.rollback()
            form.password.errors = [error.message]
        else:
            audit.set_actor(user)
            lang = session.get("lang")
            session.clear()  # a new session on login (no fixation); keep the chosen language
            if lang:
                session["lang"] = lang
            login_user(user)
            session["last_seen"] = time.time()
            audit.record("login", user)
            db.session.commit()
            return redirect(safe_next(form.next.data))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    accounts.log_out(current_user)
    db.session.commit()
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("已退出登录"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_own_password(current_user, form.current_password.data,
                                         form.new_password.data, form.confirm.data)
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            # The session version moved on: log in again with this session only.
            login_user(current_user._get_current_object())
            flash(_("密码已修改，其他设备上的登录已失效"), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form)
