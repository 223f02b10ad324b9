"""Uploaded documents: PDF, JPG or PNG up to 10 MB, the type read from the content (magic bytes),
stored under UPLOAD_DIR with a random name and served only through a scoped route."""

import hashlib
import secrets
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from registry.errors import Conflict, NotAllowed, ValidationFailed
from registry.extensions import db
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
