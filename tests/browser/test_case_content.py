"""Tasks on case pages in headless Chromium: a planner reads a case's description, sees its site
outline and area, and follows a challenge tile to exactly its count; an editor reviews a
machine-derived challenge. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from cityweave.catalogue.models import Case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RIO_SALADO = "the-rio-salado-habitat-restoration-area-una-1"


def test_case_page_shows_description_outline_and_area(page: Any, seeded_live_server: Any) -> None:
    page.goto(f"{seeded_live_server.url}/cases/{RIO_SALADO}/")
    description = page.locator(".case-description")
    assert "transformed a former 5-mile-long city dump" in description.inner_text()
    assert "reference list kept with the site at the source" in description.inner_text()
    # The outline is drawn on the mini-map, and the marker sits inside it.
    page.wait_for_selector("#case-map path.leaflet-interactive")
    assert page.locator("#case-map .leaflet-marker-icon, #case-map .cw-marker").count() >= 1
    assert "a point inside its outline" in page.locator(".location-note").inner_text()
    area = Case.objects.get(slug=RIO_SALADO).area_m2 / 10_000
    assert page.locator(".case-area").inner_text() == f"{area:,.0f} ha"
    # Each challenge says it is machine-derived and quotes its sentence.
    regeneration = page.locator('.term-row[data-code="place-regeneration"]')
    assert "machine-derived" in regeneration.inner_text()
    assert "city dump" in regeneration.locator(".term-evidence").inner_text()


def test_a_case_without_outline_is_placed_at_its_city_centre(
    page: Any, seeded_live_server: Any
) -> None:
    case = Case.objects.filter(location_precision="city").order_by("pk").first()
    assert case is not None
    page.goto(f"{seeded_live_server.url}{case.get_absolute_url()}")
    assert "the city centre" in page.locator(".location-note").inner_text()
    assert page.locator("#case-map path.leaflet-interactive").count() == 0


def test_a_challenge_tile_opens_exactly_its_count(page: Any, seeded_live_server: Any) -> None:
    page.goto(seeded_live_server.url + "/")
    tile = page.locator('a.tile[href$="challenge=climate-resilience"]')
    promised = int(re.sub(r"\D", "", tile.locator(".tile-count").inner_text()))
    assert promised > 50
    tile.click()
    page.wait_for_url(re.compile(r"challenge=climate-resilience"))
    shown = int(page.locator(".results-count").get_attribute("data-count"))
    assert shown == promised
    case_facet = page.locator('input[name="kind"][value="case"]')
    case_count = int(re.sub(r"\D", "", case_facet.locator("xpath=..").inner_text()))
    assert case_count > 50  # the tile opens cases, not only catalogue entries


def test_editor_removes_a_machine_challenge(page: Any, seeded_live_server: Any) -> None:
    call_command("ensure_editor", verbosity=0)
    user = get_user_model().objects.get(username="editor")
    user.set_password("editor-pass-1")
    user.save()
    base = seeded_live_server.url
    page.goto(f"{base}/accounts/login/?next=/cases/{RIO_SALADO}/")
    page.fill('input[name="username"]', "editor")
    page.fill('input[name="password"]', "editor-pass-1")
    page.locator('form button[type="submit"], form input[type="submit"]').first.click()
    page.wait_for_url(re.compile(RIO_SALADO))
    row = page.locator('.term-row[data-code="air-quality"]')
    row.get_by_role("button", name="Remove").click()
    page.wait_for_url(re.compile(r"#classification"))
    assert "removed by an editor" in page.locator('.term-row[data-code="air-quality"]').inner_text()
    case = Case.objects.get(slug=RIO_SALADO)
    assert not case.challenges.filter(code="air-quality").exists()
