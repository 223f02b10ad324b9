"""Schemas shared by API endpoints: paging arguments, errors, the user profile."""

import marshmallow as ma
from marshmallow.validate import Length, Range


class QueryArgs(ma.Schema):
    """Query arguments; unknown ones are ignored rather than refused."""

    class Meta:
        unknown = ma.EXCLUDE


class PageArgs(QueryArgs):
    page = ma.fields.Integer(load_default=1,
                             validate=Range(1, 100_000, error="页码 page 应在 1 到 100000 之间"))
    per_page = ma.fields.Integer(
        load_default=20, validate=Range(1, 100, error="每页条数 per_page 应在 1 到 100 之间")
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
    code = ma.fields.String()
    message = ma.fields.String()
    fields = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()))


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBody)


class JsonBody(ma.Schema):
    """A JSON body: unknown fields are refused with a Chinese message."""

    class Meta:
        unknown = ma.RAISE
