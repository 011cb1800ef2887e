"""Words that are not for users never reach a page: the public pages of the seeded items name
their sources in words, never by a file name, a path in the code or a note to the team.

The text checked is what a visitor reads: the page's text and the attributes a browser shows
(``title``, ``alt``, ``aria-label``, ``placeholder``), without scripts, styles and addresses
(``href``, ``src``), where a file name may rightly appear."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.db.models import Model
from django.test import Client
from django.utils import translation

from cityweave.catalogue.models import Case, Instrument, NbsType, Resource
from cityweave.cities.models import City, Network

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[2] / "cityweave" / "data"
NOT_FOR_USERS = re.compile(
    r"\.(py|csv|json|geojson|md)\b"
    r"|\bcityweave/|\bloaders/|\bcity_networks/|\bcatalogue/"
    r"|(?-i:\bTODO\b|\bFIXME\b|\bXXX\b)"
    r"|\b(coordinators?|editors?) (should|must|need to)\b",
    re.IGNORECASE,
)
SHOWN_ATTRIBUTES = ("title", "alt", "aria-label", "placeholder")
LISTS = [
    "/",
    "/search/",
    "/search/?q=green+roof",
    "/search/?q=park&kind=case",
    "/search/?kind=instrument",
    "/search/?kind=resource",
    "/search/?kind=nbs_type",
    "/search/?kind=city&page=2",
    "/map/",
    "/cities/",
    "/networks/",
    "/pl/search/?kind=instrument",
]


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def shown_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style", "template"]):
        hidden.decompose()
    attributes = [
        str(tag[name])
        for tag in soup.find_all(True)
        for name in SHOWN_ATTRIBUTES
        if tag.has_attr(name)
    ]
    return _squeeze(" ".join([soup.get_text(" "), *attributes]))


def offending(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    text = shown_text(response.content.decode())
    return [
        f"{url}: …{text[max(0, m.start() - 60) : m.end() + 20]!r}…"
        for m in NOT_FOR_USERS.finditer(text)
    ]


def one_per_provenance(model: type[Model], *fields: str, every: int = 25) -> list[Any]:
    """One item for each different provenance text (where file names crept in), texts that
    differ only in their numbers ("site 12", "site 13") counted as one, and every ``every``-th
    item besides, in pk order."""
    seen: set[tuple[Any, ...]] = set()
    picked = []
    for position, item in enumerate(model._default_manager.order_by("pk")):
        key = tuple(re.sub(r"\d+", "#", str(getattr(item, name))) for name in fields)
        if key not in seen or position % every == 0:
            picked.append(item)
        seen.add(key)
    return picked


def test_the_pattern_catches_what_it_must_and_spares_words() -> None:
    for bad in (
        "as listed in city_networks/project_partner_cities.csv",
        "city list (NZC.json)",
        "cityweave/data/README.md",
        "the outlines (una_nbs_sites_outlines.geojson)",
        "see loaders/cases",
        "TODO: translate",
        "coordinators should add the members",
        "Editors must check",
    ):
        assert NOT_FOR_USERS.search(bad), bad
    for fine in (
        "Parque de todo el barrio",  # Spanish "todo"
        "Asociația Tineretul Ortodox Român",
        "CityWeave editors: coordinates of Kraków.",
        "Version 5.1 of CICES, 2.7 km",
        "Hamburg's green roof strategy",
    ):
        assert not NOT_FOR_USERS.search(fine), fine


def test_shown_text_leaves_out_scripts_and_addresses() -> None:
    html = (
        '<p title="Source: NZC.json">Kraków</p><script>load("a.json")</script>'
        '<a href="/static/web/countries.geojson">Map</a><img src="x.csv" alt="a map">'
    )
    text = shown_text(html)
    assert "NZC.json" in text and "Kraków" in text and "a map" in text
    assert "a.json" not in text and "countries.geojson" not in text and "x.csv" not in text


@pytest.mark.parametrize("url", LISTS)
def test_lists_and_search_results_name_no_file(client: Client, url: str) -> None:
    assert offending(client, url) == []


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (City, ("source_name", "editorial_note", "kind")),
        (Case, ("source_name", "editorial_note", "description_note", "location_precision")),
        (NbsType, ("source_name", "editorial_note", "cost_source")),
        (Instrument, ("source_name", "editorial_note")),
        (Resource, ("source_name", "editorial_note")),
    ],
    ids=["cities", "cases", "nbs-types", "instruments", "resources"],
)
def test_item_pages_name_no_file(
    client: Client, model: type[Model], fields: tuple[str, ...]
) -> None:
    with translation.override("en"):
        urls = [item.get_absolute_url() for item in one_per_provenance(model, *fields)]
    assert urls
    assert [line for url in urls for line in offending(client, url)] == []


def test_network_pages_name_no_file(client: Client) -> None:
    with translation.override("en"):
        urls = [network.get_absolute_url() for network in Network.objects.order_by("pk")]
    assert len(urls) >= 7
    assert [line for url in urls for line in offending(client, url)] == []
