"""Purchased-service projects in the API (additions to API.md): projects, their moves,
milestones, payments (Idempotency-Key) and 绩效评价, the spending table, and an
organization's credit profile `GET /api/v1/organizations/{id}/credit`. Rules live in
registry/purchasing/ (projects.py, payments.py, evaluations.py, spending.py, credit.py)."""

import marshmallow as ma
from flask import jsonify, request
from marshmallow.validate import Length, OneOf, Range

from registry.clock import isoformat
from registry.errors import NotFound
from registry.extensions import db
from registry.i18n import lazy_gettext as _l
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, ORG_ADMIN
from registry.organizations.models import Organization
from registry.pagination import paginate_query
from registry.purchasing import credit, evaluations, payments, projects, spending
from registry.purchasing.models import PROCUREMENT_METHODS, PROJECT_STATUSES
from registry.purchasing.models import PurchasedServiceProject as Project
from registry.scoping import get_visible
from registry.views.api import auth_required, blp, current_api_user, page_body
from registry.views.api.activities import IDEMPOTENCY_DOC
from registry.views.api.idempotency import idempotent
from registry.views.api.schemas import ErrorSchema, JsonBody, PageArgs, PageSchema, QueryArgs

TEXT, DATE = ma.fields.String, ma.fields.Date
READERS = (CITY_OFFICIAL, COUNTY_OFFICIAL, ORG_ADMIN)
OFFICIALS = projects.RECORDERS
STATE = _l("当前状态不允许该操作（409）")


def _int(**kwargs):
    return ma.fields.Integer(strict=True, **kwargs)


# --- schemas ---------------------------------------------------------------------------------

class ProjectMilestoneOut(ma.Schema):
    id, name, due_on = _int(), TEXT(), TEXT()
    done_on = TEXT(allow_none=True)


class ProjectPaymentOut(ma.Schema):
    id, amount_fen, paid_on, voucher_no, paid_after_fen = _int(), _int(), TEXT(), TEXT(), _int()
    created_at = TEXT()


class ScoreOut(ma.Schema):
    key, name, weight, scale, score = TEXT(), TEXT(), _int(), _int(), _int()


class ProjectEvaluationOut(ma.Schema):
    id, kind, total, total_tenths, grade, grade_label = (_int(), TEXT(), TEXT(), _int(), TEXT(),
                                                         TEXT())
    scores = ma.fields.List(ma.fields.Nested(ScoreOut))
    comment, evaluated_on = TEXT(), TEXT()


class ProjectOut(ma.Schema):
    id, title, year, region_code, county_code, status = (_int(), TEXT(), _int(), TEXT(), TEXT(),
                                                         TEXT())
    item_code, item_name, category_code, category_name = TEXT(), TEXT(), TEXT(), TEXT()
    edition_year, purchaser, provider_id, provider_name = _int(), TEXT(), _int(), TEXT()
    procurement_method, contract_no, amount_fen, paid_fen = TEXT(), TEXT(), _int(), _int()
    starts_on, ends_on, term_reason, deliverables = TEXT(), TEXT(), TEXT(), TEXT()
    evaluation_grade = TEXT(allow_none=True)
    evaluation_total = TEXT(allow_none=True)
    created_at = TEXT()


class ProjectDetail(ProjectOut):
    milestones = ma.fields.List(ma.fields.Nested(ProjectMilestoneOut))
    payments = ma.fields.List(ma.fields.Nested(ProjectPaymentOut))
    evaluations = ma.fields.List(ma.fields.Nested(ProjectEvaluationOut))
    moves = ma.fields.List(TEXT(), metadata={"description": _l("调用者现在可以办理的操作")})


class ProjectPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ProjectOut))


class ProjectArgs(PageArgs):
    status = TEXT(load_default=None, validate=OneOf(list(PROJECT_STATUSES)))
    year = ma.fields.Integer(load_default=None, validate=Range(2000, 2100))
    county_code = TEXT(load_default=None, validate=Length(max=9))
    category_code = TEXT(load_default=None, validate=Length(max=20))
    item_code = TEXT(load_default=None, validate=Length(max=20))
    provider_id = ma.fields.Integer(load_default=None)


class ProjectMilestoneIn(JsonBody):
    name = TEXT(required=True)
    due_on = TEXT(required=True, metadata={"description": "YYYY-MM-DD"})


class ProjectIn(JsonBody):
    title, purchaser = TEXT(required=True), TEXT(required=True)
    year = _int(load_default=None, allow_none=True, metadata={
        "description": _l("预算年度（默认开始日期的年度）；用该年度现行目录")})
    item_code = TEXT(required=True, metadata={"description": _l("现行目录中最末一级条目的编码")})
    provider_id = _int(required=True)
    procurement_method = TEXT(required=True, validate=OneOf(list(PROCUREMENT_METHODS)))
    contract_no = TEXT(load_default="")
    amount_fen = _int(required=True, metadata={"description": _l("合同金额（分）")})
    starts_on = TEXT(required=True, metadata={"description": "YYYY-MM-DD"})
    ends_on = TEXT(required=True, metadata={"description": "YYYY-MM-DD"})
    term_reason = TEXT(load_default="", metadata={"description": _l("超过一年时必填")})
    deliverables = TEXT(load_default="")
    milestones = ma.fields.List(ma.fields.Nested(ProjectMilestoneIn), load_default=list,
                                validate=Length(max=projects.MAX_MILESTONES))


class ContractIn(JsonBody):
    contract_no = TEXT(required=True)
    amount_fen = _int(required=True)


class MoveIn(JsonBody):
    comment = TEXT(load_default="")


class ProjectPaymentIn(JsonBody):
    amount_fen = _int(required=True, metadata={"description": _l("付款金额（分）")})
    paid_on = TEXT(required=True, metadata={"description": "YYYY-MM-DD"})
    voucher_no = TEXT(load_default="")


class ProjectEvaluationIn(JsonBody):
    scores = ma.fields.Dict(keys=TEXT(), values=ma.fields.Raw(), required=True, metadata={
        "description": _l("各指标得分（指标代码 → 得分），指标见 GET /api/v1/projects/indicators")})
    kind = TEXT(load_default="department", validate=OneOf(list(evaluations.EVALUATION_KINDS)))
    comment = TEXT(load_default="")
    evaluated_on = TEXT(load_default="")


class IndicatorOut(ma.Schema):
    key, name, weight, scale = TEXT(), TEXT(), _int(), _int()


class IndicatorsOut(ma.Schema):
    indicators = ma.fields.List(ma.fields.Nested(IndicatorOut))
    grade_bands = ma.fields.Dict(keys=TEXT(), values=_int())


class SpendingArgs(QueryArgs):
    by = TEXT(load_default="county", validate=OneOf(list(spending.GROUPINGS)))
    year = ma.fields.Integer(load_default=None, validate=Range(2000, 2100))
    county_code = TEXT(load_default=None, validate=Length(max=9))
    category_code = TEXT(load_default=None, validate=Length(max=20))
    provider_id = ma.fields.Integer(load_default=None)


class SpendingRow(ma.Schema):
    key, label, count, amount_fen, paid_fen = TEXT(), TEXT(), _int(), _int(), _int()


class SpendingTotal(ma.Schema):
    count, amount_fen, paid_fen = _int(), _int(), _int()


class SpendingOut(ma.Schema):
    by = TEXT()
    rows = ma.fields.List(ma.fields.Nested(SpendingRow))
    total = ma.fields.Nested(SpendingTotal)
    truncated = ma.fields.Boolean()


class EligibilityRuleOut(ma.Schema):
    key, label, passed, reason = TEXT(), TEXT(), ma.fields.Boolean(), TEXT()


class EligibilityOut(ma.Schema):
    purpose, eligible, reason = TEXT(), ma.fields.Boolean(), TEXT()
    decided_by = TEXT(allow_none=True)
    rules = ma.fields.List(ma.fields.Nested(EligibilityRuleOut))


class CreditOut(ma.Schema):
    organization_id, name, status = _int(), TEXT(), TEXT()
    grade = TEXT(allow_none=True)
    grade_valid_until = TEXT(allow_none=True)
    abnormal_listed = ma.fields.Boolean()
    annual_reports = ma.fields.List(ma.fields.Dict(values=ma.fields.Raw(allow_none=True)))
    abnormal_entries = ma.fields.List(ma.fields.Dict(values=ma.fields.Raw(allow_none=True)))
    projects = ma.fields.List(ma.fields.Dict(values=ma.fields.Raw(allow_none=True)))
    awards = ma.fields.List(ma.fields.Dict(values=ma.fields.Raw(allow_none=True)))
    grants = ma.fields.List(ma.fields.Dict(values=ma.fields.Raw(allow_none=True)))
    penalties = ma.fields.List(ma.fields.Dict(values=ma.fields.Raw(allow_none=True)))
    eligibility = ma.fields.List(ma.fields.Nested(EligibilityOut))


# --- dumps -----------------------------------------------------------------------------------

def dump_project(row: Project) -> dict:
    return {"id": row.id, "title": row.title, "year": row.year, "region_code": row.region_code,
            "county_code": row.county_code, "status": row.status, "item_code": row.item_code,
            "item_name": row.item_name, "category_code": row.category_code,
            "category_name": row.category_name, "purchaser": row.purchaser,
            "edition_year": row.year, "provider_id": row.provider_id,
            "provider_name": row.provider.name, "procurement_method": row.procurement_method,
            "contract_no": row.contract_no, "amount_fen": row.amount_fen,
            "paid_fen": row.paid_fen, "starts_on": row.starts_on.isoformat(),
            "ends_on": row.ends_on.isoformat(), "term_reason": row.term_reason,
            "deliverables": row.deliverables, "evaluation_grade": row.evaluation_grade,
            "evaluation_total": evaluations.tenths_text(row.evaluation_tenths) or None,
            "created_at": isoformat(row.created_at)}


def dump_evaluation(row) -> dict:
    return {"id": row.id, "kind": row.kind, "total": row.total_text,
            "total_tenths": row.total_tenths, "grade": row.grade,
            "grade_label": str(row.grade_label), "scores": evaluations.named(row.scores),
            "comment": row.comment, "evaluated_on": row.evaluated_on.isoformat()}


def dump_payment(row) -> dict:
    return {"id": row.id, "amount_fen": row.amount_fen, "paid_on": row.paid_on.isoformat(),
            "voucher_no": row.voucher_no, "paid_after_fen": row.paid_after_fen,
            "created_at": isoformat(row.created_at)}


def detail(row: Project) -> dict:
    user = current_api_user()
    return {**dump_project(row),
            "milestones": [{"id": m.id, "name": m.name, "due_on": m.due_on.isoformat(),
                            "done_on": m.done_on.isoformat() if m.done_on else None}
                           for m in projects.milestones_of(row)],
            "payments": [dump_payment(p) for p in payments.payments_of(row)],
            "evaluations": [dump_evaluation(e) for e in projects.evaluations_of(row)],
            "moves": [m.name for m in projects.allowed_moves(user, row)]}


# --- routes ----------------------------------------------------------------------------------

@blp.route("/projects", methods=["GET"])
@auth_required(*READERS)
@blp.arguments(ProjectArgs, location="query")
@blp.response(200, ProjectPage)
def list_projects(args):
    """Projects in the caller's jurisdiction (an organization's representative: its own),
    newest first; filters status, year, county_code, category_code, item_code, provider_id."""
    stmt = projects.projects_stmt(current_api_user(), args)
    return page_body(paginate_query(stmt, Project.id, request.args), dump_project)


@blp.route("/projects", methods=["POST"])
@auth_required(*OFFICIALS)
@blp.arguments(ProjectIn)
@blp.response(201, ProjectDetail)
def create_project(body):
    """Record a project at 立项 in the caller's region: an item of the edition in force in its
    year (deepest level), an approved provider off the abnormal list, amount in fen, a term
    of one year (up to three with term_reason)."""
    row = projects.create_project(current_api_user(), body)
    db.session.commit()
    return detail(row)


@blp.route("/projects/indicators", methods=["GET"])
@auth_required(*READERS)
@blp.response(200, IndicatorsOut)
def project_indicators():
    """The 绩效评价 indicators in force (weights sum to 100) and the grade bands (tenths)."""
    return {"indicators": [{"key": r.key, "name": r.label, "weight": r.weight,
                            "scale": r.scale} for r in evaluations.indicators()],
            "grade_bands": {grade: floor for floor, grade in evaluations.GRADE_BANDS}}


@blp.route("/projects/<int:project_id>", methods=["GET"])
@auth_required(*READERS)
@blp.response(200, ProjectDetail)
def get_project(project_id):
    """One project with milestones, payments and evaluations."""
    return detail(projects.get_project(current_api_user(), project_id))


@blp.route("/projects/<int:project_id>/contract", methods=["PATCH"])
@auth_required(*OFFICIALS)
@blp.arguments(ContractIn)
@blp.response(200, ProjectDetail)
@blp.alt_response(409, schema=ErrorSchema, description=STATE)
def update_contract(body, project_id):
    """Before signing: the contract number and amount."""
    row = projects.get_project(current_api_user(), project_id)
    projects.update_contract(current_api_user(), row, body)
    db.session.commit()
    return detail(row)


@blp.route("/projects/<int:project_id>/moves/<name>", methods=["POST"])
@auth_required(*OFFICIALS)
@blp.arguments(MoveIn)
@blp.response(200, ProjectDetail)
@blp.alt_response(409, schema=ErrorSchema, description=STATE)
def move_project(body, project_id, name):
    """A workflow move: procure, sign, perform, accept, evaluate, close (officials of the
    recording region)."""
    row = projects.get_project(current_api_user(), project_id)
    projects.move(current_api_user(), row, name, body["comment"])
    db.session.commit()
    return detail(row)


@blp.route("/projects/<int:project_id>/milestones", methods=["POST"])
@auth_required(*OFFICIALS)
@blp.arguments(ProjectMilestoneIn)
@blp.response(201, ProjectMilestoneOut)
@blp.alt_response(409, schema=ErrorSchema, description=STATE)
def add_milestone(body, project_id):
    row = projects.get_project(current_api_user(), project_id)
    milestone = projects.add_milestone(current_api_user(), row, body)
    db.session.commit()
    return {"id": milestone.id, "name": milestone.name, "due_on": milestone.due_on.isoformat(),
            "done_on": None}


@blp.route("/projects/<int:project_id>/milestones/<int:milestone_id>/done", methods=["POST"])
@auth_required(*OFFICIALS)
@blp.response(200, ProjectMilestoneOut)
@blp.alt_response(409, schema=ErrorSchema, description=STATE)
def complete_milestone(project_id, milestone_id):
    row = projects.get_project(current_api_user(), project_id)
    milestone = projects.complete_milestone(current_api_user(), row, milestone_id)
    db.session.commit()
    return {"id": milestone.id, "name": milestone.name, "due_on": milestone.due_on.isoformat(),
            "done_on": milestone.done_on.isoformat()}


@blp.route("/projects/<int:project_id>/payments", methods=["POST"])
@auth_required(*OFFICIALS)
@blp.arguments(ProjectPaymentIn)
@blp.response(201, ProjectPaymentOut)
@blp.alt_response(409, schema=ErrorSchema, description=STATE)
@blp.doc(**IDEMPOTENCY_DOC)
@idempotent
def add_payment(body, project_id):
    """A payment in fen; the sum of payments never passes the contract (422 naming what is
    left). Send an Idempotency-Key to make a retry safe."""
    row = projects.get_project(current_api_user(), project_id)
    return dump_payment(payments.add_payment(current_api_user(), row, body))


@blp.route("/projects/<int:project_id>/evaluations", methods=["POST"])
@auth_required(*OFFICIALS)
@blp.arguments(ProjectEvaluationIn)
@blp.response(201, ProjectEvaluationOut)
@blp.alt_response(409, schema=ErrorSchema, description=STATE)
def evaluate_project(body, project_id):
    """A 绩效评价 at the 绩效评价 step: a whole score within each indicator's scale; the total
    is weighted, the grade 优 ≥ 90, 良 80–89, 中 60–79, 差 < 60."""
    row = projects.get_project(current_api_user(), project_id)
    evaluation = projects.evaluate(current_api_user(), row, body)
    db.session.commit()
    return dump_evaluation(evaluation)


@blp.route("/projects/spending", methods=["GET"])
@auth_required(*OFFICIALS)
@blp.arguments(SpendingArgs, location="query")
@blp.response(200, SpendingOut)
def project_spending(args):
    """Contract and paid amounts (fen) in the caller's jurisdiction, grouped by county, year,
    category (level-1 item) or provider (?by=), with filters."""
    by = args.pop("by")
    # Already the documented shape (SpendingOut): up to 500 rows are sent without being
    # passed through marshmallow again, which took longer than the query.
    return jsonify(spending.spending(current_api_user(), by, args))


@blp.route("/organizations/<int:org_id>/credit", methods=["GET"])
@auth_required(*READERS)
@blp.response(200, CreditOut)
def organization_credit(org_id):
    """An organization's credit profile: annual reports and results, abnormal-list entries,
    grade and validity, projects with their evaluation grades, awards, grants, and whether it
    may be a provider or apply for an award, each with the rule that decided it."""
    user = current_api_user()
    org = get_visible(user, Organization, org_id)
    if org is None:
        raise NotFound(_l("组织不存在"))
    found = credit.profile(user, org)
    return {
        "organization_id": org.id, "name": org.name, "status": org.status,
        "grade": found["grade"], "abnormal_listed": org.abnormal_listed,
        "grade_valid_until": org.grade_valid_until.isoformat() if org.grade_valid_until
        else None,
        "annual_reports": [{"year": r.year, "result": r.result,
                            "result_label": str(r.result_label)} for r in found["reports"]],
        "abnormal_entries": [{"reason": e.reason, "reason_label": str(e.reason_label),
                              "listed_on": e.listed_on.isoformat(),
                              "removed_on": e.removed_on.isoformat() if e.removed_on else None}
                             for e in found["listings"]],
        "projects": [{"id": p.id, "title": p.title, "year": p.year, "item_code": p.item_code,
                      "item_name": p.item_name, "status": p.status, "amount_fen": p.amount_fen,
                      "evaluation_grade": p.evaluation_grade,
                      "evaluation_total": evaluations.tenths_text(p.evaluation_tenths) or None}
                     for p in found["projects"]],
        "awards": found["awards"],
        "grants": [{"id": g.id, "grant_type": g.grant_type, "amount_fen": g.amount_fen,
                    "year": g.year, "status": g.status} for g in found["grants"]],
        "penalties": [{"decided_on": p.decided_on.isoformat(), "decision_no": p.decision_no,
                       "reason": p.reason} for p in found["penalties"]],
        "eligibility": [e.as_dict() for e in found["eligibility"]],
    }
