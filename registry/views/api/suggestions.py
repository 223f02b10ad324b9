"""API: 社情民意 (API.md): public posting, tracking, rating and reopening by tracking code, the
public board of answered suggestions; the handling staff's list, answer and forward."""

import marshmallow as ma
from flask import current_app
from marshmallow.validate import Length, OneOf

from registry.clock import isoformat
from registry.errors import NotFound
from registry.extensions import db, limiter
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.pagination import paginate_query
from registry.participation import operations as ops
from registry.participation.models import RATINGS, SUGGESTION_CATEGORIES, Suggestion
from registry.scoping import get_visible
from registry.views.api import auth_required, blp, current_api_user, page_body
from registry.views.api.idempotency import idempotent
from registry.views.api.schemas import ErrorSchema, JsonBody, PageArgs, PageSchema

PUBLIC_LIMIT = lambda: current_app.config["PUBLIC_WRITE_RATE_LIMIT"]  # noqa: E731
IDEMPOTENCY_DOC = {"parameters": [{
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "maxLength": 100},
    "description": _l("同一键、同一请求体：返回第一次的结果，不重复答复"),
}]}


class SuggestionCreate(JsonBody):
    township_code = ma.fields.String(required=True, validate=Length(max=9))
    category = ma.fields.String(required=True, validate=OneOf(
        list(SUGGESTION_CATEGORIES), error=_l("留言类别只能是 consult、suggest、help 或 complain")))
    content = ma.fields.String(required=True, validate=Length(max=2000))
    contact = ma.fields.String(load_default="", validate=Length(max=100))


class SuggestionTrackingSchema(ma.Schema):
    tracking_code = ma.fields.String()


class SuggestionCodeBody(JsonBody):
    tracking_code = ma.fields.String(required=True, validate=Length(max=20))


class SuggestionRateBody(JsonBody):
    tracking_code = ma.fields.String(required=True, validate=Length(max=20))
    rating = ma.fields.String(required=True, validate=OneOf(
        list(RATINGS), error=_l("评价只能是 satisfied、basically_satisfied 或 unsatisfied")))
    reason = ma.fields.String(load_default="", validate=Length(max=500),
                              metadata={"description": _l("评价为不满意时必填")})


class SuggestionReopenBody(JsonBody):
    tracking_code = ma.fields.String(required=True, validate=Length(max=20))
    reason = ma.fields.String(load_default="", validate=Length(max=500))


class SuggestionStatusSchema(ma.Schema):
    tracking_code = ma.fields.String()
    category = ma.fields.String()
    township_code = ma.fields.String()
    handler_name = ma.fields.String()
    content = ma.fields.String()
    status = ma.fields.String()
    posted_on = ma.fields.Date()
    due_on = ma.fields.Date()
    overdue = ma.fields.Boolean()
    answer = ma.fields.String()
    answered_at = ma.fields.String(allow_none=True)
    rating = ma.fields.String(allow_none=True)
    can_rate = ma.fields.Boolean()
    can_reopen = ma.fields.Boolean()


class PublicSuggestionSchema(ma.Schema):
    id = ma.fields.Integer()
    category = ma.fields.String()
    township_code = ma.fields.String()
    township_name = ma.fields.String()
    content = ma.fields.String()
    answer = ma.fields.String()
    posted_on = ma.fields.Date()
    answered_on = ma.fields.Date(allow_none=True)
    rating = ma.fields.String(allow_none=True)


class PublicSuggestionPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(PublicSuggestionSchema))


class PublicSuggestionArgs(PageArgs):
    category = ma.fields.String(load_default="", validate=Length(max=20))
    township_code = ma.fields.String(load_default="", validate=Length(max=9))


class SuggestionSchema(ma.Schema):
    id = ma.fields.Integer()
    category = ma.fields.String()
    township_code = ma.fields.String()
    handler_code = ma.fields.String()
    content = ma.fields.String()
    status = ma.fields.String()
    due_on = ma.fields.String(metadata={"description": _l("答复期限（北京时间日期）")})
    overdue = ma.fields.Boolean()
    anonymous = ma.fields.Boolean()
    contact = ma.fields.String(metadata={"description": _l(
        "列表中脱敏；单条查询仅对办理人员显示全文")})
    answer = ma.fields.String()
    answered_at = ma.fields.String(allow_none=True)
    forwarded_count = ma.fields.Integer()
    rating = ma.fields.String(allow_none=True)
    rating_reason = ma.fields.String()
    reopen_count = ma.fields.Integer()
    created_at = ma.fields.String()


class SuggestionPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(SuggestionSchema))


class SuggestionArgs(PageArgs):
    status = ma.fields.String(load_default="", validate=Length(max=20))
    category = ma.fields.String(load_default="", validate=Length(max=20))
    township_code = ma.fields.String(load_default="", validate=Length(max=9))
    overdue = ma.fields.Boolean(load_default=False)


class SuggestionAnswerBody(JsonBody):
    answer = ma.fields.String(required=True, validate=Length(max=2000))


class SuggestionForwardBody(JsonBody):
    region_code = ma.fields.String(required=True, validate=Length(max=9))


def status_dict(suggestion: Suggestion) -> dict:
    body = ops.public_status(suggestion)
    body["answered_at"] = isoformat(suggestion.answered_at)
    return body


def suggestion_dict(suggestion: Suggestion, *, full_contact: bool = False) -> dict:
    contact = (ops.contact_of(current_api_user(), suggestion) if full_contact
               else suggestion.contact_masked)
    return {
        "id": suggestion.id, "category": suggestion.category,
        "township_code": suggestion.township_code, "handler_code": suggestion.handler_code,
        "content": suggestion.content, "status": suggestion.status,
        "due_on": suggestion.due_on.isoformat(), "overdue": ops.is_overdue(suggestion),
        "anonymous": suggestion.poster_user_id is None, "contact": contact,
        "answer": suggestion.answer, "answered_at": isoformat(suggestion.answered_at),
        "forwarded_count": suggestion.forwarded_count, "rating": suggestion.rating,
        "rating_reason": suggestion.rating_reason, "reopen_count": suggestion.reopen_count,
        "created_at": isoformat(suggestion.created_at),
    }


def _suggestion(suggestion_id: int) -> Suggestion:
    suggestion = get_visible(current_api_user(), Suggestion, suggestion_id)
    if suggestion is None:
        raise NotFound(_("留言不存在"))
    return suggestion


@blp.route("/public/suggestions", methods=["POST"])
@limiter.limit(PUBLIC_LIMIT)
@blp.arguments(SuggestionCreate)
@blp.response(201, SuggestionTrackingSchema)
def create_suggestion(body):
    """A suggestion to a township (anonymous; a signed-in volunteer posts by name on the page)
    → its tracking code."""
    suggestion = ops.submit(body)
    db.session.commit()
    return {"tracking_code": suggestion.tracking_code}


@blp.route("/public/suggestions", methods=["GET"])
@blp.arguments(PublicSuggestionArgs, location="query")
@blp.response(200, PublicSuggestionPage)
def public_suggestions(args):
    """Answered suggestions with their answers, newest first: never who posted."""
    page = paginate_query(ops.public_stmt(args), Suggestion.id, args)
    return page_body(page, ops.public_dict)


@blp.route("/public/suggestions/track", methods=["POST"])
@limiter.limit(PUBLIC_LIMIT)
@blp.arguments(SuggestionCodeBody)
@blp.response(200, SuggestionStatusSchema)
def track_suggestion(body):
    """A suggestion's status and answer by its tracking code (in the body, not the URL)."""
    suggestion = ops.by_code(body["tracking_code"])
    if suggestion is None:
        raise NotFound(_("查询码不正确"))
    return status_dict(suggestion)


@blp.route("/public/suggestions/rate", methods=["POST"])
@limiter.limit(PUBLIC_LIMIT)
@blp.arguments(SuggestionRateBody)
@blp.response(200, SuggestionStatusSchema)
@blp.alt_response(409, schema=ErrorSchema, description=_("尚未答复或已评价"))
def rate_suggestion(body):
    """The poster rates the answer (满意/基本满意/不满意; a reason for 不满意)."""
    suggestion = ops.rate(body["tracking_code"], body["rating"], body["reason"])
    db.session.commit()
    return status_dict(suggestion)


@blp.route("/public/suggestions/reopen", methods=["POST"])
@limiter.limit(PUBLIC_LIMIT)
@blp.arguments(SuggestionReopenBody)
@blp.response(200, SuggestionStatusSchema)
@blp.alt_response(409, schema=ErrorSchema, description=_("未评价不满意，或已重新办理过一次"))
def reopen_suggestion(body):
    """An unsatisfied poster reopens the suggestion once; a new due date from today."""
    suggestion = ops.reopen(body["tracking_code"], body["reason"])
    db.session.commit()
    return status_dict(suggestion)


@blp.route("/suggestions", methods=["GET"])
@auth_required(*ops.HANDLER_ROLES)
@blp.arguments(SuggestionArgs, location="query")
@blp.response(200, SuggestionPage)
def list_suggestions(args):
    """Suggestions the caller handles, newest first (contacts masked); filters status,
    category, township_code, overdue."""
    page = paginate_query(ops.list_stmt(current_api_user(), args), Suggestion.id, args)
    return page_body(page, suggestion_dict)


@blp.route("/suggestions/<int:suggestion_id>", methods=["GET"])
@auth_required(*ops.HANDLER_ROLES)
@blp.response(200, SuggestionSchema)
def get_suggestion(suggestion_id):
    """One suggestion, with the poster's contact in full for the handling staff (audited)."""
    body = suggestion_dict(_suggestion(suggestion_id), full_contact=True)
    db.session.commit()
    return body


@blp.route("/suggestions/<int:suggestion_id>/answer", methods=["POST"])
@auth_required(*ops.HANDLER_ROLES)
@blp.arguments(SuggestionAnswerBody)
@blp.response(200, SuggestionSchema)
@blp.alt_response(409, schema=ErrorSchema, description=_("已答复"))
@blp.doc(**IDEMPOTENCY_DOC)
@idempotent
def answer_suggestion(body, suggestion_id):
    """Answer an open suggestion; the poster is told. Twice → 409."""
    return suggestion_dict(ops.answer(current_api_user(), _suggestion(suggestion_id),
                                      body["answer"]))


@blp.route("/suggestions/<int:suggestion_id>/forward", methods=["POST"])
@auth_required(*ops.HANDLER_ROLES)
@blp.arguments(SuggestionForwardBody)
@blp.response(200, SuggestionSchema)
@blp.alt_response(409, schema=ErrorSchema, description=_("已答复"))
def forward_suggestion(body, suggestion_id):
    """Forward to a township of the caller's county or the county (a city official: anywhere
    in the city); the due date does not move."""
    suggestion = ops.forward(current_api_user(), _suggestion(suggestion_id),
                             body["region_code"])
    db.session.commit()
    return suggestion_dict(suggestion)
