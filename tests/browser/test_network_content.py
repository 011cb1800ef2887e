"""The networks' real content in headless Chromium: a coordinator opens the Interreg Europe
IMPETUS network, finds its Lille policy brokerage and opens it; the CapaCITIES page states its
32 partners in 15 countries and shows what its page does not state as missing. Screenshots go
to test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BROKERAGE = "impetus-interreg-policy-brokerage-lille-2024"


def test_the_lille_brokerage_is_on_the_impetus_network_page(
    page: Any, seeded_live_server: Any
) -> None:
    page.goto(f"{seeded_live_server.url}/networks/")
    page.get_by_role("link", name=re.compile(r"IMPETUS.*Interreg", re.I)).first.click()
    page.wait_for_url(re.compile(r"/networks/impetus-interreg-europe/"))
    assert "temporary" in page.locator("main").inner_text().lower()
    card = page.locator(f'[data-event="{BROKERAGE}"]')
    assert "Lille" in card.inner_text()
    card.locator("a").first.click()
    page.wait_for_url(re.compile(BROKERAGE))
    text = page.locator("main").inner_text()
    assert "Lille" in text and "2024" in text
    assert "Roubaix" in text  # a study visit of the agenda, as the programme's page states it


def test_capacities_states_its_partners_and_shows_what_is_missing(
    page: Any, seeded_live_server: Any
) -> None:
    page.goto(f"{seeded_live_server.url}/networks/capacities/")
    text = page.locator("main").inner_text()
    assert "32" in text and "15" in text
    assert page.locator('[data-topic="members"] .missing').count() == 1
