"""Request plumbing: the user loader, idle timeout, forced password change, locale, template
helpers, security and cache headers, and the rules that hold on every route: no personal data
in URLs, bounded ids in URLs, no NUL characters, uploaded file names without control characters."""

import secrets
import time
from typing import NamedTuple

from flask import Flask, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from markupsafe import Markup
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter
from wtforms import FileField

from registry import audit, notifications, privacy, regions
from registry.accounts import ROLE_LABELS, password_expired
from registry.clock import to_local
from registry.errors import api_error, render_error
from registry.extensions import db, login_manager
from registry.i18n import gettext as _
from registry.masking import mask_id_number, mask_name, mask_office_phone, mask_phone
from registry.models import STAFF_ROLES, User
from registry.validators import MAX_INT, clean_filename

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'nonce-{nonce}'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DEFAULT_LOCALE = "zh_Hans_CN"
# Pages a user who must change their password can still reach.
OPEN_ENDPOINTS = {"auth.change_password", "auth.logout", "static", "main.set_language",
                  "main.healthz"}
# Files that hold no personal data and may be cached by browsers and proxies.
STATIC_PREFIXES = ("/static/", "/admin/static/")
# Seconds between two writes of the session's last activity (the idle timeout's clock).
LAST_SEEN_GRANULARITY = 60


def without_stray_files(form, formdata):
    """The one rule for every form's data (page forms and back office): a file part is kept
    only under the name of one of the form's file fields. A file sent under a text field's
    name would reach WTForms' validators (len() of a FileStorage is a 500); dropped, the
    field is simply empty and says so (required) like any missing value."""
    if formdata is None or not hasattr(formdata, "items"):
        return formdata
    file_names = {field.name for field in form if isinstance(field, FileField)}
    return MultiDict([(name, value) for name, value in formdata.items(multi=True)
                      if name in file_names or not isinstance(value, FileStorage)])


class BoundedIntConverter(IntegerConverter):
    """<int:...> in every URL: an id above the database's INTEGER matches no route (404), so
    it never reaches PostgreSQL, which raises on it."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def select_locale() -> str:
    """Chinese unless English is chosen: on pages by the language switch (kept in the session),
    in the API (bearer tokens, no session) by the Accept-Language header."""
    if not request:
        return DEFAULT_LOCALE
    if request.path.startswith("/api/"):
        # Werkzeug matches "en-US" to "en" and "zh-CN" / "zh-Hans" to "zh".
        best = request.accept_languages.best_match(["zh", "en"])
        return "en" if best == "en" else DEFAULT_LOCALE
    return session.get("lang", DEFAULT_LOCALE)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        ident, version = (int(part) for part in user_id.split(":"))
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, ident)
    if user is None or user.session_version != version or not user.active:
        return None
    audit.set_actor(user)
    return user


def register_request_hooks(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _("请先登录")
    login_manager.login_message_category = "warning"

    @app.before_request
    def refuse_nul_characters():
        # PostgreSQL text cannot hold NUL; no person types one, so refuse it up front.
        values = list(request.args.values()) + list(request.form.values())
        if any("\x00" in value for value in values) or (
            request.is_json and b"\\u0000" in request.get_data()
        ):
            message = _("提交的内容包含无效字符（NUL），请检查后重新输入")
            if request.path.startswith("/api/"):
                return api_error(400, message)
            return render_error(400, message)
        return None

    @app.before_request
    def refuse_personal_data_in_url():
        # Runs before the login redirect, which would copy the URL into ?next=.
        names = privacy.personal_arguments(request.args)
        if not names or request.path.startswith(STATIC_PREFIXES):
            return None
        if request.path.startswith("/api/"):
            message = _api_pointer()
            return api_error(422, message, {name: [message] for name in names})
        return render_error(422, _("网址中不能含手机号码或身份证号码（会留在访问日志和浏览器"
                                   "历史中）。请在页面的查询框中输入后点“查询”。"))

    @app.before_request
    def clean_uploaded_file_names():
        # One rule for every upload: a name is only ever shown or sent back as a header, and
        # CR/LF or other control characters there would break the page or the header.
        if request.mimetype == "multipart/form-data":
            for _name, upload in request.files.items(multi=True):
                upload.filename = clean_filename(upload.filename)

    @app.before_request
    def enforce_session_rules():
        if request.path.startswith(("/api/", "/static/")) or request.path == "/healthz":
            return None
        if not current_user.is_authenticated:
            return None
        now = time.time()
        if current_user.role in STAFF_ROLES:
            idle = app.config["STAFF_IDLE_TIMEOUT"].total_seconds()
            last = session.get("last_seen", now)
            if now - last > idle:
                logout_user()
                session.pop("last_seen", None)
                flash(_("长时间未操作，已自动退出，请重新登录"), "warning")
                return redirect(url_for("auth.login", next=request.full_path))
        # Written at most once a minute: an unchanged session is not signed and sent again.
        if now - session.get("last_seen", 0) >= LAST_SEEN_GRANULARITY:
            session["last_seen"] = now
        if request.endpoint not in OPEN_ENDPOINTS and (
            current_user.must_change_password or password_expired(current_user)
        ):
            flash(_("请先修改密码（首次登录或密码已超过 90 天）"), "warning")
            return redirect(url_for("auth.change_password"))
        return None

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CSP.format(nonce=csp_nonce()))
        if _private_response():
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("STRICT_TRANSPORT_SECURITY"):
            response.headers.setdefault("Strict-Transport-Security",
                                        app.config["STRICT_TRANSPORT_SECURITY"])
        return response

    @app.context_processor
    def template_helpers():
        return {
            "role_label": lambda role: _(ROLE_LABELS[role]) if role in ROLE_LABELS else role,
            "mask_phone": mask_phone,
            "mask_office_phone": mask_office_phone,
            "mask_id_number": mask_id_number,
            "mask_name": mask_name,
            "current_region": _current_region,
            "region_name": regions.name_of,
            "current_lang": select_locale(),
            "csp_nonce": csp_nonce,
            "main_nav": main_nav,
            "bell_count": bell_count,
        }

    app.jinja_env.filters["localtime"] = _format_local
    app.jinja_env.filters["hours"] = lambda minutes: f"{(minutes or 0) / 60:.1f}"
    app.jinja_env.filters["yuan"] = lambda fen: f"{(fen or 0) / 100:,.2f}"


def _private_response() -> bool:
    """Whether no cache may keep this response: everything but static files. A rule by kind of
    page (signed in, API, form post) can be forgotten for a new page; public pages show personal
    data too, even masked (a certificate's holder and hours), so nothing else is ever cached."""
    return not request.path.startswith(STATIC_PREFIXES)


def _api_pointer() -> str:
    """The refusal of a phone or ID number in an API URL, naming the POST search endpoint when
    the list has one (GET /api/v1/volunteers → POST /api/v1/volunteers/search)."""
    search = request.path.rstrip("/") + "/search"
    try:
        current_app.url_map.bind("").match(search, method="POST")
    except HTTPException:
        return _("手机号码、身份证号码不能放在网址中（会留在访问日志里），请放在 POST 请求体中发送")
    return _("手机号码、身份证号码不能放在网址中（会留在访问日志里）：请改用 POST %(path)s，"
             "把查询条件放在 JSON 请求体中", path=search)


def csp_nonce() -> str:
    """A fresh nonce per request for the few inline scripts (the back office has some)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def main_nav() -> Markup:
    """The main menu (templates/_main_nav.html), drawn once per role and language: it shows
    what a role may open and nothing of the person."""
    role = current_user.role if current_user.is_authenticated else None
    key = (role, select_locale(), request.script_root)
    cache = current_app.extensions.setdefault("main_nav_html", {})
    if key not in cache:
        cache[key] = Markup(render_template("_main_nav.html"))
    return cache[key]


def bell_count() -> int:
    """The signed-in user's unread messages (capped: notifications.BELL_CAP + 1), counted when a
    page first asks and kept for the request only: never for anonymous visitors, never shared
    across users like main_nav."""
    if not current_user.is_authenticated:
        return 0
    if "bell_count" not in g:
        g.bell_count = notifications.unread_count(current_user)
    return g.bell_count


class CurrentRegion(NamedTuple):
    code: str
    name: str


def _current_region() -> CurrentRegion | None:
    """The signed-in user's region as pages name it (from the table each worker keeps)."""
    if not current_user.is_authenticated:
        return None
    name = regions.name_of(current_user.region_code)
    return CurrentRegion(current_user.region_code, name) if name else None



def _format_local(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    local = to_local(value)
    return local.strftime(fmt) if local else ""


