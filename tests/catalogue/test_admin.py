"""The admin: every changelist, add and change page renders for a superuser; publication
actions, read-only provenance and uploads work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cityweave.catalogue.models import (
    BiophysicalParameter,
    Case,
    Instrument,
    NbsType,
    Resource,
)
from cityweave.cities.models import City
from cityweave.core.models import Link, Status, TaxonomyTerm
from tests.catalogue.test_documents import PNG, make_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects() -> dict[str, Any]:
    challenge = TaxonomyTerm.objects.create(
        vocabulary="challenge", code="test-heat", label_en="Test heat", source_name="EC 2021"
    )
    city = City.objects.create(
        name="Testville",
        slug="testville",
        country="Poland",
        country_code="PL",
        macro_region="EU",
        source_name="GeoNames",
        source_url="https://www.geonames.org/",
    )
    nbs = NbsType.objects.create(
        slug="test-green-roof",
        label_en="Test green roof",
        description="A roof covered with vegetation.",
        ec_type=3,
    )
    nbs.challenges.add(challenge)
    BiophysicalParameter.objects.create(
        nbs_type=nbs, name="albedo", value=0.2, source="Test source"
    )
    case = Case.objects.create(slug="test-case", title_en="Test case", city=city)
    case.nbs_types.add(nbs)
    instrument = Instrument.objects.create(
        slug="test-fee",
        name="Test stormwater fee",
        category="economic",
        governance_level="local",
        description="A fee.",
    )
    instrument.cases.add(case)
    resource = Resource.objects.create(
        slug="test-report", title="Test report", resource_type="report"
    )
    link = Link.objects.create(
        source_type=ContentType.objects.get_for_model(Case),
        source_id=case.pk,
        relation="applies",
        target_type=ContentType.objects.get_for_model(Instrument),
        target_id=instrument.pk,
    )
    return {
        "core_taxonomyterm": challenge,
        "core_link": link,
        "cities_city": city,
        "catalogue_nbstype": nbs,
        "catalogue_case": case,
        "catalogue_instrument": instrument,
        "catalogue_resource": resource,
    }


CHANGELIST_SEARCH = {
    "core_taxonomyterm": "Test heat",
    "cities_city": "Testville",
    "catalogue_nbstype": "test-green-roof",
    "catalogue_case": "test-case",
    "catalogue_instrument": "test-fee",
    "catalogue_resource": "test-report",
}

ADMINS = [
    "core_taxonomyterm",
    "core_link",
    "cities_city",
    "catalogue_nbstype",
    "catalogue_case",
    "catalogue_instrument",
    "catalogue_resource",
]


@pytest.mark.parametrize("name", ADMINS)
def test_changelist_add_and_change_pages_render(
    admin_client: Client, objects: dict[str, Any], name: str
) -> None:
    obj = objects[name]
    # The seed fills many pages: narrow the list to the fixture with the admin's own search.
    term = CHANGELIST_SEARCH.get(name, "")
    changelist = admin_client.get(reverse(f"admin:{name}_changelist"), {"q": term} if term else {})
    assert changelist.status_code == 200
    assert str(obj) in changelist.content.decode()
    assert admin_client.get(reverse(f"admin:{name}_add")).status_code == 200
    change = admin_client.get(reverse(f"admin:{name}_change", args=[obj.pk]))
    assert change.status_code == 200


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("catalogue_case", "status__exact=published&city__macro_region__exact=EU"),
        ("catalogue_case", "city__country_code=PL&q=test"),
        ("catalogue_instrument", "category__exact=economic&governance_level__exact=local"),
        ("catalogue_nbstype", "ec_type__exact=3&status__exact=published"),
        ("cities_city", "macro_region__exact=EU&kind__exact=municipality&country_code=PL"),
        ("core_taxonomyterm", "vocabulary__exact=challenge&q=heat"),
    ],
)
def test_filters_and_search_find_the_object(
    admin_client: Client, objects: dict[str, Any], name: str, query: str
) -> None:
    term = CHANGELIST_SEARCH.get(name, "")
    if "q=" not in query and term:
        query += f"&q={term}"
    response = admin_client.get(reverse(f"admin:{name}_changelist") + "?" + query)
    assert response.status_code == 200
    assert str(objects[name]) in response.content.decode()
    assert response.context["cl"].result_count >= 1


def test_case_changelist_queries_do_not_grow_with_rows(
    admin_client: Client, objects: dict[str, Any]
) -> None:
    url = reverse("admin:catalogue_case_changelist")
    admin_client.get(url)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as before:
        admin_client.get(url)
    city = objects["cities_city"]
    for n in range(5):
        Case.objects.create(slug=f"test-extra-{n}", title_en=f"Test extra {n}", city=city)
    with CaptureQueriesContext(connection) as after:
        admin_client.get(url)
    assert len(after) == len(before)


def test_autocomplete_offers_only_challenges(admin_client: Client, objects: dict[str, Any]) -> None:
    TaxonomyTerm.objects.create(
        vocabulary="topic", code="test-heat-topic", label_en="Test heat topic"
    )
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "catalogue",
            "model_name": "instrument",
            "field_name": "challenges",
            "term": "test heat",
        },
    )
    assert response.status_code == 200
    labels = [item["text"] for item in response.json()["results"]]
    assert labels == ["Challenge: Test heat"]


def test_unpublish_and_publish_actions(
    admin_client: Client,
    objects: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    indexed: list[list[Any]] = []
    monkeypatch.setattr("cityweave.search.index_objects", lambda objs: indexed.append(list(objs)))
    case = objects["catalogue_case"]
    url = reverse("admin:catalogue_case_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url, {"action": "unpublish", "_selected_action": [case.pk]}, follow=True
        )
    assert response.status_code == 200
    assert "1 item unpublished." in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.DRAFT
    assert [[obj.pk for obj in batch] for batch in indexed] == [[case.pk]]
    assert indexed[0][0].status == Status.DRAFT

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"action": "publish", "_selected_action": [case.pk]})
    case.refresh_from_db()
    assert case.status == Status.PUBLISHED


def test_provenance_is_read_only_on_loaded_records(
    admin_client: Client, objects: dict[str, Any]
) -> None:
    loaded = admin_client.get(reverse("admin:cities_city_change", args=[objects["cities_city"].pk]))
    assert 'name="source_name"' not in loaded.content.decode()
    assert "GeoNames" in loaded.content.decode()
    assert 'name="licence_verified"' in loaded.content.decode()
    hand_made = admin_client.get(
        reverse("admin:catalogue_case_change", args=[objects["catalogue_case"].pk])
    )
    assert 'name="source_name"' in hand_made.content.decode()


def _resource_form(resource: Resource, **extra: Any) -> dict[str, Any]:
    return {
        "title": resource.title,
        "slug": resource.slug,
        "status": "published",
        "resource_type": resource.resource_type,
        "language": "en",
        "source_name": "",
        "source_url": "",
        "licence": "",
        "licence_verified": "on",
        **extra,
    }


def test_upload_through_the_admin_extracts_text(
    admin_client: Client, objects: dict[str, Any], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cityweave.search.index_objects", lambda objs: 0)
    resource = objects["catalogue_resource"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = admin_client.post(
        reverse("admin:catalogue_resource_change", args=[resource.pk]),
        _resource_form(
            resource, upload=SimpleUploadedFile("plan.pdf", make_pdf("Sponge city plan"))
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    resource.refresh_from_db()
    assert resource.file_name == "plan.pdf"
    assert "Sponge city plan" in resource.extracted_text
    assert (Path(settings.MEDIA_ROOT) / "library" / "plan.pdf").exists()


def test_admin_rejects_an_impostor_upload(
    admin_client: Client, objects: dict[str, Any], settings: Any
) -> None:
    resource = objects["catalogue_resource"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = admin_client.post(
        reverse("admin:catalogue_resource_change", args=[resource.pk]),
        _resource_form(resource, upload=SimpleUploadedFile("plan.pdf", PNG), title="Changed"),
    )
    assert response.status_code == 200
    assert "is not a PDF file" in response.content.decode()
    resource.refresh_from_db()
    assert resource.title == "Test report" and resource.file_name == ""
    assert not Path(settings.MEDIA_ROOT).exists() or not any(
        Path(settings.MEDIA_ROOT).rglob("*.pdf")
    )


@pytest.mark.browser
def test_admin_in_a_browser(page: Any, seeded_live_server: Any, objects: dict[str, Any]) -> None:
    """Sign in, open an NBS type with its parameters inline, pick a challenge on an instrument
    (a case's challenges are decided on its page, with their evidence, and read-only here)."""
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.org", "root-pass-123")
    page.goto(f"{seeded_live_server.url}/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "root-pass-123")
    page.click("input[type=submit]")
    page.goto(
        f"{seeded_live_server.url}/admin/catalogue/nbstype/{objects['catalogue_nbstype'].pk}/change/"
    )
    assert page.locator("#parameters-group").is_visible()
    assert page.locator("#id_parameters-0-value").input_value() == "0.2"
    case_url = f"{seeded_live_server.url}/admin/catalogue/case/{objects['catalogue_case'].pk}"
    page.goto(f"{case_url}/change/")
    assert page.locator("#id_challenges").count() == 0
    instrument = objects["catalogue_instrument"]
    page.goto(f"{seeded_live_server.url}/admin/catalogue/instrument/{instrument.pk}/change/")
    page.locator("#id_challenges").locator("xpath=..").locator(".select2-selection").click()
    page.keyboard.type("Test heat")
    option = page.locator(".select2-results__option", has_text="Test heat")
    option.wait_for()
    option.click()
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/catalogue/instrument/")
    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    assert list(instrument.challenges.all()) == [objects["core_taxonomyterm"]]
