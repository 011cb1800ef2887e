"""The city directory, city profiles and network pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from cityweave.cities.models import City, Network

pytestmark = pytest.mark.django_db


def test_directory_lists_cities_with_filter_counts(client: Client) -> None:
    response = client.get("/cities/")
    assert response.status_code == 200
    text = response.content.decode()
    total = City.objects.count()
    assert f'data-count="{total}"' in text
    # The network filter counts the members of each network.
    assert re.search(r'value="eu-mission"[^>]*>.*?<span class="facet-count">111</span>', text)
    assert 'data-api="/api/v1/cities/map"' in text


def test_directory_filters_by_network_and_answers_htmx_with_the_fragment(client: Client) -> None:
    response = client.get("/cities/?network=interlace", HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert text.startswith('<div id="search-body"')
    assert 'data-count="6"' in text
    assert 'data-query="network=interlace"' in text
    assert 'data-city="envigado-co"' in text
    assert 'data-city="aachen-de"' not in text


def test_directory_queries_are_bounded(client: Client, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(14):
        client.get("/cities/?macro_region=EU")


def test_profile_shows_memberships_targets_peers_and_sources(client: Client) -> None:
    text = client.get("/cities/amsterdam-nl/").content.decode()
    assert 'data-network="eu-mission"' in text
    assert 'data-network="race-to-zero"' in text
    assert "Climate neutral" in text and "Net Zero Tracker" in text
    for tier in ("local", "regional", "global"):
        assert f'data-tier="{tier}"' in text
    # Every peer opens onto the five parts of its score.
    first = text.index('class="peer"')
    why = text[first : text.index("</details>", first)]
    assert why.count("data-part=") == 5
    assert "km away" in why


def test_profile_queries_are_bounded(client: Client, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(20):
        client.get("/cities/lisbon-pt/")


def test_profile_in_polish(client: Client) -> None:
    response = client.get("/pl/cities/krakow-pl/")
    assert response.status_code == 200
    assert '<html lang="pl">' in response.content.decode()


def test_networks_page_and_a_network_with_its_tiers(client: Client) -> None:
    text = client.get("/networks/").content.decode()
    assert all(f'data-network="{n.slug}"' in text for n in Network.objects.all())
    text = client.get("/networks/interlace/").content.decode()
    for tier in ("local", "regional", "global"):
        assert f'data-group="{tier}"' in text
    assert 'data-city="chemnitz-de"' in text
    assert "https://www.ecologic.eu/18032" in text


def test_network_page_lists_hub_members(client: Client) -> None:
    text = client.get("/networks/eu-mission/").content.decode()
    polish = text[text.index('data-group="pl"') :]
    polish = polish[: polish.index("</section>")]
    assert 'data-city="krakow-pl"' in polish
    assert 'data-city="aachen-de"' not in polish


def test_unknown_network_is_404(client: Client) -> None:
    assert client.get("/networks/atlantis/").status_code == 404
