"""The interactive API documentation renders in a browser from CityWeave's own server only."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest


@pytest.mark.browser
def test_swagger_ui_renders_without_any_outside_request(page: Any, seeded_live_server: Any) -> None:
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
    page.goto(f"{seeded_live_server.url}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "CityWeave API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector('.opblock-summary-path[data-path="/api/v1/search"]')
    assert hosts == {urlparse(seeded_live_server.url).netloc}
