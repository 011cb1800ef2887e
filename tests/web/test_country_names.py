"""Pages name countries, never their ISO codes: instrument subtitles and pages, case subtitles
("City, Country"), in the reader's language."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from cityweave.catalogue.models import Case, Instrument, NbsType
from cityweave.search import SearchParams, run_search
from cityweave.search.documents import LabelTokens, build_case, build_instrument
from cityweave.search.labels import country_name, localised_subtitle

pytestmark = pytest.mark.django_db

CODE_ALONE = re.compile(r"^[A-Z]{2}$")
CODE_IN_BRACKETS = re.compile(r"\([A-Z]{2}\)")


def test_country_name_in_each_language() -> None:
    assert country_name("PL") == "Poland"
    assert country_name("BR", language="de") == "Brasilien"
    with translation.override("pl"):
        assert country_name("PL") == "Polska"
        assert country_name("PL", language="en") == "Poland"
    assert country_name("") == ""


def test_a_subtitle_ends_with_the_readers_country_name() -> None:
    with translation.override("pt"):
        assert localised_subtitle("Kraków, Poland", "PL") == "Kraków, Polónia"
        assert localised_subtitle("Poland", "PL") == "Polónia"
        # Not a country at the end: left as it is.
        assert localised_subtitle("Kraków, Gdańsk", "PL") == "Kraków, Gdańsk"
        assert localised_subtitle("Little Poland", "PL") == "Little Poland"
        assert localised_subtitle("", "PL") == ""


def test_case_and_instrument_documents_name_the_country_in_english() -> None:
    labels = LabelTokens()
    case = Case.objects.select_related("city").filter(city__country_code="PL").first()
    assert case is not None and case.city is not None
    with translation.override("de"):  # an editor's save on /de/ indexes in English too
        assert build_case(case, labels).document.subtitle == f"{case.city.name}, Poland"
        porto_alegre = Instrument.objects.get(slug="porto-alegre-participatory-budgeting")
        assert build_instrument(porto_alegre, labels).document.subtitle == "Brazil"


def test_search_subtitles_carry_no_country_code() -> None:
    for kind in ("case", "instrument", "city"):
        hits = run_search(SearchParams(kind=(kind,), page_size=200)).items
        assert hits
        for hit in hits:
            assert not CODE_ALONE.match(hit.subtitle), (kind, hit.slug, hit.subtitle)
            assert not CODE_IN_BRACKETS.search(hit.subtitle), (kind, hit.slug, hit.subtitle)
    instruments = run_search(SearchParams(kind=("instrument",), page_size=200)).items
    assert {h.slug: h.subtitle for h in instruments}["china-sponge-city"] == "China"


def test_search_results_show_countries_in_the_page_language(client: Client) -> None:
    english = client.get("/search/", {"kind": "instrument", "q": "Porto Alegre"}).content.decode()
    assert '<p class="hit-subtitle">Brazil</p>' in english
    german = client.get("/de/search/", {"kind": "instrument", "q": "Porto Alegre"})
    assert '<p class="hit-subtitle">Brasilien</p>' in german.content.decode()
    polish = client.get("/pl/search/", {"kind": "case", "country": "PL"}).content.decode()
    subtitles = re.findall(r'<p class="hit-subtitle">([^<]*)</p>', polish)
    assert subtitles and all(s.endswith(", Polska") for s in subtitles)


def test_instrument_page_names_its_country_and_its_cities_countries(client: Client) -> None:
    html = client.get("/instruments/toronto-green-roof-bylaw/").content.decode()
    meta = re.search(r'<p class="detail-meta">(.*?)</p>', html, re.S)
    assert meta and "· Canada" in meta.group(1) and "· CA" not in meta.group(1)
    german = client.get("/de/instruments/toronto-green-roof-bylaw/").content.decode()
    assert "· Kanada" in german
    berlin = client.get("/instruments/berlin-biotope-area-factor/").content.decode()
    assert re.search(r">Berlin</a> <small>Germany</small>", berlin)


def test_nbs_type_page_lists_cases_with_city_and_country(client: Client) -> None:
    nbs_type = NbsType.objects.get(slug="green-roof")
    html = client.get(nbs_type.get_absolute_url()).content.decode()
    places = re.findall(r"<small>([^<]+)</small>", html)
    assert places
    assert not [p for p in places if re.search(r", [A-Z]{2}$", p)]


def test_country_name_filter() -> None:
    template = Template("{% load cityweave %}{{ code|country_name }}")
    assert template.render(Context({"code": "CH"})) == "Switzerland"
    with translation.override("es"):
        assert template.render(Context({"code": "CH"})) == "Suiza"
    assert template.render(Context({"code": ""})) == ""
