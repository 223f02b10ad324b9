"""Photos attached to reports and deeds: the upload rules of organizations/documents.py (type
read from the content, extension must agree, 10 MB, random stored name, served only through a
scoped route), narrowed to JPG and PNG. That module belongs to another area, so its few rules
are repeated here rather than imported."""

import secrets
from pathlib import Path

from flask import current_app

from registry.errors import ValidationFailed
from registry.i18n import gettext as _
from registry.validators import check_text

MAX_PHOTO_BYTES = 10 * 1024 * 1024
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
NAME_EXTENSIONS = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


def _folder() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "incentives"
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_photo(stream, filename: str | None, field: str = "photo") -> tuple[bytes, str, str]:
    """(data, content type, extension) of an uploaded photo, or a message at the field."""
    name = check_text((filename or "").replace("\\", "/").rsplit("/", 1)[-1], field, _("文件名"),
                      max_length=200)
    data = stream.read(MAX_PHOTO_BYTES + 1) if stream is not None else b""
    if not data:
        raise ValidationFailed(_("照片文件不能为空"), field)
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationFailed(_("照片不能超过 10 MB"), field)
    found = next(((t, e) for magic, t, e in SIGNATURES if data.startswith(magic)), None)
    if found is None:
        raise ValidationFailed(_(
            "照片只能是 JPG 或 PNG 文件（按文件内容识别，改扩展名无效）"), field)
    if NAME_EXTENSIONS.get(Path(name).suffix.lower()) != found[0]:
        raise ValidationFailed(_("文件扩展名与文件内容不符，请上传真实的 JPG 或 PNG 照片"), field)
    return data, found[0], found[1]


def store(data: bytes, extension: str) -> str:
    """Write the photo under a random name; returns that name (never the uploader's)."""
    stored = secrets.token_hex(16) + extension
    path = _folder() / stored
    path.write_bytes(data)
    path.chmod(0o600)
    return stored


def path_of(stored_name: str) -> Path:
    return _folder() / stored_name


def has_file(upload) -> bool:
    """Whether a form's file field holds an upload (an empty file input sends no name)."""
    return upload is not None and bool(getattr(upload, "filename", ""))
