"""Library writes: attach an uploaded file to a resource, with its extracted text.

A failed attachment leaves nothing behind: no file in storage and no change to the row. The
search index is updated after the transaction commits.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from cityweave.catalogue.documents import check_size, extract_text
from cityweave.catalogue.models import Resource
from cityweave.search import index_after_commit

logger = logging.getLogger(__name__)

FILE_FIELDS = ("file", "file_name", "file_size", "file_sha256", "extracted_text", "updated_at")


def read_upload(upload: UploadedFile) -> bytes:
    """The bytes of an upload, after checking its announced size against the limit."""
    name = upload.name or ""
    check_size(name=name, size=upload.size or 0)
    upload.seek(0)
    data = b"".join(upload.chunks())
    check_size(name=name, size=len(data))
    return data


def resource_attach_file(*, resource: Resource, upload: UploadedFile) -> Resource:
    """Validate ``upload``, extract its text and store it on ``resource`` (replacing any file).

    Raises ``DocumentError`` for a file CityWeave cannot accept and ``ValidationError`` when the
    resource itself does not validate; in both cases nothing is stored.
    """
    name = PurePath(upload.name or "").name
    data = read_upload(upload)
    text = extract_text(name=name, data=data)
    previous = Resource.objects.get(pk=resource.pk)
    stored_name = ""
    try:
        with transaction.atomic():
            resource.file.save(name, ContentFile(data), save=False)
            stored_name = resource.file.name or ""
            resource.file_name = name
            resource.file_size = len(data)
            resource.file_sha256 = hashlib.sha256(data).hexdigest()
            resource.extracted_text = text
            resource.full_clean()
            resource.save(update_fields=FILE_FIELDS)
    except BaseException:
        if stored_name:
            resource.file.storage.delete(stored_name)
        resource.file = previous.file.name  # type: ignore[assignment]
        for field in FILE_FIELDS[1:]:
            setattr(resource, field, getattr(previous, field))
        raise

    old_name = previous.file.name or ""
    if old_name and old_name != stored_name:
        storage = previous.file.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    index_after_commit([resource])
    return resource
