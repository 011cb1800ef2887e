"""The published OpenAPI document and the interactive documentation, which works offline."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/v1/search",
    "/api/v1/cases",
    "/api/v1/cases/{slug}",
    "/api/v1/nbs-types",
    "/api/v1/nbs-types/{slug}",
    "/api/v1/instruments",
    "/api/v1/instruments/{slug}",
    "/api/v1/resources",
    "/api/v1/resources/{slug}",
    "/api/v1/cities",
    "/api/v1/cities/map",
    "/api/v1/cities/{slug}",
    "/api/v1/cities/{slug}/peers",
    "/api/v1/cities/{slug}/recommended-cases",
    "/api/v1/networks",
    "/api/v1/networks/{slug}",
    "/api/v1/events",
    "/api/v1/events/{slug}",
    "/api/v1/transfers",
    "/api/v1/transfers/{slug}",
]


def test_the_schema_lists_every_endpoint(openapi: dict[str, Any]) -> None:
    assert sorted(openapi["paths"]) == sorted(ENDPOINTS)
    search = openapi["paths"]["/api/v1/search"]["get"]
    names = {p["name"] for p in search["parameters"]}
    assert {"q", "kind", "challenge", "nbs_type", "country", "year", "page", "format"} <= names


def test_search_schema_declares_the_documented_keys_and_types(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    search = schemas["SearchOut"]
    assert set(search["required"]) == {"count", "page", "page_size", "items", "facets"}
    assert search["properties"]["count"]["type"] == "integer"
    assert search["properties"]["items"]["type"] == "array"
    assert search["properties"]["facets"]["type"] == "object"
    facet = schemas["FacetCountOut"]["properties"]
    assert (facet["value"]["type"], facet["label"]["type"], facet["count"]["type"]) == (
        "string",
        "string",
        "integer",
    )


def test_the_docs_page_loads_only_local_static_assets(client: Any) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert urls, "the docs page references no asset"
    for url in urls:
        assert url.startswith("/static/"), f"{url} is not served by CityWeave"
        assert finders.find(url.removeprefix("/static/")), f"{url} is not installed"
    assert "swagger-ui-bundle.js" in html
