"""Reading a JSON body safely: the one parser every API operation (and the idempotency
fingerprint) reads bodies through.

Python's json module recurses once per bracket, so 100,000 brackets raise RecursionError; it
refuses integers of more than 4,300 digits with a ValueError; and it accepts NaN and Infinity.
Each of those would be a 500. Here a body's size is checked before it is parsed, its numbers
while it is parsed (the C parser stops cleanly at its recursion limit), and its nesting before
any schema walks it; every refusal is a 400 (413 for size) in the API's shape.
"""

import json
import math

from flask import g, request
from webargs import core
from webargs.flaskparser import FlaskParser

from registry.errors import RegistryError
from registry.i18n import gettext as _

MAX_JSON_BYTES = 1024 * 1024  # a registry body is a few kilobytes; files are not sent as JSON
MAX_DEPTH = 32
MAX_NUMBER_CHARS = 40  # far beyond any id, amount or count; the schemas bound the values


class BadJson(RegistryError):
    status = 400
    code = "bad_request"


class BodyTooLarge(RegistryError):
    status = 413
    code = "bad_request"


def _depth(value) -> int:
    """How deeply lists and objects nest in a parsed value, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _number(kind):
    def parse(raw: str):
        value = kind(raw) if len(raw) <= MAX_NUMBER_CHARS else math.inf
        if isinstance(value, float) and not math.isfinite(value):
            raise BadJson(_("JSON 中的数字过长（不能超过 %(n)s 位）", n=MAX_NUMBER_CHARS))
        return value

    return parse


def _constant(raw: str):
    raise BadJson(_("JSON 中不能使用 %(value)s", value=raw))


def loads(raw: bytes | str):
    """Parse a JSON document with the guards above; None for an empty body."""
    if len(raw) > MAX_JSON_BYTES:
        raise BodyTooLarge(_("请求体不能超过 1 MB"))
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise BadJson(_("请求体不是有效的 UTF-8 JSON")) from None
    if not text.strip():
        return None
    too_deep = BadJson(_("JSON 嵌套过深（不能超过 %(n)s 层）", n=MAX_DEPTH))
    try:
        value = json.loads(text, parse_int=_number(int), parse_float=_number(float),
                           parse_constant=_constant)
    except RecursionError:
        raise too_deep from None
    except ValueError:
        raise BadJson(_("请求体不是有效的 JSON")) from None
    if _depth(value) > MAX_DEPTH:
        raise too_deep
    return value


def json_body():
    """This request's JSON body, parsed once with the guards (None when there is none)."""
    if "json_body" not in g:
        g.json_body = loads(request.get_data(cache=True)) if request.is_json else None
    return g.json_body


class GuardedParser(FlaskParser):
    """webargs' Flask parser reading JSON through json_body()."""

    def _raw_load_json(self, req):
        if not req.is_json:
            return core.missing
        body = json_body()
        return core.missing if body is None else body
