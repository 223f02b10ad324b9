"""API: the four-eyes list of service records and corrections waiting for a second staff
member, and its decisions (approve, reject with a reason)."""

import marshmallow as ma
from marshmallow.validate import Length, Range

from registry.activities import approvals, service_rules
from registry.activities.models import ServiceReview
from registry.clock import isoformat
from registry.errors import NotFound
from registry.extensions import db
from registry.i18n import gettext as _
from registry.pagination import paginate_query
from registry.scoping import get_visible
from registry.views.api import auth_required, blp, current_api_user, page_body
from registry.views.api.schemas import JsonBody, PageArgs, PageSchema


class ReviewSchema(ma.Schema):
    id = ma.fields.Integer()
    record_id = ma.fields.Integer()
    correction_id = ma.fields.Integer(allow_none=True)
    activity_id = ma.fields.Integer()
    activity = ma.fields.String()
    volunteer_id = ma.fields.Integer()
    volunteer = ma.fields.String()
    minutes = ma.fields.Integer()
    delta_minutes = ma.fields.Integer()
    delta_points = ma.fields.Integer()
    grounds = ma.fields.String()
    status = ma.fields.String()
    requested_by = ma.fields.String()
    requested_at = ma.fields.String()
    decision_reason = ma.fields.String()


class ReviewPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ReviewSchema))


class ReviewArgs(PageArgs):
    activity_id = ma.fields.Integer(load_default=None, validate=Range(1, 2**31 - 1))


class ReviewDecision(JsonBody):
    reason = ma.fields.String(load_default="", validate=Length(max=500))


def review_dict(review: ServiceReview) -> dict:
    return {
        "id": review.id, "record_id": review.record_id, "correction_id": review.correction_id,
        "activity_id": review.activity_id, "activity": review.activity.title,
        "volunteer_id": review.volunteer_id, "volunteer": review.volunteer.name,
        "minutes": review.minutes, "delta_minutes": review.delta_minutes,
        "delta_points": review.delta_points, "grounds": service_rules.grounds_of(review),
        "status": review.status,
        "requested_by": review.requester.display_name if review.requester else "",
        "requested_at": isoformat(review.requested_at),
        "decision_reason": review.decision_reason,
    }


@blp.route("/service-reviews", methods=["GET"])
@auth_required(*approvals.REVIEWERS)
@blp.arguments(ReviewArgs, location="query")
@blp.response(200, ReviewPage)
def pending_reviews(args):
    """Service records and corrections waiting for a second staff member (four eyes)."""
    stmt = approvals.pending_stmt(current_api_user(), args)
    return page_body(paginate_query(stmt, ServiceReview.id, args), review_dict)


@blp.route("/service-reviews/<int:review_id>/<any(approve, reject):decision>",
           methods=["POST"])
@auth_required(*approvals.REVIEWERS)
@blp.arguments(ReviewDecision)
@blp.response(200, ReviewSchema)
def decide_review(body, review_id, decision):
    """Approve (minutes and points start to count) or reject (reason required); never by
    the staff member who recorded it."""
    review = get_visible(current_api_user(), ServiceReview, review_id)
    if review is None:
        raise NotFound(_("待审核记录不存在"))
    review = approvals.decide(current_api_user(), review, decision, body.get("reason", ""))
    db.session.commit()
    return review_dict(review)
