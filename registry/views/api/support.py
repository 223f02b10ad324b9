"""Incubation, trainings and grants in the API (additions to API.md): /api/v1/incubators,
/api/v1/incubations, /api/v1/trainings, /api/v1/grants. Same rules as the pages."""

import marshmallow as ma
from marshmallow.validate import Length, Range

from registry.clock import isoformat
from registry.errors import NotFound
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, ORG_ADMIN
from registry.pagination import paginate_query
from registry.scoping import get_visible, visible_select
from registry.support import incubation as inc
from registry.support import operations as support
from registry.support.models import (
    GRANT_STATUSES,
    INCUBATION_STATUSES,
    Grant,
    Incubation,
    IncubationIntake,
    Incubator,
    Training,
    TrainingAttendance,
)
from registry.views.api import auth_required, blp, current_api_user, page_body
from registry.views.api.idempotency import idempotent
from registry.views.api.schemas import JsonBody, PageArgs, PageSchema
from registry.workflow import history

OFFICIALS = (CITY_OFFICIAL, COUNTY_OFFICIAL)
READERS = (*OFFICIALS, ORG_ADMIN)
TEXT = ma.fields.String


def _int(**kwargs):
    return ma.fields.Integer(strict=True, **kwargs)


def _found(model, ident, label: str):
    row = get_visible(current_api_user(), model, ident)
    if row is None:
        raise NotFound(_("%(label)s不存在", label=label))
    return row


def _day(value):
    return value.isoformat() if value else None


# --- schemas -----------------------------------------------------------------------------

class IntakeOut(ma.Schema):
    id, year, title, capacity = _int(), _int(), TEXT(), _int()
    opens_on, closes_on = TEXT(), TEXT()
    is_open = ma.fields.Boolean()
    counts = ma.fields.Dict(keys=TEXT(), values=_int())


class IncubatorOut(ma.Schema):
    id, name, region_code, address = _int(), TEXT(), TEXT(), TEXT()
    operator_id = _int(allow_none=True)
    operator_name = TEXT(allow_none=True)
    intakes = ma.fields.List(ma.fields.Nested(IntakeOut))


class IncubatorPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(IncubatorOut))


class MilestoneOut(ma.Schema):
    id, title, due_on = _int(), TEXT(), TEXT()
    done_on = TEXT(allow_none=True)


class MoveOut(ma.Schema):
    at, actor, role, comment = TEXT(), TEXT(), TEXT(), TEXT()


class IncubationOut(ma.Schema):
    id, intake_id, incubator_id, organization_id = _int(), _int(), _int(), _int()
    organization_name, status, plan, mentor, agreement_no = TEXT(), TEXT(), TEXT(), TEXT(), TEXT()
    score, mid_score = _int(allow_none=True), _int(allow_none=True)
    start_on, end_on, finished_on = (TEXT(allow_none=True), TEXT(allow_none=True),
                                     TEXT(allow_none=True))
    milestones = ma.fields.List(ma.fields.Nested(MilestoneOut))
    history = ma.fields.List(ma.fields.Nested(MoveOut))


class IncubationPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(IncubationOut))


class IncubationListArgs(PageArgs):
    status = TEXT(load_default="")
    intake_id = ma.fields.Integer(load_default=None)


class ApplyBody(JsonBody):
    intake_id = _int(required=True)
    organization_id = _int(load_default=None, allow_none=True)
    plan = TEXT(required=True)


class IncubationMoveBody(JsonBody):
    comment = TEXT(load_default="", validate=Length(max=2000, error=_l("意见不能超过 2000 个字符")))
    score = _int(load_default=None, allow_none=True)
    start_on = ma.fields.Date(load_default=None, allow_none=True)
    end_on = ma.fields.Date(load_default=None, allow_none=True)
    finished_on = ma.fields.Date(load_default=None, allow_none=True)
    mentor = TEXT(load_default="")
    agreement_no = TEXT(load_default="")


class TrainingOut(ma.Schema):
    id, title, region_code, held_on, minutes, place, organizer = (
        _int(), TEXT(), TEXT(), TEXT(), _int(), TEXT(), TEXT())
    attendance = _int()


class TrainingPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(TrainingOut))


class TrainingBody(JsonBody):
    title, region_code, place = TEXT(required=True), TEXT(required=True), TEXT(required=True)
    held_on = ma.fields.Date(required=True)
    minutes = _int(required=True)
    organizer = TEXT(load_default="")
    description = TEXT(load_default="")


class AttendanceBody(JsonBody):
    organization_id = _int(required=True)
    person_name = TEXT(required=True)


class AttendanceOut(ma.Schema):
    id, training_id, organization_id, person_name = _int(), _int(), _int(), TEXT()


class GrantOut(ma.Schema):
    id, organization_id, amount_fen, year = _int(), _int(), _int(), _int()
    organization_name, region_code, grant_type, purpose, source, status = (
        TEXT(), TEXT(), TEXT(), TEXT(), TEXT(), TEXT())
    granted_on = TEXT()
    paid_on, paid_at, payment_ref = TEXT(allow_none=True), TEXT(allow_none=True), TEXT()


class GrantPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(GrantOut))


class GrantListArgs(PageArgs):
    year = ma.fields.Integer(load_default=None)
    grant_type = TEXT(load_default="")
    status = TEXT(load_default="")
    organization_id = ma.fields.Integer(load_default=None)


class GrantBody(JsonBody):
    organization_id = _int(required=True)
    grant_type = TEXT(required=True)
    # integer fen: 1.5 or 100.0 is refused; a BIGINT column, so beyond InputSchema's bound
    amount_fen = _int(required=True, validate=Range(1, support.MAX_FEN))
    purpose, source = TEXT(required=True), TEXT(required=True)
    granted_on = ma.fields.Date(required=True)


class PayBody(JsonBody):
    paid_on = ma.fields.Date(required=True)
    payment_ref = TEXT(load_default="")


class CancelBody(JsonBody):
    comment = TEXT(required=True)


class TotalsArgs(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    year = ma.fields.Integer(load_default=None)
    grant_type = TEXT(load_default="")
    status = TEXT(load_default="")


class TotalsOut(ma.Schema):
    rows = ma.fields.List(ma.fields.Dict())
    by_county = ma.fields.List(ma.fields.Dict())
    by_year = ma.fields.List(ma.fields.Dict())
    by_type = ma.fields.List(ma.fields.Dict())
    total = ma.fields.Dict()


# --- dumps -------------------------------------------------------------------------------

def dump_incubator(row: Incubator, detail: bool = False) -> dict:
    out = {"id": row.id, "name": row.name, "region_code": row.region_code,
           "address": row.address, "operator_id": row.operator_id,
           "operator_name": row.operator.name if row.operator else None}
    if detail:
        user = current_api_user()
        counts = inc.outcomes(user, row.id)
        intakes = db.session.scalars(visible_select(user, IncubationIntake).where(
            IncubationIntake.incubator_id == row.id).order_by(IncubationIntake.id.desc()))
        out["intakes"] = [{"id": i.id, "year": i.year, "title": i.title, "capacity": i.capacity,
                           "opens_on": _day(i.opens_on), "closes_on": _day(i.closes_on),
                           "is_open": inc.intake_is_open(i), "counts": counts.get(i.id, {})}
                          for i in intakes]
    return out


def dump_incubation(row: Incubation, detail: bool = False) -> dict:
    out = {"id": row.id, "intake_id": row.intake_id, "incubator_id": row.incubator_id,
           "organization_id": row.organization_id, "organization_name": row.organization.name,
           "status": row.status, "plan": row.plan, "score": row.score,
           "mid_score": row.mid_score, "mentor": row.mentor, "agreement_no": row.agreement_no,
           "start_on": _day(row.start_on), "end_on": _day(row.end_on),
           "finished_on": _day(row.finished_on)}
    if detail:
        out["milestones"] = [{"id": m.id, "title": m.title, "due_on": _day(m.due_on),
                              "done_on": _day(m.done_on)} for m in row.milestones]
        out["history"] = [{"at": isoformat(e.created_at), "actor": e.actor_name,
                           "role": e.actor_role, "comment": e.comment} for e in history(row)]
    return out


def dump_training(row: Training, counts: dict | None = None) -> dict:
    return {"id": row.id, "title": row.title, "region_code": row.region_code,
            "held_on": _day(row.held_on), "minutes": row.minutes, "place": row.place,
            "organizer": row.organizer, "attendance": (counts or {}).get(row.id, 0)}


def dump_grant(row: Grant) -> dict:
    return {"id": row.id, "organization_id": row.organization_id,
            "organization_name": row.organization.name, "region_code": row.region_code,
            "grant_type": row.grant_type, "amount_fen": row.amount_fen, "purpose": row.purpose,
            "source": row.source, "granted_on": _day(row.granted_on), "year": row.year,
            "status": row.status, "paid_on": _day(row.paid_on),
            "paid_at": isoformat(row.paid_at), "payment_ref": row.payment_ref}


# --- incubation --------------------------------------------------------------------------

@blp.route("/incubators", methods=["GET"])
@auth_required(*READERS)
@blp.arguments(PageArgs, location="query")
@blp.response(200, IncubatorPage)
def list_incubators(args):
    """Incubators (孵化基地) in the caller's jurisdiction (representatives: all)."""
    stmt = visible_select(current_api_user(), Incubator).order_by(Incubator.id.desc())
    return page_body(paginate_query(stmt, Incubator.id, args), dump_incubator)


@blp.route("/incubators/<int:incubator_id>", methods=["GET"])
@auth_required(*READERS)
@blp.response(200, IncubatorOut)
def get_incubator(incubator_id):
    """An incubator with its intakes and how many applications are in each state."""
    return dump_incubator(_found(Incubator, incubator_id, _("孵化基地")), detail=True)


@blp.route("/incubations", methods=["GET"])
@auth_required(*READERS)
@blp.arguments(IncubationListArgs, location="query")
@blp.response(200, IncubationPage)
def list_incubations(args):
    """Applications and incubations (representatives: their own); filters status, intake_id."""
    stmt = visible_select(current_api_user(), Incubation)
    if args["status"] in INCUBATION_STATUSES:
        stmt = stmt.where(Incubation.status == args["status"])
    if args["intake_id"]:
        stmt = stmt.where(Incubation.intake_id == args["intake_id"])
    page = paginate_query(stmt.order_by(Incubation.id.desc()), Incubation.id, args)
    return page_body(page, dump_incubation)


@blp.route("/incubations", methods=["POST"])
@auth_required(*READERS)
@blp.arguments(ApplyBody)
@blp.response(201, IncubationOut)
def apply_incubation(body):
    """Apply to an intake: a representative for its organization while the intake is open, or
    an official on an organization's behalf."""
    intake = _found(IncubationIntake, body["intake_id"], _("招募批次"))
    row = inc.apply(current_api_user(), intake, body.get("organization_id"), body["plan"])
    db.session.commit()
    return dump_incubation(row, detail=True)


@blp.route("/incubations/<int:incubation_id>", methods=["GET"])
@auth_required(*READERS)
@blp.response(200, IncubationOut)
def get_incubation(incubation_id):
    """An application or incubation with its milestones and workflow history."""
    return dump_incubation(_found(Incubation, incubation_id, _("孵化申请")), detail=True)


@blp.route("/incubations/<int:incubation_id>/<any(review, score, admit, reject, mid_review, "
           "graduate, exit):move>", methods=["POST"])
@auth_required(*READERS)
@blp.arguments(IncubationMoveBody)
@blp.response(200, IncubationOut)
def move_incubation(body, incubation_id, move):
    """A workflow step: review, score ({score, comment}), admit ({start_on, end_on, mentor,
    agreement_no}), reject, mid_review ({score, comment}), graduate, exit ({finished_on,
    comment}). Officials decide; the incubator's operator (its representative) may only score.
    A step the state does not allow → 409, a role that may not make it → 403."""
    user = current_api_user()
    row = _found(Incubation, incubation_id, _("孵化申请"))
    comment = body["comment"]
    if move == "review":
        inc.start_review(user, row, comment)
    elif move == "score":
        inc.record_score(user, row, body["score"], comment)
    elif move == "admit":
        inc.admit(user, row, start_on=body["start_on"], end_on=body["end_on"],
                  mentor=body["mentor"], agreement_no=body["agreement_no"], comment=comment)
    elif move == "reject":
        inc.reject(user, row, comment)
    elif move == "mid_review":
        inc.mid_review(user, row, body["score"], comment)
    else:
        inc.finish(user, row, move, body["finished_on"], comment)
    db.session.commit()
    return dump_incubation(row, detail=True)


# --- trainings ---------------------------------------------------------------------------

@blp.route("/trainings", methods=["GET"])
@auth_required(*READERS)
@blp.arguments(PageArgs, location="query")
@blp.response(200, TrainingPage)
def list_trainings(args):
    """Trainings in the caller's jurisdiction (representatives: those for their area and those
    their people attended)."""
    stmt = visible_select(current_api_user(), Training).order_by(Training.id.desc())
    page = paginate_query(stmt, Training.id, args)
    counts = support.attendance_counts([t.id for t in page.items]) \
        if current_api_user().role != ORG_ADMIN else {}
    return page_body(page, lambda row: dump_training(row, counts))


@blp.route("/trainings", methods=["POST"])
@auth_required(*OFFICIALS)
@blp.arguments(TrainingBody)
@blp.response(201, TrainingOut)
def create_training(body):
    """Publish a training: title, region_code, held_on, minutes, place."""
    row = support.save_training(current_api_user(), body)
    db.session.commit()
    return dump_training(row)


@blp.route("/trainings/<int:training_id>", methods=["GET"])
@auth_required(*READERS)
@blp.response(200, TrainingOut)
def get_training(training_id):
    """A training with its attendance count."""
    row = _found(Training, training_id, _("培训"))
    return dump_training(row, support.attendance_counts([row.id]))


@blp.route("/trainings/<int:training_id>/attendance", methods=["POST"])
@auth_required(*OFFICIALS)
@blp.arguments(AttendanceBody)
@blp.response(201, AttendanceOut)
def add_attendance(body, training_id):
    """Record a person of an organization as having attended (once per person) → 409 twice."""
    row = _found(Training, training_id, _("培训"))
    item: TrainingAttendance = support.add_attendance(
        current_api_user(), row, body["organization_id"], body["person_name"])
    db.session.commit()
    return {"id": item.id, "training_id": row.id, "organization_id": item.organization_id,
            "person_name": item.person_name}


# --- grants ------------------------------------------------------------------------------

@blp.route("/grants", methods=["GET"])
@auth_required(*READERS)
@blp.arguments(GrantListArgs, location="query")
@blp.response(200, GrantPage)
def list_grants(args):
    """Grants in the caller's jurisdiction (representatives: their own organization's)."""
    stmt = support.grant_filters(visible_select(current_api_user(), Grant), args)
    page = paginate_query(stmt.order_by(Grant.id.desc()), Grant.id, args)
    return page_body(page, dump_grant)


@blp.route("/grants", methods=["POST"])
@auth_required(*OFFICIALS)
@blp.arguments(GrantBody)
@blp.response(201, GrantOut)
@idempotent
def create_grant(body):
    """Record an approved grant: organization_id, grant_type (venture, award, service_subsidy,
    other), amount_fen (integer > 0), purpose, source, granted_on. Takes Idempotency-Key."""
    row = support.record_grant(current_api_user(), body)
    return dump_grant(row)


@blp.route("/grants/totals", methods=["GET"])
@auth_required(*OFFICIALS)
@blp.arguments(TotalsArgs, location="query")
@blp.response(200, TotalsOut)
def grants_totals(args):
    """Totals (count, amount_fen, paid_fen) by county, year and type; cancelled left out
    unless status=cancelled."""
    filters = {**args, "status": args["status"] if args["status"] in GRANT_STATUSES else None}
    return support.grant_totals(current_api_user(), filters)


@blp.route("/grants/<int:grant_id>", methods=["GET"])
@auth_required(*READERS)
@blp.response(200, GrantOut)
def get_grant(grant_id):
    """One grant."""
    return dump_grant(_found(Grant, grant_id, _("资金支持记录")))


@blp.route("/grants/<int:grant_id>/pay", methods=["POST"])
@auth_required(*OFFICIALS)
@blp.arguments(PayBody)
@blp.response(200, GrantOut)
@idempotent
def pay_grant(body, grant_id):
    """approved → paid on paid_on (not before granted_on, not in the future). Takes
    Idempotency-Key; paying twice without it → 409."""
    row = _found(Grant, grant_id, _("资金支持记录"))
    support.pay_grant(current_api_user(), row, body["paid_on"], body["payment_ref"])
    return dump_grant(row)


@blp.route("/grants/<int:grant_id>/cancel", methods=["POST"])
@auth_required(*OFFICIALS)
@blp.arguments(CancelBody)
@blp.response(200, GrantOut)
def cancel_grant(body, grant_id):
    """approved → cancelled, with a reason."""
    row = _found(Grant, grant_id, _("资金支持记录"))
    support.cancel_grant(current_api_user(), row, body["comment"])
    db.session.commit()
    return dump_grant(row)
