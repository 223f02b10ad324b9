"""Uploaded documents and THE checklist of the documents each organization type must hand in
before it can be approved. Files: PDF, JPG or PNG up to 10 MB, the type read from the content
(magic bytes), stored under UPLOAD_DIR with a random name, served only through a scoped route."""

import hashlib
import secrets
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from registry.errors import Conflict, NotAllowed, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import OFFICIAL_ROLES, ORG_ADMIN
from registry.organizations.models import DOCUMENT_KINDS, Organization, OrgDocument
from registry.scoping import can_see
from registry.validators import check_text

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# What the first bytes must be for each accepted type, and the extension it is stored with.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
NAME_EXTENSIONS = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                   ".png": "image/png"}
# When the representative may add documents: while preparing, under review (to supplement it)
# or fixing the application, and (annual reports and the like) once registered.
ORG_ADMIN_UPLOAD_STATES = ("draft", "submitted", "returned", "approved")
OFFICIAL_UPLOAD_STATES = ("draft", "submitted", "returned", "approved")


# The documents an application needs before approval, by organization type, as the
# registration regulations list them (BASIS). 业务主管单位批准文件 only when the organization has
# a supervisory unit: 行业协会商会、科技、公益慈善、城乡社区服务 bodies register directly.
REQUIRED_DOCUMENTS = {
    "social_group": ("application", "charter", "members", "representative_id", "premises",
                     "capital", "supervisor_approval"),
    "social_service": ("application", "charter", "representative_id", "premises", "capital",
                       "supervisor_approval"),
    "foundation": ("application", "charter", "directors", "premises", "capital",
                   "supervisor_approval"),
    "community": ("application", "charter", "representative_id", "premises"),
}
BASIS = {
    "social_group": _l("《社会团体登记管理条例》第十一条"),
    "social_service": _l("《民办非企业单位登记管理暂行条例》第九条"),
    "foundation": _l("《基金会管理条例》第九条"),
    "community": _l("民政部《关于大力培育发展社区社会组织的意见》（社区社会组织备案）"),
}


def required_kinds(org_type: str | None, supervisory_unit: str | None) -> list[str]:
    """The document kinds an application of this type (and supervision) must carry."""
    kinds = REQUIRED_DOCUMENTS.get(org_type or "", ())
    return [kind for kind in kinds
            if kind != "supervisor_approval" or (supervisory_unit or "").strip()]


def uploaded_kinds(org: Organization) -> set[str]:
    """The kinds of the organization's current (not removed) documents, in one query."""
    return set(db.session.scalars(select(OrgDocument.kind).distinct().where(
        OrgDocument.organization_id == org.id, OrgDocument.removed_at.is_(None))))


def checklist(org: Organization) -> list[dict]:
    """Each required document of org: kind, label and whether one is uploaded (for the
    applicant's and the reviewer's pages and the API)."""
    have = uploaded_kinds(org) if org.id else set()
    return [{"kind": kind, "label": DOCUMENT_KINDS[kind], "uploaded": kind in have}
            for kind in required_kinds(org.org_type, org.supervisory_unit)]


def missing_documents(org: Organization) -> list[str]:
    """The labels of the required documents org has not uploaded yet."""
    return [str(item["label"]) for item in checklist(org) if not item["uploaded"]]


def require_complete(org: Organization) -> None:
    """Approval needs every document of the checklist; the refusal names the missing ones."""
    missing = missing_documents(org)
    if missing:
        raise Conflict(_("申请材料不齐全，不能准予登记。缺少：%(missing)s。请退回申请，请申请人补充"
                         "上传后重新提交", missing="、".join(missing)), "documents")


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from a file's first bytes, or None if not PDF/JPG/PNG."""
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    return None


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def may_upload(user: Any, org: Organization) -> bool:
    if user.role == ORG_ADMIN:
        return org.status in ORG_ADMIN_UPLOAD_STATES
    return user.role in OFFICIAL_ROLES and org.status in OFFICIAL_UPLOAD_STATES


def save_document(user: Any, org: Organization, stream, filename: str | None,
                  kind: str) -> OrgDocument:
    """Check and store one uploaded file for org; the row and the file, or neither."""
    if not can_see(user, org):
        raise NotAllowed(_("该组织不在您的管辖范围内"))
    if not may_upload(user, org):
        raise Conflict(_("组织当前状态为“%(status_label)s”，不能上传材料",
                         status_label=org.status_label))
    if kind not in DOCUMENT_KINDS:
        raise ValidationFailed(_("请选择材料类型"), "kind")
    name = check_text((filename or "").replace("\\", "/").rsplit("/", 1)[-1], "file",
                      _("文件名"), max_length=200)
    data = stream.read(MAX_UPLOAD_BYTES + 1) if stream is not None else b""
    if not data:
        raise ValidationFailed(_("请选择要上传的文件（文件不能为空）"), "file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationFailed(_("文件不能超过 10 MB"), "file")
    found = sniff(data[:16])
    if found is None:
        raise ValidationFailed(_("只能上传 PDF、JPG 或 PNG 文件（按文件内容识别，改扩展名无效）"),
                               "file")
    content_type, extension = found
    claimed = NAME_EXTENSIONS.get(Path(name).suffix.lower())
    if claimed != content_type:
        raise ValidationFailed(_("文件扩展名与文件内容不符，请上传真实的 PDF、JPG 或 PNG 文件"),
                               "file")
    stored = secrets.token_hex(16) + extension
    doc = OrgDocument(organization_id=org.id, region_code=org.region_code, kind=kind,
                      original_name=name, stored_name=stored, content_type=content_type,
                      size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                      uploaded_by_id=user.id)
    db.session.add(doc)
    db.session.flush()
    path = upload_dir() / stored
    path.write_bytes(data)
    path.chmod(0o600)
    return doc


def documents_of(user: Any, org: Organization) -> list[OrgDocument]:
    """The documents of an organization user may see (none for anyone who cannot see it)."""
    if not can_see(user, org):
        return []
    stmt = (select(OrgDocument).where(OrgDocument.organization_id == org.id,
                                      OrgDocument.removed_at.is_(None))
            .order_by(OrgDocument.id))
    return list(db.session.scalars(stmt))


def document_path(doc: OrgDocument) -> Path:
    """Where the stored file is (the stored name is ours, never the uploader's)."""
    return upload_dir() / doc.stored_name


def page_context(user: Any, org: Organization | None) -> dict:
    """What an application page shows of the checklist: org's items (uploaded or not), its
    documents and whether user may upload; before the first save every type's list."""
    if org is None:
        return {"checklists": {kind: [(k, DOCUMENT_KINDS[k]) for k in kinds]
                               for kind, kinds in REQUIRED_DOCUMENTS.items()}, "basis": BASIS}
    return {"checklist": checklist(org), "basis": BASIS, "documents": documents_of(user, org),
            "can_upload": may_upload(user, org)}
