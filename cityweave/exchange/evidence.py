"""Evidence files of a transfer's stage changes: a PDF, a Word document (DOCX), or a PNG or JPEG
image, at most ``settings.UPLOAD_MAX_BYTES``. The name and the content must agree: a PDF starts
with ``%PDF-``, a DOCX is a ZIP archive holding ``word/document.xml``, a PNG and a JPEG start with
their signatures. Anything else raises ``ValidationError`` on the ``evidence`` field with a reason
a person can act on."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

EVIDENCE_EXTENSIONS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".png": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"


def _refuse(message: str) -> ValidationError:
    return ValidationError({"evidence": [ValidationError(message, code="invalid_evidence")]})


def _matches(kind: str, data: bytes) -> bool:
    if kind == "pdf":
        return data.startswith(b"%PDF-")
    if kind == "png":
        return data.startswith(PNG_SIGNATURE)
    if kind == "jpeg":
        return data.startswith(JPEG_SIGNATURE)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


KIND_LABELS = {"pdf": "PDF", "docx": "DOCX", "png": "PNG", "jpeg": "JPEG"}


def read_evidence(upload: UploadedFile) -> tuple[str, bytes]:
    """The base name and bytes of an evidence upload, once checked; ``ValidationError``
    otherwise."""
    name = PurePath(upload.name or "").name
    suffix = PurePath(name).suffix.lower()
    kind = EVIDENCE_EXTENSIONS.get(suffix)
    if kind is None:
        raise _refuse(
            _("“%(name)s”: evidence must be a PDF, DOCX, PNG or JPEG file.") % {"name": name}
        )
    limit = int(settings.UPLOAD_MAX_BYTES)
    if (upload.size or 0) > limit:
        raise _refuse(_too_large(name, upload.size or 0, limit))
    upload.seek(0)
    data = b"".join(upload.chunks())
    if not data:
        raise _refuse(_("“%(name)s” is empty.") % {"name": name})
    if len(data) > limit:
        raise _refuse(_too_large(name, len(data), limit))
    if not _matches(kind, data):
        raise _refuse(
            _("“%(name)s” is named %(suffix)s but is not a %(kind)s file.")
            % {"name": name, "suffix": suffix, "kind": KIND_LABELS[kind]}
        )
    return name, data


def _too_large(name: str, size: int, limit: int) -> str:
    return _("“%(name)s” is %(size)s bytes; the largest file accepted is %(limit)s bytes.") % {
        "name": name,
        "size": size,
        "limit": limit,
    }
