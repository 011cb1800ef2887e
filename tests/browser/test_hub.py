"""The hub in headless Chromium: search, a facet, Polish, a case and its marker on the map;
the map following the facets; an editor editing a case. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from cityweave.catalogue.models import Case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def results_count(page: Any) -> int:
    return int(page.locator(".results-count").get_attribute("data-count"))


def wait_for_map(page: Any, selector: str) -> int:
    page.wait_for_selector(f'{selector}[data-state="ready"]')
    return int(page.locator(selector).get_attribute("data-markers"))


def test_search_facet_polish_case_and_its_marker(page: Any, seeded_live_server: Any) -> None:
    base = seeded_live_server.url
    page.goto(base + "/")
    page.get_by_role("searchbox").fill("green roof")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/search/\?q=green\+roof"))
    everything = results_count(page)
    assert everything > 10

    # Tick the "Case" facet: htmx swaps the results in place and the address follows.
    page.locator('input[name="kind"][value="case"]').check()
    page.wait_for_url(re.compile(r"kind=case"))
    page.wait_for_function(
        "n => Number(document.querySelector('.results-count').dataset.count) < n", arg=everything
    )
    cases = results_count(page)
    assert 0 < cases < everything
    assert page.locator(".hit").count() == min(cases, 20)
    assert all(
        kind == "case"
        for kind in page.locator(".hit").evaluate_all("nodes => nodes.map(n => n.dataset.kind)")
    )

    # Switch to Polish: same search, Polish interface.
    page.locator(".language-menu summary").click()
    page.locator('a[data-language="pl"]').click()
    page.wait_for_url(re.compile(r"/pl/search/\?q=green(\+|%20)roof&kind=case"))
    assert page.locator("html").get_attribute("lang") == "pl"
    assert page.get_by_role("button", name="Szukaj").is_visible()
    assert results_count(page) == cases

    # Open the first case; its page is in Polish and its marker is on the mini-map.
    first = page.locator(".hit-title a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/pl/cases/"))
    assert page.locator("h1").inner_text() == title
    marker = page.locator(f'#case-map .leaflet-marker-icon[title="{title}"]')
    marker.wait_for()
    assert marker.is_visible()

    # The map of the search for it (any word matches: narrowed to its city) shows exactly the
    # items of that search, its marker among them.
    city = Case.objects.get(title_en=title).city
    assert city is not None
    page.goto(f"{base}/pl/map/?{urlencode({'q': title, 'kind': 'case', 'city': city.slug})}")
    count = wait_for_map(page, "#search-map")
    assert count == results_count(page) >= 1
    marker = page.locator(f'#search-map .leaflet-marker-icon[title="{title}"]')
    for _ in range(6):  # clustered with nearby cases: open clusters until it shows
        if marker.count() or not page.locator("#search-map .marker-cluster").count():
            break
        page.locator("#search-map .marker-cluster").first.click()
        page.wait_for_timeout(400)
    marker.wait_for()
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    assert title in popup.inner_text()
    assert popup.locator("a").get_attribute("href").startswith("/pl/cases/")
    # The place names the country in the page's language, not by its ISO code.
    place = popup.locator("small").inner_text()
    assert re.fullmatch(r".+, \S.+", place) and not re.search(r", [A-Z]{2}$", place), place


def test_map_shows_exactly_the_items_of_the_search(page: Any, seeded_live_server: Any) -> None:
    page.goto(seeded_live_server.url + "/map/?kind=case")
    assert wait_for_map(page, "#search-map") == Case.objects.published().count()
    page.locator('fieldset[data-facet="country"] input[value="DE"]').check()
    page.wait_for_url(re.compile(r"country=DE"))
    page.wait_for_function(
        "() => document.querySelector('#search-map').dataset.query.includes('country=DE')"
        " && document.querySelector('#search-map').dataset.state === 'ready'"
    )
    german = int(page.locator("#search-map").get_attribute("data-markers"))
    assert german == results_count(page)
    assert german == Case.objects.published().filter(city__country_code="DE").count()
    status = page.locator('[data-map-status="search-map"]').inner_text()
    assert str(german) in status


def test_editor_signs_in_and_edits_a_case(page: Any, seeded_live_server: Any) -> None:
    call_command("ensure_editor", verbosity=0)
    user = get_user_model().objects.get(username="editor")
    user.set_password("browser-test-password")
    user.save()
    case = Case.objects.get(slug="tempelhofer-field-una-116")

    page.goto(seeded_live_server.url + case.get_absolute_url())
    page.get_by_role("link", name="Sign in").click()
    page.fill("#id_username", "editor")
    page.fill("#id_password", "browser-test-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(case.get_absolute_url() + "$"))

    page.get_by_role("link", name="Edit").click()
    page.fill("#id_title_en", "Tempelhofer Feld, a former airfield turned park")
    page.fill("#id_start_year", "2010")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(case.get_absolute_url() + "$"))
    assert page.locator("h1").inner_text() == "Tempelhofer Feld, a former airfield turned park"
    assert "Saved" in page.locator(".messages").inner_text()
    case.refresh_from_db()
    assert case.start_year == 2010
