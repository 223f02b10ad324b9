"""API: public reports and their verification (API.md), reward claims, the moral bank's deeds
(record, approve, reject, public 公示 and objections) and 公益反哺 benefits and claims."""

import marshmallow as ma
from flask import current_app
from marshmallow.validate import Length, OneOf

from registry.clock import isoformat
from registry.errors import NotFound
from registry.extensions import db, limiter
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.incentives import benefits, deeds, reports
from registry.incentives.models import REPORT_CATEGORIES, Benefit, Deed, Report
from registry.masking import mask_name
from registry.models import STATION_ADMIN, VOLUNTEER
from registry.pagination import paginate_query
from registry.privacy import mask_in_text
from registry.scoping import get_visible
from registry.views.api import auth_required, blp, current_api_user, page_body
from registry.views.api.idempotency import idempotent
from registry.views.api.schemas import ErrorSchema, JsonBody, PageArgs, PageSchema
from registry.volunteers.operations import own_volunteer

IDEMPOTENCY_DOC = {"parameters": [{
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "maxLength": 100},
    "description": _l("同一键、同一请求体：返回第一次的结果，不重复记入积分或奖金"),
}]}
PUBLIC_LIMIT = lambda: current_app.config["PUBLIC_WRITE_RATE_LIMIT"]  # noqa: E731


# --- reports -------------------------------------------------------------------------------

class ReportCreate(JsonBody):
    category = ma.fields.String(required=True, validate=OneOf(
        list(REPORT_CATEGORIES), error=_l("举报类别不正确")))
    township_code = ma.fields.String(required=True, validate=Length(max=9))
    description = ma.fields.String(required=True, validate=Length(max=5000))
    reported_party = ma.fields.String(load_default="", validate=Length(max=200))
    contact = ma.fields.String(load_default="", validate=Length(max=100))


class TrackingSchema(ma.Schema):
    tracking_code = ma.fields.String()


class PublicReportSchema(ma.Schema):
    tracking_code = ma.fields.String()
    category = ma.fields.String()
    category_label = ma.fields.String()
    township_code = ma.fields.String()
    township_name = ma.fields.String()
    status = ma.fields.String()
    status_label = ma.fields.String()
    submitted_on = ma.fields.Date()
    decided_on = ma.fields.Date(allow_none=True)
    reward_points = ma.fields.Integer()
    reward_fen = ma.fields.Integer()
    reward_status = ma.fields.String()
    reward_status_label = ma.fields.String()


class ReportSchema(ma.Schema):
    id = ma.fields.Integer()
    tracking_code = ma.fields.String()
    category = ma.fields.String()
    township_code = ma.fields.String()
    description = ma.fields.String()
    reported_party = ma.fields.String()
    status = ma.fields.String()
    duplicate_of_id = ma.fields.Integer(allow_none=True)
    reward_points = ma.fields.Integer()
    reward_fen = ma.fields.Integer()
    reward_status = ma.fields.String()
    anonymous = ma.fields.Boolean()
    contact = ma.fields.String(metadata={"description": _l(
        "列表中脱敏；单条查询仅对受理人员显示全文")})
    created_at = ma.fields.String()
    decided_at = ma.fields.String(allow_none=True)


class ReportPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ReportSchema))


class ReportArgs(PageArgs):
    status = ma.fields.String(load_default="", validate=Length(max=20))
    category = ma.fields.String(load_default="", validate=Length(max=30))


class VerifyBody(JsonBody):
    outcome = ma.fields.String(required=True, validate=OneOf(
        ["upheld", "rejected"], error=_l("outcome 只能是 upheld 或 rejected")))
    reward_points = ma.fields.Integer(load_default=0, strict=True)
    reward_fen = ma.fields.Integer(load_default=0, strict=True)
    comment = ma.fields.String(load_default="", validate=Length(max=2000))


class DuplicateBody(JsonBody):
    duplicate_of = ma.fields.String(required=True, validate=Length(max=20),
                                    metadata={"description": _l("最先举报（已认定属实）的查询码")})
    comment = ma.fields.String(load_default="", validate=Length(max=2000))


class CommentBody(JsonBody):
    comment = ma.fields.String(load_default="", validate=Length(max=2000))


class ClaimBody(JsonBody):
    tracking_code = ma.fields.String(required=True, validate=Length(max=20))


def report_dict(report: Report, *, full_contact: bool = False) -> dict:
    user = current_api_user()
    contact = reports.contact_of(user, report) if full_contact else report.contact_masked
    return {
        "id": report.id, "tracking_code": report.tracking_code, "category": report.category,
        "township_code": report.township_code, "description": report.description,
        "reported_party": report.reported_party, "status": report.status,
        "duplicate_of_id": report.duplicate_of_id, "reward_points": report.reward_points,
        "reward_fen": report.reward_fen, "reward_status": report.reward_status,
        "anonymous": report.reporter_user_id is None, "contact": contact,
        "created_at": isoformat(report.created_at), "decided_at": isoformat(report.decided_at),
    }


def _report(report_id: int) -> Report:
    report = get_visible(current_api_user(), Report, report_id)
    if report is None:
        raise NotFound(_("举报不存在"))
    return report


@blp.route("/public/reports", methods=["POST"])
@limiter.limit(PUBLIC_LIMIT)
@blp.arguments(ReportCreate)
@blp.response(201, TrackingSchema)
def create_report(body):
    """A report (anonymous; a signed-in volunteer reports by name on the page) → its code."""
    report = reports.submit(body)
    db.session.commit()
    return {"tracking_code": report.tracking_code}


@blp.route("/public/reports/<tracking_code>", methods=["GET"])
@limiter.limit(PUBLIC_LIMIT)
@blp.response(200, PublicReportSchema)
def public_report(tracking_code):
    """A report's status and outcome by its tracking code: no personal data."""
    report = reports.by_code(tracking_code)
    if report is None:
        raise NotFound(_("查询码不正确"))
    return reports.public_status(report)


@blp.route("/reports", methods=["GET"])
@auth_required(*reports.HANDLER_ROLES)
@blp.arguments(ReportArgs, location="query")
@blp.response(200, ReportPage)
def list_reports(args):
    """Reports of the caller's jurisdiction, newest first (contacts masked)."""
    page = paginate_query(reports.list_stmt(current_api_user(), args), Report.id, args)
    return page_body(page, report_dict)


@blp.route("/reports/<int:report_id>", methods=["GET"])
@auth_required(*reports.HANDLER_ROLES)
@blp.response(200, ReportSchema)
def get_report(report_id):
    """One report, with the reporter's contact in full for the handling staff (audited)."""
    body = report_dict(_report(report_id), full_contact=True)
    db.session.commit()
    return body


@blp.route("/reports/<int:report_id>/verify", methods=["POST"])
@auth_required(*reports.HANDLER_ROLES)
@blp.arguments(VerifyBody)
@blp.response(200, ReportSchema)
@blp.alt_response(409, schema=ErrorSchema, description=_("已核实过，或奖励无法发放"))
@blp.doc(**IDEMPOTENCY_DOC)
@idempotent
def verify_report(body, report_id):
    """Upheld (reward_points or reward_fen by tier) or rejected (comment required); twice →
    409; a reward on a rejected report → 422."""
    report = reports.verify(current_api_user(), _report(report_id), body["outcome"],
                            reward_points=body["reward_points"], reward_fen=body["reward_fen"],
                            comment=body["comment"])
    return report_dict(report)


@blp.route("/reports/<int:report_id>/investigate", methods=["POST"])
@auth_required(*reports.HANDLER_ROLES)
@blp.arguments(CommentBody)
@blp.response(200, ReportSchema)
def investigate_report(body, report_id):
    """submitted → investigating."""
    report = _report(report_id)
    reports.investigate(current_api_user(), report, body["comment"])
    db.session.commit()
    return report_dict(report)


@blp.route("/reports/<int:report_id>/duplicate", methods=["POST"])
@auth_required(*reports.HANDLER_ROLES)
@blp.arguments(DuplicateBody)
@blp.response(200, ReportSchema)
def duplicate_report(body, report_id):
    """Mark a duplicate of the first (older, upheld) report of the same matter: no reward."""
    report = reports.mark_duplicate(current_api_user(), _report(report_id),
                                    body["duplicate_of"], body["comment"])
    db.session.commit()
    return report_dict(report)


@blp.route("/reports/<int:report_id>/paid", methods=["POST"])
@auth_required(*reports.HANDLER_ROLES)
@blp.arguments(CommentBody)
@blp.response(200, ReportSchema)
@blp.doc(**IDEMPOTENCY_DOC)
@idempotent
def report_paid(body, report_id):
    """Record an approved cash reward as paid offline (approved → paid)."""
    return report_dict(reports.mark_paid(current_api_user(), _report(report_id),
                                         body["comment"]))


@blp.route("/reports/claims", methods=["POST"])
@auth_required(VOLUNTEER)
@limiter.limit(PUBLIC_LIMIT)
@blp.arguments(ClaimBody)
@blp.response(200, PublicReportSchema)
@blp.doc(**IDEMPOTENCY_DOC)
@idempotent
def claim_report_reward(body):
    """An anonymous reporter claims an upheld report's reward with its tracking code."""
    return reports.public_status(reports.claim(current_api_user(), body["tracking_code"]))


# --- moral bank ----------------------------------------------------------------------------

class DeedCreate(JsonBody):
    volunteer_id = ma.fields.Integer(required=True, strict=True)
    rule_id = ma.fields.Integer(required=True, strict=True)
    deed_date = ma.fields.Date(required=True)
    description = ma.fields.String(required=True, validate=Length(max=2000))


class DeedSchema(ma.Schema):
    id = ma.fields.Integer()
    volunteer_id = ma.fields.Integer()
    person = ma.fields.String(metadata={"description": _l("脱敏姓名")})
    township_code = ma.fields.String()
    category = ma.fields.String()
    deed = ma.fields.String()
    points = ma.fields.Integer()
    deed_date = ma.fields.Date()
    description = ma.fields.String()
    status = ma.fields.String()
    publicized_until = ma.fields.String(allow_none=True)


class PublicDeedSchema(ma.Schema):
    id = ma.fields.Integer()
    person = ma.fields.String(metadata={"description": _l("脱敏姓名")})
    township_code = ma.fields.String()
    category = ma.fields.String()
    deed = ma.fields.String()
    points = ma.fields.Integer()
    deed_date = ma.fields.Date()
    description = ma.fields.String()
    status = ma.fields.String()
    publicized_until = ma.fields.String(allow_none=True)


class DeedPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(DeedSchema))


class PublicDeedPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(PublicDeedSchema))


class DeedArgs(PageArgs):
    status = ma.fields.String(load_default="", validate=Length(max=20))


class PublicDeedArgs(PageArgs):
    township_code = ma.fields.String(load_default="", validate=Length(max=9))


class ObjectionBody(JsonBody):
    reason = ma.fields.String(required=True, validate=Length(max=1000))


def deed_dict(deed: Deed, *, public: bool = False) -> dict:
    body = {
        "id": deed.id, "person": mask_name(deed.volunteer.name),
        "township_code": deed.township_code, "category": deed.category,
        "deed": deed.rule.deed, "points": deed.points, "deed_date": deed.deed_date,
        "description": mask_in_text(deed.description) if public else deed.description,
        "status": deed.status, "publicized_until": isoformat(deed.publicized_until),
    }
    if not public:
        body["volunteer_id"] = deed.volunteer_id
    return body


def _deed(deed_id: int) -> Deed:
    deed = get_visible(current_api_user(), Deed, deed_id)
    if deed is None:
        raise NotFound(_("记录不存在"))
    return deed


@blp.route("/public/deeds", methods=["GET"])
@blp.arguments(PublicDeedArgs, location="query")
@blp.response(200, PublicDeedPage)
def public_deeds(args):
    """The 公示 list: deeds on 公示 now (and those under review after an objection)."""
    page = paginate_query(deeds.public_stmt(args), Deed.id, args)
    return page_body(page, lambda d: deed_dict(d, public=True))


@blp.route("/public/deeds/<int:deed_id>/objections", methods=["POST"])
@limiter.limit(PUBLIC_LIMIT)
@blp.arguments(ObjectionBody)
@blp.response(201, PublicDeedSchema)
@blp.alt_response(409, schema=ErrorSchema, description=_("公示期已结束"))
def object_to_deed(body, deed_id):
    """Anyone objects to a deed on 公示, with a reason: it goes back for review."""
    objection = deeds.object_to(deed_id, body["reason"])
    db.session.commit()
    return deed_dict(db.session.get(Deed, objection.deed_id), public=True)


@blp.route("/deeds", methods=["GET"])
@auth_required(*deeds.REVIEWERS)
@blp.arguments(DeedArgs, location="query")
@blp.response(200, DeedPage)
def list_deeds(args):
    """Deeds of the caller's jurisdiction, newest first; filter status."""
    page = paginate_query(deeds.list_stmt(current_api_user(), args), Deed.id, args)
    return page_body(page, deed_dict)


@blp.route("/deeds", methods=["POST"])
@auth_required(STATION_ADMIN)
@blp.arguments(DeedCreate)
@blp.response(201, DeedSchema)
@blp.alt_response(409, schema=ErrorSchema, description=_("超过每人每年道德积分上限"))
def record_deed(body):
    """A station admin records a deed for a resident of the township (pending)."""
    deed = deeds.record(current_api_user(), body)
    db.session.commit()
    return deed_dict(deed)


@blp.route("/deeds/<int:deed_id>/approve", methods=["POST"])
@auth_required(*deeds.REVIEWERS)
@blp.arguments(CommentBody)
@blp.response(200, DeedSchema)
@blp.alt_response(409, schema=ErrorSchema, description=_("登记人本人不能审核，或状态不允许"))
def approve_deed(body, deed_id):
    """A second staff member (never the recorder) approves: the deed goes on 公示."""
    deed = deeds.approve(current_api_user(), _deed(deed_id), body["comment"])
    db.session.commit()
    return deed_dict(deed)


@blp.route("/deeds/<int:deed_id>/reject", methods=["POST"])
@auth_required(*deeds.REVIEWERS)
@blp.arguments(CommentBody)
@blp.response(200, DeedSchema)
@blp.alt_response(409, schema=ErrorSchema, description=_("状态不允许"))
def reject_deed(body, deed_id):
    """Not approved (a reason is required)."""
    deed = deeds.reject(current_api_user(), _deed(deed_id), body["comment"])
    db.session.commit()
    return deed_dict(deed)


# --- benefits --------------------------------------------------------------------------------

class BenefitSchema(ma.Schema):
    id = ma.fields.Integer()
    provider = ma.fields.String()
    title = ma.fields.String()
    details = ma.fields.String()
    min_star = ma.fields.Integer()
    min_hours = ma.fields.Integer()
    quota = ma.fields.Integer()
    remaining = ma.fields.Integer()
    valid_from = ma.fields.Date()
    valid_to = ma.fields.Date()
    qualifies = ma.fields.Boolean(allow_none=True)
    reason = ma.fields.String(allow_none=True)


class BenefitPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(BenefitSchema))


class ClaimSchema(ma.Schema):
    id = ma.fields.Integer()
    benefit_id = ma.fields.Integer()
    title = ma.fields.String()
    code = ma.fields.String()
    status = ma.fields.String()
    claimed_at = ma.fields.String()


class ClaimList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ClaimSchema))


class ConfirmBody(JsonBody):
    code = ma.fields.String(required=True, validate=Length(max=20))


def claim_dict(row) -> dict:
    return {"id": row.id, "benefit_id": row.benefit_id, "title": row.benefit.title,
            "code": row.code, "status": row.status, "claimed_at": isoformat(row.claimed_at)}


def _my_volunteer():
    volunteer = own_volunteer(current_api_user())
    if volunteer is None:
        raise NotFound(_("您还没有志愿者档案"))
    return volunteer


@blp.route("/benefits", methods=["GET"])
@auth_required(VOLUNTEER)
@blp.arguments(PageArgs, location="query")
@blp.response(200, BenefitPage)
def list_benefits(args):
    """Benefits valid today, each with whether the caller qualifies and why not."""
    me = _my_volunteer()
    page = paginate_query(benefits.open_stmt(), Benefit.id, args)

    def dump(b: Benefit) -> dict:
        reason = benefits.shortfall(me, b)
        return {"id": b.id, "provider": b.provider, "title": b.title, "details": b.details,
                "min_star": b.min_star, "min_hours": b.min_hours, "quota": b.quota,
                "remaining": b.quota - b.claimed, "valid_from": b.valid_from,
                "valid_to": b.valid_to, "qualifies": reason is None, "reason": reason}
    return page_body(page, dump)


@blp.route("/benefits/<int:benefit_id>/claims", methods=["POST"])
@auth_required(VOLUNTEER)
@blp.response(201, ClaimSchema)
@blp.alt_response(409, schema=ErrorSchema, description=_("不符合条件、名额已满或已领取"))
@blp.doc(**IDEMPOTENCY_DOC)
@idempotent
def claim_benefit(benefit_id):
    """Claim a benefit → a claim code (within the quota; once per volunteer)."""
    benefit = db.session.get(Benefit, benefit_id)
    if benefit is None:
        raise NotFound(_("项目不存在"))
    return claim_dict(benefits.claim(_my_volunteer(), benefit))


@blp.route("/me/benefit-claims", methods=["GET"])
@auth_required(VOLUNTEER)
@blp.response(200, ClaimList)
def my_benefit_claims():
    """The caller's claims with their codes, newest first."""
    return {"items": [claim_dict(c) for c in benefits.claims_of(_my_volunteer())]}


@blp.route("/benefit-claims/confirm", methods=["POST"])
@auth_required()
@blp.arguments(ConfirmBody)
@blp.response(200, ClaimSchema)
@blp.alt_response(409, schema=ErrorSchema, description=_("领取码已使用"))
@blp.doc(**IDEMPOTENCY_DOC)
@idempotent
def confirm_benefit_claim(body):
    """The provider's account confirms a claim's use with its code (once)."""
    return claim_dict(benefits.confirm_use(current_api_user(), body["code"]))

