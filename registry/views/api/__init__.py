"""The JSON API under /api/v1 (API.md): one blueprint, token auth, one error shape, and an
OpenAPI document that says which statuses and which error shape each operation answers."""

from functools import wraps

from flask import Flask, g, request
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint

from registry import audit
from registry.accounts import (
    ROLE_LABELS,
    PasswordChangeRequired,
    must_change_password,
    user_for_token,
)
from registry.errors import NotAllowed, RegistryError
from registry.extensions import csrf
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.pagination import Page
from registry.views.api.json_body import GuardedParser, json_body
from registry.views.api.schemas import ErrorSchema

BEARER = [{"bearerAuth": []}]
PASSWORD_CHANGE_MESSAGE = _l("请先修改密码（首次登录或密码已超过 90 天）：POST /api/v1/me/password")
PASSWORD_CHANGE_REASON = _l("须先修改密码（password_change_required）")
# The only operations a token of an account that must change its password may call.
PASSWORD_CHANGE_OK = frozenset({"api.change_password", "api.revoke_token"})


class RegistryBlueprint(ApiBlueprint):
    """flask-smorest's Blueprint reading JSON bodies through the guarded parser, and
    documenting on every route the errors any route can answer: 400 (a body that is not
    JSON, too deep, a number too long, a NUL character), 403 password_change_required (a
    token of an account that must change its password, public routes included) and, with
    path ids, 404."""

    ARGUMENTS_PARSER = GuardedParser()

    def route(self, rule, **options):
        register = super().route(rule, **options)

        def decorator(func):
            documented = self.alt_response(
                400, schema=ErrorSchema,
                description=_l("请求格式不正确（JSON 无效、嵌套过深、"
                               "数字过长或含 NUL 字符）"))(func)
            endpoint = f"{self.name}.{options.get('endpoint') or func.__name__}"
            responses = getattr(func, "_apidoc", {}).get("response", {}).get("responses", {})
            if endpoint not in PASSWORD_CHANGE_OK and 403 not in responses:
                documented = self.alt_response(
                    403, schema=ErrorSchema, description=PASSWORD_CHANGE_REASON)(documented)
            if "<" in rule:
                documented = self.alt_response(
                    404, schema=ErrorSchema,
                    description=_l("记录不存在或不在您的管辖范围内"))(documented)
            register(documented)
            return func

        return decorator


blp = RegistryBlueprint("api", __name__, url_prefix="/api/v1",
                        description=_l("南充市社会治理参与登记平台 JSON API"))


@blp.before_request
def refuse_bad_json():
    """Parse (and so guard) every JSON body before any schema, decorator or view sees it."""
    json_body()


@blp.before_request
def refuse_until_password_changed():
    """A bearer token of an account that must change its password reaches nothing else (the
    public routes included): one check for every route, whatever its decorators say."""
    found = token_holder()
    if found and request.endpoint not in PASSWORD_CHANGE_OK and must_change_password(found[0]):
        raise PasswordChangeRequired(PASSWORD_CHANGE_MESSAGE)


class Unauthorized(RegistryError):
    status = 401
    code = "unauthorized"


class RegistryApi(Api):
    """flask-smorest's Api with the app's own error handlers (errors.py) instead of its own,
    and their shape as the documented error schema (422 and the default response use it)."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        return None


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    return None


def token_holder():
    """(user, token) of this request's bearer token, or None: looked up once per request."""
    if "token_holder" not in g:
        g.token_holder = user_for_token(bearer_token() or "")
    return g.token_holder


def current_api_user():
    """The user of the bearer token on this request (set by auth_required)."""
    return g.api_user


def roles_text(roles) -> str:
    """The roles an operation allows, as its 403 description says them."""
    return "、".join(f"{role}（{ROLE_LABELS.get(role, role)}）" for role in roles)


def auth_required(*roles: str, password_change_ok: bool = False):
    """Require a live bearer token, and one of roles if any are given. An account that must
    change its password (temporary, or a staff password past its age) reaches only the
    endpoints marked password_change_ok, like the pages. The OpenAPI document says so
    (security, 401, and 403 naming the roles and password_change_required)."""

    def document(view):
        view = blp.doc(security=BEARER)(view)
        view = blp.alt_response(401, schema=ErrorSchema,
                                description=_l("缺少、无效或已过期的访问令牌"))(view)
        reasons = [] if password_change_ok else [PASSWORD_CHANGE_REASON]
        if roles:
            reasons.insert(0, _("仅限以下角色：%(value1)s", value1=roles_text(roles)))
            view = blp.doc(**{"x-roles": list(roles)})(view)
        if reasons:
            view = blp.alt_response(403, schema=ErrorSchema,
                                    description="；".join(map(str, reasons)))(view)
        return view

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            found = token_holder()
            if found is None:
                raise Unauthorized(_("请先登录（缺少或无效的访问令牌）"))
            g.api_user, g.api_token = found
            audit.set_actor(g.api_user)
            if not password_change_ok and must_change_password(g.api_user):
                raise PasswordChangeRequired(PASSWORD_CHANGE_MESSAGE)
            if roles and g.api_user.role not in roles:
                raise NotAllowed(_("没有权限执行此操作"))
            return view(*args, **kwargs)

        return document(wrapper)

    return decorator


def page_body(page: Page, dump) -> dict:
    """The list answer: items, page, per_page, total and next_cursor."""
    return {
        "items": [dump(item) for item in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "next_cursor": page.next_cursor,
        **page.extra,
    }


def init_api(app: Flask) -> None:
    """Register the blueprint and its OpenAPI document; the endpoint modules (views/api/auth.py
    and each area's, listed in registry/areas.py) have added their routes to it on import."""
    api = RegistryApi()
    api.init_app(app, spec_kwargs={"servers": [{"url": "/"}]})
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer"}
    )
    if "api" not in app.blueprints:
        api.register_blueprint(blp)
    csrf.exempt(blp)
    csrf.exempt("flask_smorest.spec")
