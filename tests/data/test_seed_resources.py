"""The seeded library: real documents and tools, each with its citation, found by the search."""

from __future__ import annotations

import pytest

from cityweave.catalogue.models import Resource
from cityweave.data.loaders import load_all
from cityweave.search import SearchParams, run_search

pytestmark = pytest.mark.django_db

SEEDED = {
    "ec-2021-evaluating-the-impact-of-nbs-handbook",
    "cices-v5-1",
    "naturescapes",
    "davidse-hliwa-bornholdt-2017-hamburgs-gruendachstrategie",
    "huo-2022-carbon-monitor-cities",
    "net-zero-tracker",
}


def test_six_resources_each_with_title_url_and_provenance() -> None:
    resources = Resource.objects.all()
    assert set(resources.values_list("slug", flat=True)) == SEEDED
    for resource in resources:
        assert resource.title and resource.description, resource.slug
        assert resource.source_url and resource.source_url == resource.url, resource.slug
        assert resource.source_name.startswith("Cited in"), resource.slug
        assert resource.retrieved_on is not None, resource.slug
        assert "CityWeave editors" in resource.editorial_note, resource.slug
        # A licence the citation does not state stays empty and unverified.
        assert resource.licence_verified == bool(resource.licence), resource.slug


def test_handbook_facts_and_topics() -> None:
    handbook = Resource.objects.get(slug="ec-2021-evaluating-the-impact-of-nbs-handbook")
    assert (handbook.year, handbook.resource_type) == (2021, "guidance")
    assert handbook.url == "https://doi.org/10.2777/244577"
    assert handbook.topics.filter(vocabulary="challenge").count() == 12
    hamburg = Resource.objects.get(slug="davidse-hliwa-bornholdt-2017-hamburgs-gruendachstrategie")
    assert "green-roof" in hamburg.nbs_types.values_list("slug", flat=True)
    # Not stated where the repository is cited: left empty.
    naturescapes = Resource.objects.get(slug="naturescapes")
    assert naturescapes.year is None and naturescapes.authors == ""


def test_search_finds_every_resource() -> None:
    result = run_search(SearchParams(kind=("resource",), page_size=50))
    assert result.count == len(SEEDED)
    assert {hit.slug for hit in result.items} == SEEDED
    found = run_search(SearchParams(q="handbook", kind=("resource",)))
    assert [hit.slug for hit in found.items] == ["ec-2021-evaluating-the-impact-of-nbs-handbook"]
    by_challenge = run_search(SearchParams(kind=("resource",), challenge=("water-management",)))
    assert {hit.slug for hit in by_challenge.items} == {
        "ec-2021-evaluating-the-impact-of-nbs-handbook",
        "davidse-hliwa-bornholdt-2017-hamburgs-gruendachstrategie",
    }


def test_second_load_leaves_resources_alone() -> None:
    stamps = dict(Resource.objects.values_list("slug", "updated_at"))
    topics = sorted(Resource.topics.through.objects.values_list("resource_id", "taxonomyterm_id"))
    report = load_all()
    assert report["resources"] == {"created": 0, "updated": 0, "unchanged": len(SEEDED)}
    assert dict(Resource.objects.values_list("slug", "updated_at")) == stamps
    assert (
        sorted(Resource.topics.through.objects.values_list("resource_id", "taxonomyterm_id"))
        == topics
    )
