"""Schemas shared by API endpoints: the bounds every input obeys, paging arguments, the
error shape."""

import marshmallow as ma
from marshmallow.validate import Length, Range

from registry.errors import ValidationFailed
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.validators import EARLIEST_DATE, LATEST_DATE, MAX_INT, check_date_range


def _date_in_range(value) -> None:
    try:
        check_date_range(value, "date")
    except ValidationFailed as error:
        raise ma.ValidationError(error.message) from None


class InputSchema(ma.Schema):
    """What the API reads (query arguments and bodies). Every whole number is bounded to the
    database's INTEGER unless its field declares its own Range, and every date to 1900–2100,
    so that no input (2^63, 0001-01-01) reaches the database or the UTC conversion."""

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field) -> None:
        bound(field_obj)


def bound(field: ma.fields.Field) -> None:
    """Add the input bounds to field (and to the items of a list field)."""
    if isinstance(field, ma.fields.List):
        bound(field.inner)
    elif isinstance(field, ma.fields.Integer):
        if not any(isinstance(v, Range) for v in field.validators):
            field.validators.append(Range(-MAX_INT, MAX_INT,
                                          error=_("应为 {min} 到 {max} 之间的整数")))
    elif isinstance(field, ma.fields.Date | ma.fields.DateTime):
        if _date_in_range not in field.validators:
            field.validators.append(_date_in_range)
            field.metadata.setdefault(
                "description", _("%(EARLIEST_DATE)s 到 %(LATEST_DATE)s 之间",
                                 EARLIEST_DATE=EARLIEST_DATE,
                                 LATEST_DATE=LATEST_DATE))


class QueryArgs(InputSchema):
    """Query arguments; unknown ones are ignored rather than refused."""

    class Meta:
        unknown = ma.EXCLUDE


class PageArgs(QueryArgs):
    page = ma.fields.Integer(load_default=1,
                             validate=Range(1, 100_000,
                                            error=_l("页码 page 应在 1 到 100000 之间")))
    per_page = ma.fields.Integer(
        load_default=20, validate=Range(1, 100, error=_l("每页条数 per_page 应在 1 到 100 之间"))
    )
    cursor = ma.fields.String(load_default=None, validate=Length(max=40))


class PageSchema(ma.Schema):
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total = ma.fields.Integer(allow_none=True, metadata={
        "description": "null when not counted: a cursor page, or more rows than a large "
                       "list counts (then total_capped is true)"})
    total_capped = ma.fields.Boolean(metadata={"description": "more rows than are counted"})
    next_cursor = ma.fields.String(allow_none=True)


class ErrorBody(ma.Schema):
    code = ma.fields.String(required=True, metadata={"enum": [
        "bad_request", "unauthorized", "forbidden", "not_found", "conflict",
        "validation_error", "rate_limited", "server_error"]})
    message = ma.fields.String(required=True, metadata={"description": _l("中文说明")})
    fields = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
                            metadata={"description": _l("每个有误字段的中文说明（仅字段有误时）")})


class ErrorSchema(ma.Schema):
    """The API's one error shape: {"error": {"code", "message", "fields"}}."""

    error = ma.fields.Nested(ErrorBody, required=True)


class JsonBody(InputSchema):
    """A JSON body: unknown fields are refused with a Chinese message."""

    class Meta:
        unknown = ma.RAISE
