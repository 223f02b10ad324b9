"""The RegistryError tree and the handlers that answer it as a page or as API JSON."""

import re

from flask import Flask, flash, jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l

API_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "bad_request",
    409: "conflict",
    413: "bad_request",
    415: "bad_request",
    422: "validation_error",
    429: "rate_limited",
}
HTTP_MESSAGES = {
    400: _l("请求格式不正确"),
    401: _l("请先登录"),
    403: _l("没有权限访问"),
    404: _l("页面或记录不存在"),
    405: _l("不支持该请求方法"),
    409: _l("操作与当前状态冲突"),
    413: _l("上传的内容太大"),
    415: _l("不支持的内容类型"),
    422: _l("提交的数据有误"),
    429: _l("请求过于频繁，请稍后再试"),
    500: _l("服务器内部错误，请稍后再试"),
}
# marshmallow/webargs messages people would otherwise see in English.
FIELD_MESSAGES = {
    "Missing data for required field.": _l("此项为必填项"),
    "Not a valid integer.": _l("必须是整数"),
    "Not a valid string.": _l("必须是文本"),
    "Not a valid boolean.": _l("必须是布尔值"),
    "Not a valid datetime.": _l(
        "日期时间格式不正确（应为 ISO 8601，如 2026-11-24T09:30:00+08:00）"),
    "Not a valid date.": _l("日期格式不正确（应为 YYYY-MM-DD）"),
    "Unknown field.": _l("不认识的字段"),
    "Field may not be null.": _l("此项不能为空"),
    "Invalid input type.": _l("数据类型不正确"),
    "Not a valid number.": _l("必须是数字"),
    "Not a valid mapping type.": _l("必须是 JSON 对象"),
    "Invalid value.": _l("取值不正确"),
}

# marshmallow's validators' messages carry numbers; each pattern gives their Chinese.
PATTERN_MESSAGES = [
    (re.compile(r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\."),
     _l("应在 {0} 到 {1} 之间")),
    (re.compile(r"Must be greater than or equal to (\S+)\."), _l("不能小于 {0}")),
    (re.compile(r"Must be less than or equal to (\S+)\."), _l("不能大于 {0}")),
    (re.compile(r"Longer than maximum length (\d+)\."), _l("不能超过 {0} 个字符")),
    (re.compile(r"Shorter than minimum length (\d+)\."), _l("不能少于 {0} 个字符")),
    (re.compile(r"Length must be between (\d+) and (\d+)\."), _l("长度应在 {0} 到 {1} 个字符之间")),
    (re.compile(r"Must be one of: (.*)\."), _l("应为以下之一：{0}")),
    (re.compile(r"Number too large\."), _l("数字过大")),
]


def chinese(message: str) -> str:
    """A marshmallow/webargs message in Chinese (messages already Chinese pass unchanged)."""
    if message in FIELD_MESSAGES:
        return FIELD_MESSAGES[message]
    for pattern, text in PATTERN_MESSAGES:
        match = pattern.fullmatch(message)
        if match:
            return text.format(*match.groups())
    return message


class RegistryError(Exception):
    """A rule was broken; the message is Chinese and says what to do about it."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        if field:
            self.fields.setdefault(field, []).append(message)


class ValidationFailed(RegistryError):
    """Input was wrong; fields says which and why."""

    status = 422
    code = "validation_error"


class NotAllowed(RegistryError):
    """The user may not do this."""

    status = 403
    code = "forbidden"


class NotFound(RegistryError):
    """No such row in the user's jurisdiction."""

    status = 404
    code = "not_found"


class Conflict(RegistryError):
    """The move does not fit the row's current state (a workflow or uniqueness conflict)."""

    status = 409
    code = "conflict"


class FieldErrors:
    """Collects every field's errors so that a form shows all of them at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def check(self, func, *args, **kwargs):
        """Call a validator; keep its error instead of raising, and return None."""
        try:
            return func(*args, **kwargs)
        except ValidationFailed as error:
            for name, messages in error.fields.items():
                self.fields.setdefault(name, []).extend(messages)
            if not error.fields:
                self.fields.setdefault("_schema", []).append(error.message)
            return None

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            first = next(iter(self.fields.values()))[0]
            raise ValidationFailed(first, fields=self.fields)


def translate_field_messages(messages) -> dict:
    """Flatten webargs' {'json': {'field': [...]}} into {'field': [Chinese, ...]}."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in ("json", "query", "form", "headers", "files", "path") and not prefix:
                    walk("", inner)
                else:
                    walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            out.setdefault(prefix or "_schema", []).extend(
                chinese(v) for v in value
            )
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(f"{prefix}.{index}", inner)
        elif isinstance(value, str):
            out.setdefault(prefix or "_schema", []).append(chinese(value))

    walk("", messages or {})
    return out


def api_error(status: int, message: str, fields: dict | None = None, code: str | None = None):
    """The API's one error shape."""
    body = {"error": {"code": code or API_CODES.get(status, "bad_request"), "message": message}}
    if fields:
        body["error"]["fields"] = fields
    response = jsonify(body)
    response.status_code = status
    return response


def wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    """Answer every error in Chinese: JSON under /api/, a page elsewhere."""

    @app.errorhandler(RegistryError)
    def handle_registry_error(error: RegistryError):
        db.session.rollback()
        if wants_json():
            return api_error(error.status, error.message, error.fields, error.code)
        if error.status == 404:
            return render_error(404)
        if request.method == "GET":
            return render_error(400, error.message)
        flash(error.message, "danger")
        return redirect(request.referrer or "/")

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        status = error.code or 500
        if wants_json():
            data = getattr(error, "data", None) or {}
            fields = translate_field_messages(data.get("messages") or data.get("errors"))
            message = data.get("message") or _(HTTP_MESSAGES.get(status, "请求有误"))
            if status == 422 and fields:
                message = _("提交的数据有误，请检查标出的字段")
            response = api_error(status, message, fields or None)
            for key, value in (data.get("headers") or {}).items():
                response.headers[key] = value
            return response
        return render_error(status)

    @app.errorhandler(CSRFError)
    def handle_csrf(error: CSRFError):
        message = _("页面已过期或缺少安全令牌，请刷新页面后重试")
        if wants_json():
            return api_error(400, message)
        return render_error(400, message)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        db.session.rollback()
        if wants_json():
            return api_error(500, _(HTTP_MESSAGES[500]), code="server_error")
        return render_error(500)


def render_error(status: int, detail: str | None = None):
    """The Chinese error page for status. A status without its own text keeps its code (a 416
    for a bad Range header is the client's error, not a 500) with a generic message."""
    if status in HTTP_MESSAGES:
        message = _(HTTP_MESSAGES[status])
    elif 400 <= status < 500:
        message = _("请求有误")
    else:
        status, message = 500, _(HTTP_MESSAGES[500])
    return render_template("error.html", status=status, message=message, detail=detail), status
