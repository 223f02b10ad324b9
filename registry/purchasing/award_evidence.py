"""An award application's evidence files: the upload rules of organizations/documents.py (PDF,
JPG or PNG read from the content, the extension must agree, 10 MB, the name cleaned, a random
stored name, served only through a scoped route)."""

import hashlib
import secrets
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from registry.errors import Conflict, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.organizations.documents import MAX_UPLOAD_BYTES, NAME_EXTENSIONS, sniff
from registry.purchasing.models import AwardApplication, AwardEvidence
from registry.validators import check_text, clean_filename

MAX_FILES = 20
# While the applicant may still add evidence: before the county has scored (and after a
# return for rescoring).
OPEN_STATES = ("applied", "returned")


def _folder() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "awards"
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_file(stream, filename: str | None, field: str = "evidence") -> tuple[bytes, str, str,
                                                                                str]:
    """(data, cleaned name, content type, extension) of an upload, or a message at field."""
    name = check_text(clean_filename(filename), field, _("文件名"), max_length=200)
    data = stream.read(MAX_UPLOAD_BYTES + 1) if stream is not None else b""
    if not data:
        raise ValidationFailed(_("请选择要上传的文件（文件不能为空）"), field)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationFailed(_("文件不能超过 10 MB"), field)
    found = sniff(data[:16])
    if found is None:
        raise ValidationFailed(_("只能上传 PDF、JPG 或 PNG 文件（按文件内容识别，改扩展名无效）"),
                               field)
    if NAME_EXTENSIONS.get(Path(name).suffix.lower()) != found[0]:
        raise ValidationFailed(_("文件扩展名与文件内容不符，请上传真实的 PDF、JPG 或 PNG 文件"),
                               field)
    return data, name, found[0], found[1]


def count_of(application: AwardApplication) -> int:
    return int(db.session.scalar(select(func.count(AwardEvidence.id)).where(
        AwardEvidence.application_id == application.id)))


def save(user: Any, application: AwardApplication, checked: tuple[bytes, str, str, str]
         ) -> AwardEvidence:
    """Store one checked file for application (the caller made sure user is its applicant)."""
    if application.status not in OPEN_STATES:
        raise Conflict(_("申请已进入审批，不能再补充证明材料"), "evidence")
    if count_of(application) >= MAX_FILES:
        raise Conflict(_("每份申请最多 %(n)s 个证明材料", n=MAX_FILES), "evidence")
    data, name, content_type, extension = checked
    stored = secrets.token_hex(16) + extension
    row = AwardEvidence(application_id=application.id, region_code=application.region_code,
                        original_name=name, stored_name=stored, content_type=content_type,
                        size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                        uploaded_by=user.id)
    db.session.add(row)
    db.session.flush()
    path = _folder() / stored
    path.write_bytes(data)
    path.chmod(0o600)
    return row


def files_of(application: AwardApplication) -> list[AwardEvidence]:
    return list(db.session.scalars(select(AwardEvidence).where(
        AwardEvidence.application_id == application.id).order_by(AwardEvidence.id)
        .limit(MAX_FILES)))


def path_of(row: AwardEvidence) -> Path:
    return _folder() / row.stored_name
