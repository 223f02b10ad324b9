"""Organizations in the API (API.md): scoped list, create, read, edit, workflow moves, and the
public registry of approved organizations."""

import marshmallow as ma
from flask import request
from flask_smorest.fields import Upload
from marshmallow.validate import Length

from registry import audit, regions
from registry.clock import isoformat, today_local
from registry.errors import NotFound
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.masking import mask_office_phone
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, OFFICIAL_ROLES, ORG_ADMIN
from registry.organizations import documents
from registry.organizations import operations as orgs
from registry.organizations.models import DOCUMENT_KINDS, Organization
from registry.pagination import paginate_query
from registry.scoping import get_visible
from registry.validators import is_landline
from registry.views.api import auth_required, blp, current_api_user, page_body
from registry.views.api.schemas import JsonBody, PageArgs, PageSchema, QueryArgs
from registry.workflow import history

ROLES = (CITY_OFFICIAL, COUNTY_OFFICIAL, ORG_ADMIN)


class OrgListArgs(PageArgs):
    q = ma.fields.String(load_default="")
    status = ma.fields.String(load_default="")
    org_type = ma.fields.String(load_default="")
    category = ma.fields.String(load_default="")
    region_code = ma.fields.String(load_default="")
    grade = ma.fields.String(load_default="")
    hub = ma.fields.String(load_default="")
    abnormal = ma.fields.String(load_default="")


class PublicOrgListArgs(PageArgs):
    q = ma.fields.String(load_default="")
    org_type = ma.fields.String(load_default="")
    category = ma.fields.String(load_default="")
    region_code = ma.fields.String(load_default="")
    grade = ma.fields.String(load_default="")
    hub = ma.fields.String(load_default="")


def _text(**kwargs):
    return ma.fields.String(allow_none=True, **kwargs)


class OrgWrite(JsonBody):
    """The fields of an application (all optional in a PATCH)."""

    name = _text()
    org_type = _text()
    category = _text()
    uscc = _text()
    legal_representative = _text()
    region_code = _text()
    supervisory_unit = _text()
    business_scope = _text()
    registered_capital_fen = ma.fields.Integer(strict=True, allow_none=True)
    address = _text()
    contact_name = _text()
    contact_phone = _text()
    founded_on = ma.fields.Date(allow_none=True)
    is_volunteer_org = ma.fields.Boolean(allow_none=True)
    party_org_status = _text()
    party_member_count = ma.fields.Integer(strict=True, allow_none=True)
    party_instructor = _text()


class MoveBody(JsonBody):
    comment = ma.fields.String(load_default="", validate=Length(max=2000,
                               error=_l("意见不能超过 2000 个字符")))


class ApproveBody(MoveBody):
    uscc = _text()
    certificate_date = ma.fields.Date(allow_none=True)
    registration_authority = _text()


class PublicOrg(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    org_type = ma.fields.String()
    org_type_label = ma.fields.String()
    category = ma.fields.String()
    category_label = ma.fields.String()
    uscc = ma.fields.String(allow_none=True)
    legal_representative = ma.fields.String()
    region_code = ma.fields.String()
    region_name = ma.fields.String()
    registration_kind = ma.fields.String()
    registration_authority = ma.fields.String()
    supervisory_unit = ma.fields.String()
    business_scope = ma.fields.String()
    address = ma.fields.String()
    founded_on = ma.fields.String(allow_none=True)
    certificate_date = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    status_label = ma.fields.String()
    grade = ma.fields.String(allow_none=True)
    grade_valid_until = ma.fields.String(allow_none=True)
    is_hub = ma.fields.Boolean()
    hub_id = ma.fields.Integer(allow_none=True)
    hub_name = ma.fields.String(allow_none=True)


class HistoryItem(ma.Schema):
    at = ma.fields.String()
    actor = ma.fields.String()
    actor_role = ma.fields.String()
    change = ma.fields.String()
    comment = ma.fields.String()


class ChecklistItem(ma.Schema):
    kind = ma.fields.String()
    label = ma.fields.String()
    uploaded = ma.fields.Boolean()


class Document(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    kind_label = ma.fields.String()
    original_name = ma.fields.String()
    content_type = ma.fields.String()
    size = ma.fields.Integer()
    created_at = ma.fields.String()


class Documents(ma.Schema):
    checklist = ma.fields.List(ma.fields.Nested(ChecklistItem))
    missing = ma.fields.List(ma.fields.String())
    items = ma.fields.List(ma.fields.Nested(Document))


class UploadArgs(JsonBody):
    """The multipart form's text part: the document's kind (DOCUMENT_KINDS); another part
    is refused by name, as in a JSON body."""

    kind = ma.fields.String(load_default="", metadata={"enum": list(DOCUMENT_KINDS)})


class UploadFile(QueryArgs):
    file = Upload(metadata={"description": _l("PDF、JPG 或 PNG，不超过 10 MB")})


class Org(PublicOrg):
    registered_capital_fen = ma.fields.Integer()
    contact_name = ma.fields.String()
    contact_phone = ma.fields.String()
    is_volunteer_org = ma.fields.Boolean()
    party_org_status = ma.fields.String()
    party_member_count = ma.fields.Integer()
    party_instructor = ma.fields.String()
    abnormal_listed = ma.fields.Boolean()
    created_at = ma.fields.String()
    submitted_at = ma.fields.String(allow_none=True)
    approved_at = ma.fields.String(allow_none=True)
    moves = ma.fields.List(ma.fields.String())
    history = ma.fields.List(ma.fields.Nested(HistoryItem))
    documents_checklist = ma.fields.List(ma.fields.Nested(ChecklistItem))
    documents_missing = ma.fields.List(ma.fields.String())


class OrgPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(Org))


class PublicOrgPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(PublicOrg))


def _date(value):
    return value.isoformat() if value else None


def public_dump(org: Organization) -> dict:
    """What anyone may know of an approved organization."""
    return {
        "id": org.id, "name": org.name, "org_type": org.org_type,
        "org_type_label": org.type_label, "category": org.category,
        "category_label": org.category_label, "uscc": org.uscc,
        "legal_representative": org.legal_representative, "region_code": org.region_code,
        "region_name": regions.name_of(org.region_code),
        "registration_kind": org.registration_kind,
        "registration_authority": org.registration_authority,
        "supervisory_unit": org.supervisory_unit, "business_scope": org.business_scope,
        "address": org.address, "founded_on": _date(org.founded_on),
        "certificate_date": _date(org.certificate_date), "status": org.status,
        "status_label": org.status_label, "grade": org.current_grade(today_local()),
        "grade_valid_until": _date(org.grade_valid_until) if org.grade else None,
        "is_hub": org.is_hub, "hub_id": org.hub_id,
        "hub_name": org.hub.name if org.hub_id and org.hub else None,
    }


def dump(org: Organization, *, full: bool = False) -> dict:
    """An organization for its representative or an official; the contact phone in full only
    on the single record (audited for officials), masked in lists."""
    user = current_api_user()
    body = public_dump(org)
    body.update({
        "registered_capital_fen": org.registered_capital_fen,
        "contact_name": org.contact_name,
        "contact_phone": org.contact_phone if full else mask_office_phone(org.contact_phone),
        "is_volunteer_org": org.is_volunteer_org, "party_org_status": org.party_org_status,
        "party_member_count": org.party_member_count, "party_instructor": org.party_instructor,
        "abnormal_listed": org.abnormal_listed, "created_at": isoformat(org.created_at),
        "submitted_at": isoformat(org.submitted_at), "approved_at": isoformat(org.approved_at),
        "moves": [move.name for move in orgs.allowed_moves(user, org)],
    })
    if full:
        body["documents_checklist"] = documents.checklist(org)
        body["documents_missing"] = [item["kind"] for item in body["documents_checklist"]
                                     if not item["uploaded"]]
        body["history"] = [
            {"at": isoformat(entry.created_at), "actor": entry.actor_name,
             "actor_role": entry.actor_role, "change": entry.changes, "comment": entry.comment}
            for entry in history(org)
        ]
    return body


def _load(org_id: int) -> Organization:
    org = get_visible(current_api_user(), Organization, org_id)
    if org is None:
        raise NotFound(_("组织不存在或不在您的管辖范围内"))
    return org


def _full(org: Organization) -> dict:
    user = current_api_user()
    if user.role in OFFICIAL_ROLES and org.contact_phone and not is_landline(org.contact_phone):
        audit.record("view_unmasked", org, comment="查看组织联系人电话")
    return dump(org, full=True)


@blp.route("/organizations", methods=["GET"])
@auth_required(*ROLES)
@blp.arguments(OrgListArgs, location="query")
@blp.response(200, OrgPage)
def list_organizations(args):
    """Organizations in the caller's jurisdiction (officials) or their own (representative)."""
    filters = orgs.check_filters(request.args)
    stmt = orgs.staff_list_stmt(current_api_user(), filters)
    page = paginate_query(stmt, Organization.id, request.args)
    return page_body(page, dump)


@blp.route("/organizations", methods=["POST"])
@auth_required(*ROLES)
@blp.arguments(OrgWrite)
@blp.response(201, Org)
def create_organization(body):
    """File an application (status `submitted`), as its representative or on its behalf."""
    org = orgs.create_application(current_api_user(), body, submit=True)
    result = _full(org)
    db.session.commit()
    return result


@blp.route("/organizations/<int:org_id>", methods=["GET"])
@auth_required(*ROLES)
@blp.response(200, Org)
def get_organization(org_id):
    """One organization with its workflow history."""
    result = _full(_load(org_id))
    db.session.commit()
    return result


@blp.route("/organizations/<int:org_id>", methods=["PATCH"])
@auth_required(*ROLES)
@blp.arguments(OrgWrite)
@blp.response(200, Org)
def patch_organization(body, org_id):
    """Edit an application while it is not approved (a returned one, before resubmitting)."""
    org = orgs.update_application(current_api_user(), _load(org_id), body)
    result = _full(org)
    db.session.commit()
    return result


def _move(name: str, org_id: int, body: dict) -> dict:
    user, org = current_api_user(), _load(org_id)
    comment = body.get("comment", "")
    if name == "approve":
        orgs.approve(user, org, comment, uscc=body.get("uscc"),
                     certificate_date=body.get("certificate_date"),
                     registration_authority=body.get("registration_authority"))
    else:
        orgs.MOVES[name](user, org, comment)
    result = _full(org)
    db.session.commit()
    return result


@blp.route("/organizations/<int:org_id>/submit", methods=["POST"])
@auth_required(*ROLES)
@blp.arguments(MoveBody)
@blp.response(200, Org)
def submit_organization(body, org_id):
    """A draft or returned application (fixed with PATCH) goes (back) to `submitted`."""
    return _move("submit", org_id, body)


@blp.route("/organizations/<int:org_id>/approve", methods=["POST"])
@auth_required(*ROLES)
@blp.arguments(ApproveBody)
@blp.response(200, Org)
def approve_organization(body, org_id):
    """Approve (准予登记): records the USCC, certificate date and authority."""
    return _move("approve", org_id, body)


@blp.route("/organizations/<int:org_id>/return", methods=["POST"])
@auth_required(*ROLES)
@blp.arguments(MoveBody)
@blp.response(200, Org)
def return_organization(body, org_id):
    """Return for fixes; `comment` is required."""
    return _move("return", org_id, body)


@blp.route("/organizations/<int:org_id>/reject", methods=["POST"])
@auth_required(*ROLES)
@blp.arguments(MoveBody)
@blp.response(200, Org)
def reject_organization(body, org_id):
    """Reject (不予登记); `comment` (the reason) is required."""
    return _move("reject", org_id, body)


@blp.route("/organizations/<int:org_id>/deregister", methods=["POST"])
@auth_required(*ROLES)
@blp.arguments(MoveBody)
@blp.response(200, Org)
def deregister_organization(body, org_id):
    """Deregister (注销) an approved organization; `comment` is required."""
    return _move("deregister", org_id, body)


def dump_document(doc) -> dict:
    return {"id": doc.id, "kind": doc.kind, "kind_label": doc.kind_label,
            "original_name": doc.original_name, "content_type": doc.content_type,
            "size": doc.size, "created_at": isoformat(doc.created_at)}


def _documents(org: Organization) -> dict:
    checklist = documents.checklist(org)
    return {"checklist": checklist,
            "missing": [item["kind"] for item in checklist if not item["uploaded"]],
            "items": [dump_document(doc)
                      for doc in documents.documents_of(current_api_user(), org)]}


@blp.route("/organizations/<int:org_id>/documents", methods=["GET"])
@auth_required(*ROLES)
@blp.response(200, Documents)
def organization_documents(org_id):
    """The application's documents and its type's checklist (what approval needs)."""
    return _documents(_load(org_id))


@blp.route("/organizations/<int:org_id>/documents", methods=["POST"])
@auth_required(*ROLES)
@blp.arguments(UploadArgs, location="form")
@blp.arguments(UploadFile, location="files")
@blp.response(201, Document)
def upload_organization_document(args, files, org_id):
    """Upload one document (multipart/form-data: `kind`, `file`); the type is read from the
    content. Approval needs every document of the checklist."""
    file = files.get("file")
    doc = documents.save_document(current_api_user(), _load(org_id),
                                  file.stream if file else None,
                                  file.filename if file else "", args["kind"])
    db.session.commit()
    return dump_document(doc)


@blp.route("/public/organizations", methods=["GET"])
@blp.arguments(PublicOrgListArgs, location="query")
@blp.response(200, PublicOrgPage)
def public_organizations(args):
    """The public registry: approved organizations only; filters q, org_type, region_code."""
    filters = orgs.check_filters(request.args)
    page = paginate_query(orgs.public_list_stmt(filters), Organization.id, request.args)
    return page_body(page, public_dump)


@blp.route("/public/organizations/<int:org_id>", methods=["GET"])
@blp.response(200, PublicOrg)
def public_organization(org_id):
    """One approved organization of the public registry (anything else is a 404)."""
    org = orgs.public_get(org_id)
    if org is None:
        raise NotFound(_("组织不存在或尚未登记"))
    return public_dump(org)
