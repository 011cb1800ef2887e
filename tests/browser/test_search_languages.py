"""Search as people type it, in headless Chromium: an everyday heat query in each of the five
languages finds heat cases; a mistyped concept is understood and offered corrected; a place's
local name finds its city. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Cases whose descriptions state cooling, shade or heat-island mitigation as an aim.
HEAT_CASES = {
    "heat-action-planning-in-lindo-park-roesley-park-neighborhood-una-52",
    "phoenixs-first-cool-corridor-at-cesar-chavez-park-una-191",
    "grant-park-neighborhood-tree-planting-una-215",
    "westwood-tree-planting-una-245",
    "emerson-elementary-tree-planting-una-147",
}


def first_slugs(page: Any, n: int = 5) -> list[str]:
    hrefs = page.locator(".hit-title a").evaluate_all("nodes => nodes.map(n => n.href)")
    return [href.rstrip("/").rsplit("/", 1)[-1] for href in hrefs[:n]]


@pytest.mark.parametrize(
    ("prefix", "query"),
    [("", "urban heat"), ("/pl", "upał w mieście"), ("/es", "calor"), ("/pt", "ilha de calor"),
     ("/de", "Hitze")],
    ids=["en", "pl", "es", "pt", "de"],
)  # fmt: skip
def test_an_everyday_heat_query_finds_heat_cases(
    page: Any, seeded_live_server: Any, prefix: str, query: str
) -> None:
    page.goto(f"{seeded_live_server.url}{prefix}/")
    page.get_by_role("searchbox").fill(query)
    page.get_by_role("searchbox").press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    found = first_slugs(page)
    assert len(HEAT_CASES.intersection(found)) >= 2, found


def test_a_mistyped_concept_is_understood_and_corrected(page: Any, seeded_live_server: Any) -> None:
    page.goto(f"{seeded_live_server.url}/search/?q=gren+roof")
    assert page.locator(".did-you-mean").inner_text().startswith("Did you mean green roof")
    titles = page.locator(".hit-title").all_inner_texts()[:10]
    assert sum("green roof" in t.lower() for t in titles) >= 5
    page.locator(".did-you-mean a").click()
    page.wait_for_url(re.compile(r"q=green\+roof"))
    assert page.locator(".did-you-mean").count() == 0


def test_a_local_place_name_finds_its_city_first(page: Any, seeded_live_server: Any) -> None:
    page.goto(f"{seeded_live_server.url}/pt/search/?q=Lisboa")
    assert first_slugs(page, 1) == ["lisbon-pt"]
    page.goto(f"{seeded_live_server.url}/de/search/?q=Wien")
    assert first_slugs(page, 1) == ["vienna-at"]
