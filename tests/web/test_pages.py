"""The hub's pages over the real seed: home, search with facets (full page and htmx fragment),
map, item pages with links and provenance, languages, errors and bounded query counts."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cityweave.catalogue.models import Case, Instrument, NbsType, Resource
from cityweave.core.models import Status

pytestmark = pytest.mark.django_db

TEMPELHOF_CASE = "tempelhofer-field-una-116"
TEMPELHOF_LAW = "tempelhofer-feld-law"


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def result_count(html: str) -> int:
    match = re.search(r'data-count="(\d+)"', html)
    assert match, "the results count is missing"
    return int(match.group(1))


def test_home_shows_the_seeded_hub(client: Client) -> None:
    response = client.get("/")
    html = text_of(response)
    assert response.status_code == 200
    cases = Case.objects.published().count()
    assert f"<strong>{cases}</strong>" in html
    assert "Biodiversity enhancement" in html  # a challenge tile
    assert 'href="/search/?challenge=water-management"' in html
    # The most used NBS type links to its page.
    assert NbsType.objects.get(slug="community-garden").get_absolute_url() in html
    assert 'data-map data-params="kind=case"' in html


def test_search_finds_green_roofs_from_polish_words(client: Client) -> None:
    html = text_of(client.get("/search/", {"q": "zielony dach"}))
    assert '<a href="/nbs-types/green-roof/">Green roof</a>' in html
    assert "Torre Sevilla Green Roof" in html
    assert result_count(html) >= 10


def test_facets_filter_and_count(client: Client) -> None:
    everything = text_of(client.get("/search/", {"q": "green roof"}))
    cases_only = text_of(client.get("/search/", {"q": "green roof", "kind": "case"}))
    total, cases = result_count(everything), result_count(cases_only)
    assert 0 < cases < total
    # The kind facet of the unfiltered search announces exactly the filtered count.
    facet = re.search(
        r'name="kind" value="case"><span class="facet-label">[^<]+</span>'
        r'<span class="facet-count">(\d+)</span>',
        everything,
    )
    assert facet and int(facet.group(1)) == cases
    assert 'name="kind" value="case" checked' in cases_only
    assert "Remove this filter" in cases_only


def test_htmx_request_gets_the_fragment_only(client: Client) -> None:
    response = client.get("/search/", {"q": "rain garden"}, headers={"HX-Request": "true"})
    html = text_of(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="search-body"')
    assert "<html" not in html
    assert 'data-query="q=rain+garden"' in html


def test_pages_of_results(client: Client) -> None:
    first = text_of(client.get("/search/", {"kind": "case"}))
    second = text_of(client.get("/search/", {"kind": "case", "page": 2}))
    assert 'rel="next" href="?kind=case&amp;page=2"' in first
    assert "21\u201340 of 352 results" in second
    assert 'rel="prev"' in second


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"year": "abc"}, "year: &#x27;abc&#x27; is not a number"),
        ({"kind": "spaceship"}, "kind: unknown value"),
        ({"page": "0"}, "page: must be between 1 and"),
        ({"q": "x" * 600}, "q: longer than 500 characters"),
    ],
)
def test_malformed_search_is_a_400_with_the_reason(
    client: Client, query: dict[str, str], message: str
) -> None:
    response = client.get("/search/", query)
    assert response.status_code == 400
    assert message in text_of(response)


def test_map_page_follows_the_search(client: Client) -> None:
    html = text_of(client.get("/map/", {"kind": "case", "country": "DE"}))
    assert "data-follow-search" in html
    assert 'data-query="kind=case&amp;country=DE"' in html
    assert "vendor/leaflet/leaflet.js" in html
    assert "leaflet.markercluster.js" in html
    # Nothing from a CDN: every script and stylesheet is served by CityWeave itself.
    for url in re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html):
        assert url.startswith("/static/"), url


def test_map_counts_match_the_geojson_of_the_same_search(client: Client) -> None:
    page = text_of(client.get("/map/", {"kind": "case", "country": "PT"}))
    features = client.get("/api/v1/search", {"kind": "case", "country": "PT", "format": "geojson"})
    assert len(features.json()["features"]) == result_count(page)


def test_case_page_shows_facts_scores_links_and_provenance(client: Client) -> None:
    case = Case.objects.get(slug=TEMPELHOF_CASE)
    html = text_of(client.get(case.get_absolute_url()))
    assert case.title_en in html
    assert "Impact scores" in html
    assert "Urban Nature Atlas" in html  # source
    assert "licence unverified" in html
    assert case.retrieved_on is not None
    assert f'datetime="{case.retrieved_on:%Y-%m-%d}"' in html
    # The typed link, read forwards from the case.
    assert "This item applies" in html
    assert Instrument.objects.get(slug=TEMPELHOF_LAW).get_absolute_url() in html
    assert f'data-lat="{case.latitude:f}"' in html


def test_links_show_on_both_ends(client: Client) -> None:
    law = Instrument.objects.get(slug=TEMPELHOF_LAW)
    html = text_of(client.get(law.get_absolute_url()))
    assert "This item is applied by" in html
    assert Case.objects.get(slug=TEMPELHOF_CASE).get_absolute_url() in html
    assert law.source_url in html


def test_nbs_type_page_shows_parameters_with_sources(client: Client) -> None:
    html = text_of(client.get("/nbs-types/large-urban-park/"))
    assert "Curve number, soil group A" in html
    assert "TR-55" in html
    assert "Zielony dach" not in html
    green_roof = text_of(client.get("/nbs-types/green-roof/"))
    assert "Zielony dach" in green_roof  # the names in five languages
    assert "No parameter with a source CityWeave can name yet." in green_roof


def test_city_and_resource_pages(client: Client) -> None:
    html = text_of(client.get("/cities/thessaloniki-gr/"))
    assert "Thessaloniki" in html and "317,778" in html and "GeoNames" in html
    resource = Resource.objects.create(
        slug="test-guide",
        title="Test guide to rain gardens",
        resource_type="guidance",
        url="https://example.org/guide",
        source_name="Test",
    )
    page = text_of(client.get(resource.get_absolute_url()))
    assert "Test guide to rain gardens" in page and "https://example.org/guide" in page


def test_unknown_and_draft_items_are_404_for_visitors(client: Client) -> None:
    assert client.get("/cases/no-such-case/").status_code == 404
    Case.objects.filter(slug=TEMPELHOF_CASE).update(status=Status.DRAFT)
    response = client.get(f"/cases/{TEMPELHOF_CASE}/")
    assert response.status_code == 404
    assert "Nothing here" in text_of(response)


@pytest.mark.parametrize("language", ["pl", "es", "pt", "de"])
def test_every_language_serves_its_pages(client: Client, language: str) -> None:
    for path in ("/", "/search/?q=park", "/map/", f"/cases/{TEMPELHOF_CASE}/"):
        response = client.get(f"/{language}{path}")
        assert response.status_code == 200, path
        html = text_of(response)
        assert f'<html lang="{language}">' in html
        # Item links stay in the chosen language.
        if path.startswith("/search/"):
            assert f'href="/{language}/' in html


def test_interface_is_translated(client: Client) -> None:
    expected = {"pl": "Szukaj", "es": "Buscar", "pt": "Pesquisar", "de": "Suchen"}
    for language, word in expected.items():
        html = text_of(client.get(f"/{language}/search/"))
        assert f">{word}</button>" in html, language


def test_language_menu_keeps_page_and_query(client: Client) -> None:
    html = text_of(client.get("/search/", {"q": "park", "kind": "case"}))
    assert 'href="/pl/search/?q=park&amp;kind=case"' in html
    assert 'href="/de/search/?q=park&amp;kind=case"' in html
    polish = text_of(client.get("/pl/search/", {"q": "park"}))
    assert 'href="/search/?q=park" hreflang="en"' in polish


def _queries(client: Client, url: str, params: dict[str, str]) -> int:
    client.get(url, params)  # warm caches (content types, translations)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("kind", ["case", "instrument", "city", "nbs_type"])
def test_search_page_queries_do_not_grow_with_page_size(client: Client, kind: str) -> None:
    small = _queries(client, "/search/", {"kind": kind, "page_size": "5"})
    large = _queries(client, "/search/", {"kind": kind, "page_size": "100"})
    assert large == small
    assert large <= 20


def test_item_pages_issue_a_bounded_number_of_queries(client: Client) -> None:
    for url in (
        f"/cases/{TEMPELHOF_CASE}/",
        f"/instruments/{TEMPELHOF_LAW}/",
        "/nbs-types/community-garden/",
    ):
        assert _queries(client, url, {}) <= 15, url
    # A city profile also ranks its peers and lists its networks, targets and events.
    assert _queries(client, "/cities/berlin-de/", {}) <= 20


def test_case_page_draws_its_boundary_and_image(client: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.catalogue.test_documents import PNG

    square = {
        "type": "Polygon",
        "coordinates": [[[13.40, 52.47], [13.41, 52.47], [13.41, 52.48], [13.40, 52.47]]],
    }
    case = Case.objects.create(
        slug="test-polygon-case",
        title_en="Test polygon case",
        latitude=52.475,
        longitude=13.405,
        location_precision="site",
        polygon=square,
        image=SimpleUploadedFile("site.png", PNG),
    )
    html = text_of(client.get(case.get_absolute_url()))
    assert "data-polygon=" in html and "13.41" in html
    assert f'<img src="/media/{case.image.name}"' in html
    assert "data-approximate" not in html
