"""以奖代补 in the API (additions to API.md): rounds (the city drafts and publishes), applications
(apply, evidence, score, approve, return, reject, publicize, payment), the public 公示 list and
its objections. Rules in registry/purchasing/awards.py and award_applications.py; money in fen."""

import marshmallow as ma
from flask import current_app
from flask_smorest.fields import Upload
from marshmallow.validate import Length, OneOf, Range

from registry.clock import isoformat
from registry.errors import ValidationFailed
from registry.extensions import db, limiter
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import CITY_OFFICIAL
from registry.pagination import paginate_query
from registry.purchasing import award_applications as apps
from registry.purchasing import award_evidence, awards
from registry.purchasing.models import AWARD_STATUSES, AwardApplication, AwardRound
from registry.views.api import auth_required, blp, current_api_user, page_body
from registry.views.api.schemas import ErrorSchema, JsonBody, PageArgs, PageSchema, QueryArgs
from registry.workflow import history

TEXT = ma.fields.String
INT = ma.fields.Integer
PUBLIC_LIMIT = lambda: current_app.config["PUBLIC_WRITE_RATE_LIMIT"]  # noqa: E731
SCORE = Range(0, 100, error=_l("得分应为 0 到 100 之间的整数"))


# --- schemas ------------------------------------------------------------------------------------

class AwardCriterionIn(JsonBody):
    name = TEXT(required=True, validate=Length(max=100))
    weight = INT(required=True, strict=True, validate=Range(-1000, 1000))
    description = TEXT(load_default="", validate=Length(max=500))


class AwardTierIn(JsonBody):
    min_score = INT(required=True, strict=True, validate=Range(-1000, 1000))
    max_score = INT(required=True, strict=True, validate=Range(-1000, 1000))
    amount_fen = INT(required=True, strict=True)


class AwardRoundBody(JsonBody):
    title = TEXT(required=True, validate=Length(max=200))
    year = INT(required=True, strict=True)
    description = TEXT(load_default="", validate=Length(max=5000))
    opens_on = ma.fields.Date(required=True)
    closes_on = ma.fields.Date(required=True)
    criteria = ma.fields.List(ma.fields.Nested(AwardCriterionIn), required=True,
                              validate=Length(max=awards.MAX_CRITERIA),
                              metadata={"description": _l("各项权重之和须为 100")})
    tiers = ma.fields.List(ma.fields.Nested(AwardTierIn), required=True,
                           validate=Length(max=awards.MAX_TIERS),
                           metadata={"description": _l("按总分（取整）划分的档次，分数段不得重叠")})


class AwardCriterionOut(ma.Schema):
    id, name, weight, description = INT(), TEXT(), INT(), TEXT()


class AwardTierOut(ma.Schema):
    min_score, max_score, amount_fen = INT(), INT(), INT()


class AwardRoundOut(ma.Schema):
    id, title, year, description, status = INT(), TEXT(), INT(), TEXT(), TEXT()
    opens_on, closes_on = ma.fields.Date(), ma.fields.Date()
    window_open = ma.fields.Boolean()
    criteria = ma.fields.List(ma.fields.Nested(AwardCriterionOut))
    tiers = ma.fields.List(ma.fields.Nested(AwardTierOut))


class AwardRoundPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(AwardRoundOut))


class AwardRoundArgs(PageArgs):
    status = TEXT(load_default="", validate=Length(max=20))


class AwardApplicationCreate(JsonBody):
    round_id = INT(required=True, strict=True)
    title = TEXT(required=True, validate=Length(max=200))
    description = TEXT(required=True, validate=Length(max=5000))
    work_from = ma.fields.Date(required=True)
    work_to = ma.fields.Date(required=True)


class AwardScoreOut(ma.Schema):
    criterion_id, criterion, weight, score = INT(), TEXT(), INT(), INT()


class AwardStepOut(ma.Schema):
    at, actor, comment = TEXT(), TEXT(), TEXT()


class AwardEvidenceOut(ma.Schema):
    id, name, content_type, size = INT(), TEXT(), TEXT(), INT()


class AwardApplicationOut(ma.Schema):
    id, round_id, round_title, applicant_kind, applicant = INT(), INT(), TEXT(), TEXT(), TEXT()
    organization_id = INT(allow_none=True)
    station_id = INT(allow_none=True)
    region_code, title, description, status, status_label = TEXT(), TEXT(), TEXT(), TEXT(), TEXT()
    work_from, work_to = ma.fields.Date(), ma.fields.Date()
    total_score = TEXT(allow_none=True, metadata={"description": _l("加权总分，两位小数")})
    amount_fen = INT(allow_none=True)
    publicized_until = TEXT(allow_none=True)
    paid_fen = INT(allow_none=True)
    paid_on = ma.fields.Date(allow_none=True)
    voucher_no = TEXT()


class AwardApplicationDetail(AwardApplicationOut):
    scores = ma.fields.List(ma.fields.Nested(AwardScoreOut))
    steps = ma.fields.List(ma.fields.Nested(AwardStepOut),
                           metadata={"description": _l("每一步：时间、办理人、意见或理由")})
    objections = ma.fields.List(TEXT())
    evidence = ma.fields.List(ma.fields.Nested(AwardEvidenceOut))
    moves = ma.fields.List(TEXT(), metadata={"description": _l("调用者现在可做的操作")})


class AwardApplicationPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(AwardApplicationOut))


class AwardApplicationArgs(PageArgs):
    status = TEXT(load_default="", validate=OneOf(["", *AWARD_STATUSES],
                                                  error=_l("状态不正确")))
    round_id = INT(load_default=None)


class AwardScoreItem(JsonBody):
    criterion_id = INT(required=True, strict=True)
    score = INT(required=True, strict=True, validate=SCORE)


class AwardScoreBody(JsonBody):
    scores = ma.fields.List(ma.fields.Nested(AwardScoreItem), required=True,
                            validate=Length(max=awards.MAX_CRITERIA))
    comment = TEXT(load_default="", validate=Length(max=2000))


class AwardCommentBody(JsonBody):
    comment = TEXT(load_default="", validate=Length(max=2000))


class AwardPaymentBody(JsonBody):
    amount_fen = INT(required=True, strict=True)
    paid_on = ma.fields.Date(required=True)
    voucher_no = TEXT(required=True, validate=Length(max=50))
    comment = TEXT(load_default="", validate=Length(max=2000))


class AwardEvidenceForm(JsonBody):
    """The multipart form's text part: none; a stray part is refused by name."""


class AwardEvidenceFile(QueryArgs):
    file = Upload(metadata={"description": _l("PDF、JPG 或 PNG，不超过 10 MB")})


class PublicAward(ma.Schema):
    id, round_title, applicant, title, status = INT(), TEXT(), TEXT(), TEXT(), TEXT()
    total_score, amount_fen, publicized_until = TEXT(), INT(), TEXT(allow_none=True)


class PublicAwardPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(PublicAward))


class AwardPublicArgs(PageArgs):
    round_id = INT(load_default=None)


class AwardObjectionBody(JsonBody):
    reason = TEXT(required=True, validate=Length(max=1000))


# --- dumps ------------------------------------------------------------------------------------

def round_dict(row: AwardRound) -> dict:
    return {**awards.round_data(row), "id": row.id, "status": row.status,
            "window_open": awards.window_open(row),
            "criteria": [{"id": c.id, "name": c.name, "weight": c.weight,
                          "description": c.description} for c in row.criteria]}


def application_dict(row: AwardApplication) -> dict:
    return {"id": row.id, "round_id": row.round_id, "round_title": row.round.title,
            "applicant_kind": row.applicant_kind, "applicant": row.applicant_name,
            "organization_id": row.organization_id, "station_id": row.station_id,
            "region_code": row.region_code, "title": row.title,
            "description": row.description, "status": row.status,
            "status_label": str(row.status_label), "work_from": row.work_from,
            "work_to": row.work_to, "total_score": row.total_text or None,
            "amount_fen": row.amount_fen, "publicized_until": isoformat(row.publicized_until),
            "paid_fen": row.paid_fen, "paid_on": row.paid_on, "voucher_no": row.voucher_no}


def detail_dict(row: AwardApplication) -> dict:
    scores = {s.criterion_id: s.score for s in row.scores}
    return {**application_dict(row),
            "scores": [{"criterion_id": c.id, "criterion": c.name, "weight": c.weight,
                        "score": scores[c.id]} for c in row.round.criteria if c.id in scores],
            "steps": [{"at": isoformat(h.created_at), "actor": h.actor_name,
                       "comment": h.comment} for h in history(row)],
            "objections": [o.reason for o in apps.objections_of(row)],
            "evidence": [{"id": e.id, "name": e.original_name, "content_type": e.content_type,
                          "size": e.size} for e in award_evidence.files_of(row)],
            "moves": apps.moves_for(current_api_user(), row)}


def public_dict(row: AwardApplication) -> dict:
    return {"id": row.id, "round_title": row.round.title, "applicant": row.applicant_name,
            "title": row.title, "status": row.status, "total_score": row.total_text,
            "amount_fen": row.amount_fen, "publicized_until": isoformat(row.publicized_until)}


# --- rounds -----------------------------------------------------------------------------------

@blp.route("/award-rounds", methods=["GET"])
@auth_required(*apps.READERS)
@blp.arguments(AwardRoundArgs, location="query")
@blp.response(200, AwardRoundPage)
def list_award_rounds(args):
    """以奖代补 rounds, newest first: published ones; the city's officials also drafts."""
    page = paginate_query(awards.rounds_stmt(current_api_user(), args), AwardRound.id, args)
    return page_body(page, round_dict)


@blp.route("/award-rounds", methods=["POST"])
@auth_required(CITY_OFFICIAL)
@blp.arguments(AwardRoundBody)
@blp.response(201, AwardRoundOut)
def create_award_round(body):
    """The city drafts a round: criteria (weights sum to 100), tiers in fen, the window."""
    row = awards.save_round(current_api_user(), body)
    db.session.commit()
    return round_dict(row)


@blp.route("/award-rounds/<int:round_id>", methods=["GET"])
@auth_required(*apps.READERS)
@blp.response(200, AwardRoundOut)
def get_award_round(round_id):
    """One round with its criteria and tiers."""
    return round_dict(awards.get_round(current_api_user(), round_id))


@blp.route("/award-rounds/<int:round_id>", methods=["PUT"])
@auth_required(CITY_OFFICIAL)
@blp.arguments(AwardRoundBody)
@blp.response(200, AwardRoundOut)
@blp.alt_response(409, schema=ErrorSchema, description=_("已发布的批次不能修改"))
def update_award_round(body, round_id):
    """Replace a draft round's fields, criteria and tiers."""
    user = current_api_user()
    row = awards.save_round(user, body, awards.get_round(user, round_id))
    db.session.commit()
    return round_dict(row)


@blp.route("/award-rounds/<int:round_id>/publish", methods=["POST"])
@auth_required(CITY_OFFICIAL)
@blp.response(200, AwardRoundOut)
@blp.alt_response(409, schema=ErrorSchema, description=_("批次已发布"))
def publish_award_round(round_id):
    """Publish a draft: applicants see it; it is fixed from now on."""
    user = current_api_user()
    row = awards.publish_round(user, awards.get_round(user, round_id))
    db.session.commit()
    return round_dict(row)


# --- applications -----------------------------------------------------------------------------

@blp.route("/award-applications", methods=["GET"])
@auth_required(*apps.READERS)
@blp.arguments(AwardApplicationArgs, location="query")
@blp.response(200, AwardApplicationPage)
def list_award_applications(args):
    """Applications the caller may see (county: its county's; city: all; applicant: its own)."""
    page = paginate_query(apps.list_stmt(current_api_user(), args), AwardApplication.id, args)
    return page_body(page, application_dict)


@blp.route("/award-applications", methods=["POST"])
@auth_required(*apps.APPLICANTS)
@blp.arguments(AwardApplicationCreate)
@blp.response(201, AwardApplicationDetail)
@blp.alt_response(409, schema=ErrorSchema,
                  description=_("不在申请期内、组织不符合条件或已申请"))
def create_award_application(body):
    """Apply for work already done (then upload evidence: it is needed before scoring)."""
    row = apps.apply(current_api_user(), body.pop("round_id"), body)
    db.session.commit()
    return detail_dict(row)


@blp.route("/award-applications/<int:application_id>", methods=["GET"])
@auth_required(*apps.READERS)
@blp.response(200, AwardApplicationDetail)
def get_award_application(application_id):
    """An application with its scores, each step with its reason, objections and evidence."""
    return detail_dict(apps.get_application(current_api_user(), application_id))


@blp.route("/award-applications/<int:application_id>/evidence", methods=["POST"])
@auth_required(*apps.APPLICANTS)
@blp.arguments(AwardEvidenceForm, location="form")
@blp.arguments(AwardEvidenceFile, location="files")
@blp.response(201, AwardEvidenceOut)
def upload_award_evidence(_form, files, application_id):
    """Add one evidence file (multipart/form-data `file`) before scoring."""
    user = current_api_user()
    file = files.get("file")
    row = apps.add_evidence(user, apps.get_application(user, application_id),
                            file.stream if file else None, file.filename if file else "")
    db.session.commit()
    return {"id": row.id, "name": row.original_name, "content_type": row.content_type,
            "size": row.size}


@blp.route("/award-applications/<int:application_id>/score", methods=["POST"])
@auth_required(*apps.SCORERS)
@blp.arguments(AwardScoreBody)
@blp.response(200, AwardApplicationDetail)
@blp.alt_response(409, schema=ErrorSchema, description=_("状态不允许，或评分人是申请人"))
def score_award_application(body, application_id):
    """The applicant's county scores every criterion 0..100; the total decides the amount."""
    user = current_api_user()
    row = apps.get_application(user, application_id)
    scores: dict[int, int] = {}
    for item in body["scores"]:
        if item["criterion_id"] in scores:
            raise ValidationFailed(_("同一评分标准只能评一次分"), "scores")
        scores[item["criterion_id"]] = item["score"]
    apps.score(user, row, scores, body["comment"])
    db.session.commit()
    return detail_dict(row)


MOVES = {"approve": apps.approve, "return": apps.return_for_rescoring, "reject": apps.reject,
         "publicize": apps.publicize}


def _move(name: str, application_id: int, comment: str) -> dict:
    user = current_api_user()
    row = MOVES[name](user, apps.get_application(user, application_id), comment)
    db.session.commit()
    return detail_dict(row)


@blp.route("/award-applications/<int:application_id>/approve", methods=["POST"])
@auth_required(CITY_OFFICIAL)
@blp.arguments(AwardCommentBody)
@blp.response(200, AwardApplicationDetail)
@blp.alt_response(409, schema=ErrorSchema,
                  description=_("评分人或申请人不能审批；组织不符合条件；状态不允许"))
def approve_award_application(body, application_id):
    """The city approves a scored application (never its scorer)."""
    return _move("approve", application_id, body["comment"])


@blp.route("/award-applications/<int:application_id>/return", methods=["POST"])
@auth_required(CITY_OFFICIAL)
@blp.arguments(AwardCommentBody)
@blp.response(200, AwardApplicationDetail)
@blp.alt_response(409, schema=ErrorSchema, description=_("状态不允许"))
def return_award_application(body, application_id):
    """The city returns it to the county for rescoring (a reason is required)."""
    return _move("return", application_id, body["comment"])


@blp.route("/award-applications/<int:application_id>/reject", methods=["POST"])
@auth_required(*apps.SCORERS)
@blp.arguments(AwardCommentBody)
@blp.response(200, AwardApplicationDetail)
@blp.alt_response(409, schema=ErrorSchema, description=_("状态不允许"))
def reject_award_application(body, application_id):
    """Not awarded (a reason is required): the county before scoring, the city after."""
    return _move("reject", application_id, body["comment"])


@blp.route("/award-applications/<int:application_id>/publicize", methods=["POST"])
@auth_required(CITY_OFFICIAL)
@blp.arguments(AwardCommentBody)
@blp.response(200, AwardApplicationDetail)
@blp.alt_response(409, schema=ErrorSchema, description=_("状态不允许"))
def publicize_award_application(body, application_id):
    """Start the 公示 of an approved award (AWARD_PUBLICITY_DAYS, default 7)."""
    return _move("publicize", application_id, body["comment"])


@blp.route("/award-applications/<int:application_id>/payment", methods=["POST"])
@auth_required(CITY_OFFICIAL)
@blp.arguments(AwardPaymentBody)
@blp.response(200, AwardApplicationDetail)
@blp.alt_response(409, schema=ErrorSchema, description=_("公示期未满、审批人本人或状态不允许"))
def pay_award_application(body, application_id):
    """After 公示 without objection: the payment in fen (the awarded amount), day, voucher."""
    user = current_api_user()
    row = apps.pay(user, apps.get_application(user, application_id), body)
    db.session.commit()
    return detail_dict(row)


# --- the public 公示 -----------------------------------------------------------------------------

@blp.route("/public/award-publicity", methods=["GET"])
@blp.arguments(AwardPublicArgs, location="query")
@blp.response(200, PublicAwardPage)
def public_award_publicity(args):
    """Awards on 公示 now (and those under review after an objection): organization, amount,
    score."""
    page = paginate_query(apps.public_stmt(args), AwardApplication.id, args)
    return page_body(page, public_dict)


@blp.route("/public/award-applications/<int:application_id>/objections", methods=["POST"])
@limiter.limit(PUBLIC_LIMIT)
@blp.arguments(AwardObjectionBody)
@blp.response(201, PublicAward)
@blp.alt_response(409, schema=ErrorSchema, description=_("公示期已结束"))
def object_to_award(body, application_id):
    """Anyone objects during 公示, with a reason: the award goes back to the city for review."""
    objection = apps.object_to(application_id, body["reason"])
    db.session.commit()
    return public_dict(db.session.get(AwardApplication, objection.application_id))
