"""Attaching files to library resources: stored with their text, or not at all."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cityweave.catalogue.documents import DocumentError
from cityweave.catalogue.models import Resource, ResourceType
from cityweave.catalogue.services.library import resource_attach_file
from tests.catalogue.test_documents import HTML, MARKDOWN, PNG, make_docx, make_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def resource() -> Resource:
    return Resource.objects.create(
        slug="test-library-guide",
        title="Test guide",
        resource_type=ResourceType.GUIDANCE,
        url="https://example.org/guide",
    )


@pytest.fixture
def indexed(monkeypatch: pytest.MonkeyPatch) -> list[list[Any]]:
    calls: list[list[Any]] = []
    monkeypatch.setattr(
        "cityweave.search.index_objects", lambda objs: calls.append(list(objs)) or 0
    )
    return calls


def stored_files(media_root: Path) -> list[str]:
    if not media_root.exists():
        return []
    return sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    ("name", "data", "phrase"),
    [
        ("guide.pdf", make_pdf("Green roofs retain rain"), "Green roofs retain rain"),
        ("guide.docx", make_docx("Street trees give shade"), "Street trees give shade"),
        ("guide.md", MARKDOWN, "A rain garden holds stormwater from roofs."),
        ("guide.html", HTML, "Vegetated channels that convey runoff."),
    ],
)
def test_file_is_stored_with_text_size_and_hash(
    resource: Resource,
    indexed: list[list[Any]],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    name: str,
    data: bytes,
    phrase: str,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        resource_attach_file(resource=resource, upload=SimpleUploadedFile(name, data))

    row = Resource.objects.get(pk=resource.pk)
    assert row.file_name == name
    assert row.file_size == len(data)
    assert row.file_sha256 == hashlib.sha256(data).hexdigest()
    assert phrase in row.extracted_text
    assert stored_files(Path(settings.MEDIA_ROOT)) == [f"library/{name}"]
    assert row.file.read() == data
    assert indexed == [[resource]]


def test_replacing_a_file_removes_the_old_one(
    resource: Resource,
    indexed: list[list[Any]],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        resource_attach_file(resource=resource, upload=SimpleUploadedFile("one.md", b"# One"))
        resource_attach_file(resource=resource, upload=SimpleUploadedFile("two.md", b"# Two"))
    assert stored_files(Path(settings.MEDIA_ROOT)) == ["library/two.md"]
    assert Resource.objects.get(pk=resource.pk).extracted_text == "Two"
    assert len(indexed) == 2


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("picture.pdf", PNG, "not a PDF file"),
        ("truncated.pdf", make_pdf("Cut short")[:150], "incomplete PDF"),
        ("picture.docx", PNG, "not a Word document"),
    ],
)
def test_rejected_file_leaves_nothing_behind(
    resource: Resource,
    indexed: list[list[Any]],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    name: str,
    data: bytes,
    reason: str,
) -> None:
    before = Resource.objects.values().get(pk=resource.pk)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(DocumentError, match=reason),
    ):
        resource_attach_file(resource=resource, upload=SimpleUploadedFile(name, data))
    assert Resource.objects.values().get(pk=resource.pk) == before
    assert stored_files(Path(settings.MEDIA_ROOT)) == []
    assert resource.file_name == "" and resource.extracted_text == ""
    assert indexed == []


def test_oversized_file_is_rejected_before_it_is_read(resource: Resource, settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 1000
    upload = SimpleUploadedFile("big.md", b"a" * 1001)
    with pytest.raises(DocumentError, match="is 1001 bytes; the largest file accepted is 1000"):
        resource_attach_file(resource=resource, upload=upload)
    assert stored_files(Path(settings.MEDIA_ROOT)) == []
    assert Resource.objects.get(pk=resource.pk).file_size is None


def test_failure_after_storing_removes_the_stored_file(
    resource: Resource,
    indexed: list[list[Any]],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The file is written before the row validates; a row that fails validation takes it back."""
    Resource.objects.filter(pk=resource.pk).update(url="not a url")
    resource.refresh_from_db()
    before = Resource.objects.values().get(pk=resource.pk)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError, match="url"),
    ):
        resource_attach_file(resource=resource, upload=SimpleUploadedFile("ok.md", b"# Fine"))
    assert Resource.objects.values().get(pk=resource.pk) == before
    assert stored_files(Path(settings.MEDIA_ROOT)) == []
    assert not resource.file
    assert indexed == []


def test_keeps_the_previous_file_when_the_replacement_is_rejected(
    resource: Resource,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    indexed: list[list[Any]],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        resource_attach_file(resource=resource, upload=SimpleUploadedFile("one.md", b"# One"))
    with pytest.raises(DocumentError):
        resource_attach_file(resource=resource, upload=SimpleUploadedFile("two.pdf", PNG))
    assert stored_files(Path(settings.MEDIA_ROOT)) == ["library/one.md"]
    row = Resource.objects.get(pk=resource.pk)
    assert (row.file_name, row.extracted_text) == ("one.md", "One")
