"""Editing on the site: only editors may, every save validates and is atomic, the search index
follows, drafts disappear for visitors, and uploads are checked before anything is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from cityweave.catalogue.models import Case, Instrument, NbsType, Resource
from cityweave.search import SearchParams, run_search
from tests.catalogue.test_documents import PNG

pytestmark = pytest.mark.django_db(transaction=False)

CASE = "tempelhofer-field-una-116"


@pytest.fixture
def editor(client: Client) -> Client:
    call_command("ensure_editor", verbosity=0)
    client.force_login(get_user_model().objects.get(username="editor"))
    return client


def case_form_data(case: Case, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title_en": case.title_en,
        "title_original": case.title_original,
        "status": case.status,
        "summary": case.summary,
        "city": case.city_id or "",
        "latitude": case.latitude if case.latitude is not None else "",
        "longitude": case.longitude if case.longitude is not None else "",
        "nbs_types": [n.pk for n in case.nbs_types.all()],
        "challenges": [c.pk for c in case.challenges.all()],
        "case_status": case.case_status,
        "start_year": case.start_year or "",
        "end_year": case.end_year or "",
        "area_m2": case.area_m2 or "",
        "cost": case.cost or "",
        "cost_currency": case.cost_currency,
        "funding_sources": case.funding_sources,
        "governance": case.governance,
        "actors": case.actors,
        "participation": case.participation,
        "outcomes": case.outcomes,
        "lessons": case.lessons,
    }
    data.update(changes)
    return data


def titles(q: str) -> list[str]:
    return [hit.title for hit in run_search(SearchParams(q=q, kind=("case",))).items]


def test_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(f"/edit/case/{CASE}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_signed_in_users_without_the_permission_get_403(client: Client) -> None:
    user = get_user_model().objects.create_user("reader", password="x" * 12)
    client.force_login(user)
    assert client.get(f"/edit/case/{CASE}/").status_code == 403
    assert client.post(f"/edit/case/{CASE}/", {"title_en": "Hacked"}).status_code == 403
    assert Case.objects.get(slug=CASE).title_en != "Hacked"


def test_editor_sees_the_edit_button(editor: Client) -> None:
    html = editor.get(f"/cases/{CASE}/").content.decode()
    assert f'href="/edit/case/{CASE}/"' in html


def test_editor_changes_a_case_and_search_follows(
    editor: Client, django_capture_on_commit_callbacks: Any
) -> None:
    case = Case.objects.get(slug=CASE)
    new_title = "Tempelhofer Feld meadow and urban commons"
    data = case_form_data(
        case, title_en=new_title, start_year="2010", governance="co_governance", lessons="Ask."
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(f"/edit/case/{CASE}/", data)
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{CASE}/"
    case.refresh_from_db()
    assert (case.title_en, case.start_year, case.governance) == (new_title, 2010, "co_governance")
    assert new_title in titles("urban commons")
    page = editor.get(f"/cases/{CASE}/").content.decode()
    assert "Saved “Tempelhofer Feld meadow and urban commons”." in page


def test_invalid_edit_is_refused_with_reasons_and_changes_nothing(editor: Client) -> None:
    case = Case.objects.get(slug=CASE)
    before = (case.title_en, case.start_year)
    data = case_form_data(case, title_en="", start_year="nineteen")
    response = editor.post(f"/edit/case/{CASE}/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert "Enter a whole number." in html
    case.refresh_from_db()
    assert (case.title_en, case.start_year) == before


def test_a_draft_leaves_the_search_and_the_public_site(
    editor: Client, django_capture_on_commit_callbacks: Any
) -> None:
    case = Case.objects.get(slug=CASE)
    assert case.title_en in titles("Tempelhofer")
    with django_capture_on_commit_callbacks(execute=True):
        editor.post(f"/edit/case/{CASE}/", case_form_data(case, status="draft"))
    assert Case.objects.get(slug=CASE).status == "draft"
    assert case.title_en not in titles("Tempelhofer")
    # The editor still sees it, marked as a draft; a visitor gets a 404.
    assert "Draft: only editors see this item." in editor.get(f"/cases/{CASE}/").content.decode()
    assert Client().get(f"/cases/{CASE}/").status_code == 404


def test_editor_creates_an_instrument(
    editor: Client, django_capture_on_commit_callbacks: Any
) -> None:
    data = {
        "name": "Test rainwater fee with green-roof discount",
        "status": "published",
        "category": "economic",
        "governance_level": "local",
        "country_code": "PL",
        "description": "A test fee.",
        "challenges": [],
        "nbs_types": [NbsType.objects.get(slug="green-roof").pk],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post("/edit/instrument/new/", data)
    instrument = Instrument.objects.get(name=data["name"])
    assert instrument.slug == "test-rainwater-fee-with-green-roof-discount"
    assert response["Location"] == instrument.get_absolute_url()
    hits = run_search(SearchParams(q="rainwater fee discount", kind=("instrument",))).items
    assert instrument.slug in [hit.slug for hit in hits]


def test_unknown_kind_is_404(editor: Client) -> None:
    assert editor.get("/edit/spaceship/new/").status_code == 404


@pytest.fixture
def resource() -> Resource:
    return Resource.objects.create(
        slug="test-handbook", title="Test handbook", resource_type="guidance"
    )


def test_upload_makes_the_text_searchable(
    editor: Client, resource: Resource, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    upload = SimpleUploadedFile(
        "guide.md", b"# Sponge districts\n\nBioretention planters hold the cloudburst.\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(f"/library/{resource.slug}/upload/", {"file": upload})
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.file_name == "guide.md"
    assert "cloudburst" in resource.extracted_text
    assert Path(settings.MEDIA_ROOT, resource.file.name).exists()
    hits = run_search(SearchParams(q="bioretention cloudburst")).items
    # The only record holding both words comes first; others hold "bioretention" only.
    assert hits[0].slug == resource.slug


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("picture.png", PNG, "are not accepted"),
        ("report.pdf", b"%PDF-1.4 this is not really a pdf", "PDF"),
        ("empty.md", b"", "empty"),
    ],
)
def test_bad_upload_is_refused_and_nothing_is_stored(
    editor: Client, resource: Resource, settings: Any, name: str, content: bytes, reason: str
) -> None:
    response = editor.post(
        f"/library/{resource.slug}/upload/", {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 400
    assert reason.lower() in response.content.decode().lower()
    resource.refresh_from_db()
    assert not resource.file and resource.extracted_text == ""
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_oversized_upload_is_refused(editor: Client, resource: Resource, settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 1000
    big = SimpleUploadedFile("big.md", b"word " * 1000)
    response = editor.post(f"/library/{resource.slug}/upload/", {"file": big})
    assert response.status_code == 400
    resource.refresh_from_db()
    assert not resource.file
