"""The city network in headless Chromium: the city map, a network filter, a profile and why a peer
was suggested. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

import pytest

from cityweave.cities.models import City

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def city_count(page: Any) -> int:
    return int(page.locator(".results-count").get_attribute("data-count"))


def wait_for_map(page: Any, query: str) -> int:
    page.wait_for_function(
        "q => { const m = document.querySelector('#city-map');"
        " return m.dataset.state === 'ready' && (m.dataset.query || '').includes(q); }",
        arg=query,
    )
    return int(page.locator("#city-map").get_attribute("data-markers"))


def test_city_map_network_filter_profile_and_peer_explanation(
    page: Any, seeded_live_server: Any
) -> None:
    base = seeded_live_server.url
    page.goto(base + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cities").click()
    page.wait_for_url(re.compile(r"/cities/$"))
    everything = city_count(page)
    located = City.objects.filter(latitude__isnull=False).count()
    assert wait_for_map(page, "") == located
    assert everything == City.objects.count()

    # Filter by the INTERLACE network: list, counts and map follow without a reload.
    page.locator('input[name="network"][value="interlace"]').check()
    page.wait_for_url(re.compile(r"network=interlace"))
    page.wait_for_function("() => document.querySelector('.results-count').dataset.count === '6'")
    assert wait_for_map(page, "network=interlace") == 6
    names = page.locator(".city-hits .hit-title").all_inner_texts()
    assert "Envigado" in names and "Chemnitz" in names

    # Open a profile from the list.
    page.locator(".city-hits .hit-title a", has_text="Chemnitz").click()
    page.wait_for_url(re.compile(r"/cities/chemnitz-de/$"))
    assert page.locator("h1").inner_text() == "Chemnitz"
    assert page.locator('#memberships [data-network="interlace"]').is_visible()
    assert page.locator("#city-map .leaflet-marker-icon").is_visible()

    # Why a peer was suggested: open the first local peer and read the parts of its score.
    local = page.locator('.peer-tier[data-tier="local"] .peer').first
    peer_name = local.locator(".peer-name").inner_text()
    local.locator("summary").click()
    why = local.locator(".peer-why")
    why.wait_for()
    rows = why.locator("tr[data-part]")
    assert rows.count() == 5
    distance = why.locator('tr[data-part="distance"]').inner_text()
    assert re.search(r"\d+ km away", distance)
    points = [
        float(text.strip().lstrip("+")) for text in why.locator("td.score-value").all_inner_texts()
    ]
    shown = float(local.locator(".peer-score").inner_text().strip())
    assert sum(points) == pytest.approx(shown, abs=0.006)
    assert peer_name
    why.get_by_role("link", name=re.compile(f"Open the profile of {re.escape(peer_name)}")).click()
    page.wait_for_url(re.compile(r"/cities/[-a-z0-9]+/$"))
    assert page.locator("h1").inner_text() == peer_name


def test_network_page_in_polish(page: Any, seeded_live_server: Any) -> None:
    page.goto(seeded_live_server.url + "/pl/networks/")
    assert page.locator("html").get_attribute("lang") == "pl"
    page.locator('[data-network="eu-mission"] a').click()
    page.wait_for_url(re.compile(r"/pl/networks/eu-mission/$"))
    hub = page.locator('.network-group[data-group="pl"]')
    assert hub.locator('[data-city="krakow-pl"]').is_visible()
