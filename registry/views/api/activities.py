"""API: activities, sign-ups, service records, the caller's points, ledger, records and
certificate, and public activities and certificate verification (API.md)."""

import marshmallow as ma
from flask import make_response
from marshmallow.validate import Length, OneOf, Range

from registry.activities import certificates, service_records, signups
from registry.activities import operations as activities
from registry.activities.models import ACTIVITY_CATEGORIES, Activity, ServiceRecord
from registry.clock import isoformat
from registry.errors import NotFound
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.incentives import expiry
from registry.models import STATION_ADMIN, VOLUNTEER
from registry.pagination import paginate_query
from registry.points import ledger
from registry.points import operations as points
from registry.points.models import PointsLedgerEntry
from registry.scoping import get_visible
from registry.views.api import auth_required, blp, current_api_user, page_body
from registry.views.api.idempotency import idempotent
from registry.views.api.schemas import JsonBody, PageArgs, PageSchema

IDEMPOTENCY_DOC = {"parameters": [{
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "maxLength": 100},
    "description": _l("同一键、同一请求体：返回第一次的结果，不重复记入积分"),
}]}


class ActivitySchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    station_id = ma.fields.Integer()
    station_name = ma.fields.String()
    township_code = ma.fields.String()
    starts_at = ma.fields.String()
    ends_at = ma.fields.String()
    capacity = ma.fields.Integer()
    points_per_hour = ma.fields.Integer()
    address = ma.fields.String()
    content = ma.fields.String()
    notice = ma.fields.String()
    category = ma.fields.String()
    suitable_for_minors = ma.fields.Boolean()
    status = ma.fields.String()
    phase = ma.fields.String()


class ActivityPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ActivitySchema))


class ActivityArgs(PageArgs):
    status = ma.fields.String(load_default="", validate=Length(max=20))
    q = ma.fields.String(load_default="", validate=Length(max=50))
    station_id = ma.fields.Integer(load_default=None, validate=Range(1, 2**31 - 1))


class PublicActivityArgs(PageArgs):
    region_code = ma.fields.String(load_default="", validate=Length(max=9))
    station_id = ma.fields.Integer(load_default=None, validate=Range(1, 2**31 - 1))


class ActivityCreate(JsonBody):
    title = ma.fields.String(required=True, validate=Length(max=100))
    station_id = ma.fields.Integer(load_default=None, strict=True)
    starts_at = ma.fields.DateTime(required=True)
    ends_at = ma.fields.DateTime(required=True)
    capacity = ma.fields.Integer(required=True, strict=True)
    points_per_hour = ma.fields.Integer(load_default=0, strict=True)
    address = ma.fields.String(required=True, validate=Length(max=200))
    content = ma.fields.String(load_default="", validate=Length(max=5000))
    notice = ma.fields.String(load_default="", validate=Length(max=2000))
    category = ma.fields.String(load_default="community",
                                validate=OneOf(list(ACTIVITY_CATEGORIES), error=_l(
                                    "服务类别不正确")))
    # 适合未成年人参加: omitted → no for night (22:00–06:00) or risky activities, else yes;
    # true for such an activity → 422.
    suitable_for_minors = ma.fields.Boolean(load_default=None, allow_none=True)
    status = ma.fields.String(load_default="published",
                              validate=OneOf(["draft", "published"],
                                             error=_l("status 只能是 draft 或 published")))


class SignupSchema(ma.Schema):
    id = ma.fields.Integer()
    activity_id = ma.fields.Integer()
    status = ma.fields.String()


class ServiceRecordCreate(JsonBody):
    volunteer_id = ma.fields.Integer(required=True, strict=True)
    minutes = ma.fields.Integer(required=True, strict=True)
    reason = ma.fields.String(load_default="", validate=Length(max=500))


class CorrectionCreate(JsonBody):
    minutes = ma.fields.Integer(required=True, strict=True)
    reason = ma.fields.String(required=True, validate=Length(max=500))


class ServiceRecordSchema(ma.Schema):
    id = ma.fields.Integer()
    activity_id = ma.fields.Integer()
    activity = ma.fields.String()
    volunteer_id = ma.fields.Integer()
    station_id = ma.fields.Integer()
    station = ma.fields.String()
    started_at = ma.fields.String()
    minutes = ma.fields.Integer()
    points = ma.fields.Integer()
    confirmed_by = ma.fields.String()
    confirmed_at = ma.fields.String()
    walk_in = ma.fields.Boolean()
    walk_in_reason = ma.fields.String()
    status = ma.fields.String(metadata={"description": _l("confirmed（已计入）、pending_approval"
                                        "（待另一名工作人员审核，未计入）或 rejected（已驳回）")})
    pending_minutes = ma.fields.Integer(allow_none=True)


class ServiceRecordPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ServiceRecordSchema))
    total_minutes = ma.fields.Integer()


class CorrectionSchema(ma.Schema):
    id = ma.fields.Integer()
    record_id = ma.fields.Integer()
    delta_minutes = ma.fields.Integer()
    minutes_after = ma.fields.Integer()
    delta_points = ma.fields.Integer()
    reason = ma.fields.String()


class PointsSchema(ma.Schema):
    balance = ma.fields.Integer()
    earned = ma.fields.Integer()
    spent = ma.fields.Integer()
    expired = ma.fields.Integer()
    expiring_soon = ma.fields.Integer()


class LedgerEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    created_at = ma.fields.String()
    kind = ma.fields.String()
    points = ma.fields.Integer()
    balance_after = ma.fields.Integer()
    memo = ma.fields.String()


class LedgerPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(LedgerEntrySchema))


class CertificateArgs(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    station_id = ma.fields.Integer(load_default=None, validate=Range(1, 2**31 - 1))


class VerifySchema(ma.Schema):
    valid = ma.fields.Boolean()
    serial = ma.fields.String()
    holder = ma.fields.String()
    total_minutes = ma.fields.Integer()
    issued_at = ma.fields.String()
    issued_on = ma.fields.String()
    issuer = ma.fields.String()
    # "valid", or "updated": a correction changed the hours since (valid is then false), and
    # current_serial/current_url name the certificate that replaces it, if one was issued.
    status = ma.fields.String()
    updated_at = ma.fields.String(allow_none=True)
    current_serial = ma.fields.String(allow_none=True)
    current_url = ma.fields.String(allow_none=True)


def activity_dict(activity: Activity) -> dict:
    return {
        "id": activity.id, "title": activity.title, "station_id": activity.station_id,
        "station_name": activity.station.name if activity.station else "",
        "township_code": activity.township_code, "starts_at": isoformat(activity.starts_at),
        "ends_at": isoformat(activity.ends_at), "capacity": activity.capacity,
        "points_per_hour": activity.points_per_hour, "address": activity.address,
        "content": activity.content, "notice": activity.notice, "category": activity.category,
        "suitable_for_minors": activity.suitable_for_minors, "status": activity.status,
        "phase": activity.phase(),
    }


def record_status(record: ServiceRecord) -> str:
    if record.pending_review is not None:
        return "pending_approval"
    if record.approval == "rejected" and not record.corrections:
        return "rejected"
    return "confirmed"


def record_dict(record: ServiceRecord) -> dict:
    minutes, points = record.current_minutes, record.current_points
    pending = record.pending_review
    return {
        "status": record_status(record), "walk_in_reason": record.walk_in_reason,
        "pending_minutes": pending.minutes if pending else None,
        "id": record.id, "activity_id": record.activity_id, "activity": record.activity.title,
        "volunteer_id": record.volunteer_id, "station_id": record.station_id,
        "station": record.station.name, "started_at": isoformat(record.started_at),
        "minutes": minutes, "points": points,
        "confirmed_by": record.confirmer.display_name if record.confirmer else "",
        "confirmed_at": isoformat(record.confirmed_at), "walk_in": record.walk_in,
    }


def _activity_or_404(activity_id: int) -> Activity:
    activity = get_visible(current_api_user(), Activity, activity_id)
    if activity is None:
        raise NotFound(_("活动不存在"))
    return activity


def _me():
    volunteer = activities.volunteer_of(current_api_user())
    if volunteer is None:
        raise NotFound(_("您还没有志愿者档案"))
    return volunteer


@blp.route("/activities", methods=["GET"])
@auth_required()
@blp.arguments(ActivityArgs, location="query")
@blp.response(200, ActivityPage)
def list_activities(args):
    """Activities: staff see their jurisdiction's, volunteers the published ones."""
    user = current_api_user()
    stmt = activities.activities_stmt(user, args)
    page = paginate_query(stmt, Activity.id, args)
    return page_body(page, activity_dict)


@blp.route("/activities", methods=["POST"])
@auth_required(STATION_ADMIN)
@blp.arguments(ActivityCreate)
@blp.response(201, ActivitySchema)
def create_activity(body):
    """A station admin creates an activity of their own station (published unless draft)."""
    publish = body.pop("status") == "published"
    activity = activities.create_activity(current_api_user(), body, publish=publish)
    db.session.commit()
    return activity_dict(activity)


@blp.route("/activities/<int:activity_id>", methods=["GET"])
@auth_required()
@blp.response(200, ActivitySchema)
def get_activity(activity_id):
    """One activity in the caller's view."""
    return activity_dict(_activity_or_404(activity_id))


@blp.route("/activities/<int:activity_id>/signups", methods=["POST"])
@auth_required(VOLUNTEER)
@blp.response(201, SignupSchema)
def sign_up(activity_id):
    """Sign up: a place, or the waiting list when full; twice → 409."""
    signup = signups.sign_up(current_api_user(), _activity_or_404(activity_id))
    db.session.commit()
    return {"id": signup.id, "activity_id": signup.activity_id, "status": signup.status}


@blp.route("/activities/<int:activity_id>/signups/mine", methods=["DELETE"])
@auth_required(VOLUNTEER)
@blp.response(200, SignupSchema)
def cancel_signup(activity_id):
    """Cancel one's sign-up; the first on the waiting list moves up."""
    signup = signups.cancel_signup(current_api_user(), _activity_or_404(activity_id))
    db.session.commit()
    return {"id": signup.id, "activity_id": signup.activity_id, "status": signup.status}


@blp.route("/activities/<int:activity_id>/service-records", methods=["POST"])
@auth_required(STATION_ADMIN)
@blp.arguments(ServiceRecordCreate)
@blp.response(201, ServiceRecordSchema)
@blp.doc(**IDEMPOTENCY_DOC)
@idempotent
def confirm_service(body, activity_id):
    """Confirm a volunteer's minutes and credit the points in the same transaction.

    A volunteer who neither signed up nor checked in needs `reason` (a walk-in, of the
    station's own jurisdiction only); never a suspended one; minutes inside the activity's
    window and the daily cap. A long or late record answers `status: pending_approval` and
    counts once a second staff member approves it (`/service-reviews`)."""
    activity = _activity_or_404(activity_id)
    volunteer = service_records.find_volunteer(body["volunteer_id"])
    record = service_records.confirm_service(current_api_user(), activity, volunteer,
                                        body["minutes"], body.get("reason", ""))
    db.session.refresh(record)
    return record_dict(record)


@blp.route("/service-records/<int:record_id>/corrections", methods=["POST"])
@auth_required(STATION_ADMIN)
@blp.arguments(CorrectionCreate)
@blp.response(201, CorrectionSchema)
@blp.doc(**IDEMPOTENCY_DOC)
@idempotent
def correct_record(body, record_id):
    """Correct a confirmed record: an audited correction with its ledger entry."""
    record = get_visible(current_api_user(), ServiceRecord, record_id)
    if record is None:
        raise NotFound(_("服务记录不存在"))
    correction = service_records.correct_record(current_api_user(), record, body["minutes"],
                                           body["reason"])
    return {"id": correction.id, "record_id": record.id,
            "delta_minutes": correction.delta_minutes,
            "minutes_after": correction.minutes_after,
            "delta_points": correction.delta_points, "reason": correction.reason}


@blp.route("/me/points", methods=["GET"])
@auth_required(VOLUNTEER)
@blp.response(200, PointsSchema)
def my_points():
    """The caller's points; expiring_soon: points that expire within 30 days (oldest first,
    POINTS_EXPIRY_MONTHS after they were earned; incentives/expiry.py)."""
    volunteer = _me()
    balance = ledger.balance(volunteer)
    return {"balance": balance.balance, "earned": balance.earned, "spent": balance.spent,
            "expired": balance.expired,
            "expiring_soon": expiry.expiring_soon(volunteer, balance=balance)}


@blp.route("/me/ledger", methods=["GET"])
@auth_required(VOLUNTEER)
@blp.arguments(PageArgs, location="query")
@blp.response(200, LedgerPage)
def my_ledger(args):
    """The caller's ledger entries, newest first."""
    page = paginate_query(points.entries_stmt(_me()), PointsLedgerEntry.id, args)
    return page_body(page, lambda e: {
        "id": e.id, "created_at": isoformat(e.created_at), "kind": e.kind, "points": e.points,
        "balance_after": e.balance_after, "memo": e.memo})


@blp.route("/me/service-records", methods=["GET"])
@auth_required(VOLUNTEER)
@blp.arguments(PageArgs, location="query")
@blp.response(200, ServiceRecordPage)
def my_service_records(args):
    """The caller's confirmed service, newest first, and the total minutes."""
    volunteer = _me()
    page = paginate_query(service_records.my_records_stmt(volunteer), ServiceRecord.id, args)
    page.extra["total_minutes"] = volunteer.total_minutes
    return page_body(page, record_dict)


@blp.route("/me/certificate", methods=["GET"])
@auth_required(VOLUNTEER)
@blp.arguments(CertificateArgs, location="query")
@blp.response(200, description=_l("志愿服务记录证明 PDF；编号见 X-Certificate-Serial"),
              content_type="application/pdf")
def my_certificate(args):
    """The caller's 志愿服务记录证明 as a PDF (one per recording station)."""
    cert = certificates.issue(_me(), args.get("station_id"))
    pdf = certificates.render(cert)
    db.session.commit()
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["X-Certificate-Serial"] = cert.serial
    response.headers["Content-Disposition"] = f'attachment; filename="{cert.serial}.pdf"'
    return response


@blp.route("/public/activities", methods=["GET"])
@blp.arguments(PublicActivityArgs, location="query")
@blp.response(200, ActivityPage)
def public_activities(args):
    """Published activities that have not ended; filters region_code, station_id."""
    page = paginate_query(activities.public_activities_stmt(args), Activity.id, args)
    return page_body(page, activity_dict)


@blp.route("/public/certificates/<serial>", methods=["GET"])
@blp.response(200, VerifySchema)
def verify_certificate(serial):
    """Verify a certificate by serial: unknown or tampered → 404; superseded by a
    correction → status "updated", valid false, and the current certificate's serial."""
    result = certificates.verify(serial)
    if result is None:
        raise NotFound(_("证明编号无效：没有这份证明，或其内容已被改动"))
    return result
