"""GET /api/v1/search: shape against the OpenAPI schema, filters, errors, CSV and GeoJSON."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.api.conftest import response_schema, schema_errors
from tests.core.test_search_backend import World

pytestmark = pytest.mark.django_db


def test_search_response_matches_the_published_schema(
    client: Any, world: World, openapi: dict[str, Any]
) -> None:
    response = client.get("/api/v1/search", {"q": "zz", "kind": "case", "page_size": 2})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "page", "page_size", "items", "facets", "suggestion"}
    assert schema_errors(body, response_schema(openapi, "/api/v1/search"), openapi) == []
    assert body["count"] == 3 and body["page"] == 1 and body["page_size"] == 2
    assert len(body["items"]) == 2
    assert set(body["facets"]) == {
        "kind",
        "challenge",
        "nbs_type",
        "country",
        "macro_region",
        "city",
        "category",
        "level",
        "year",
        "language",
    }


def test_repeated_parameters_are_several_values_of_a_filter(client: Any, world: World) -> None:
    one = client.get("/api/v1/search", {"q": "zz", "challenge": ["zz-heat"], "kind": "case"})
    both = client.get(
        "/api/v1/search", {"q": "zz", "challenge": ["zz-heat", "zz-water"], "kind": "case"}
    )
    assert {i["slug"] for i in one.json()["items"]} == {"zz-roof-case", "zz-garden-case"}
    assert {i["slug"] for i in both.json()["items"]} == {
        "zz-roof-case",
        "zz-garden-case",
        "zz-quito-case",
    }
    years = {f["value"]: f["count"] for f in one.json()["facets"]["year"]}
    assert years == {"2018": 1, "2020": 1}


@pytest.mark.parametrize(
    ("query", "status", "param"),
    [
        ({"page": "abc"}, 422, "page"),
        ({"page": "0"}, 400, "page"),
        ({"page": "99999999999999999999999"}, 400, "page"),
        ({"page_size": "1000"}, 400, "page_size"),
        ({"kind": "planet"}, 400, "kind"),
        ({"year": "last"}, 422, "year"),
        ({"country": "Sweden"}, 400, "country"),
        ({"macro_region": "ASIA"}, 400, "macro_region"),
        ({"q": "x" * 501}, 400, "q"),
        ({"format": "xml"}, 422, "format"),
    ],
)
def test_malformed_parameters_are_client_errors_naming_the_parameter(
    client: Any, query: dict[str, str], status: int, param: str
) -> None:
    response = client.get("/api/v1/search", query)
    assert response.status_code == status
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail.startswith(f"{param}:")


def test_csv_gives_every_match(client: Any, world: World) -> None:
    response = client.get("/api/v1/search", {"q": "zz", "kind": "case", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(r["slug"] for r in rows) == ["zz-garden-case", "zz-quito-case", "zz-roof-case"]
    quito = next(r for r in rows if r["slug"] == "zz-quito-case")
    assert quito["latitude"] == "" and quito["city"] == "Zz Quito"


def test_geojson_gives_every_located_match(client: Any, world: World) -> None:
    response = client.get("/api/v1/search", {"q": "zz", "format": "geojson"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    features = {f["properties"]["slug"]: f for f in collection["features"]}
    # Located: the two cases in Göteborg and Iaşi, the bylaw (one city), the two cities.
    assert set(features) == {
        "zz-roof-case",
        "zz-garden-case",
        "zz-roof-bylaw",
        "zz-goteborg",
        "zz-iasi",
    }
    roof = features["zz-roof-case"]
    assert roof["geometry"] == {"type": "Point", "coordinates": [11.97, 57.7]}
    assert set(roof["properties"]) == {"kind", "slug", "title", "url", "city", "country_code"}
    assert roof["properties"]["city"] == "Zz Göteborg"
    assert roof["properties"]["country_code"] == "SE"


@pytest.mark.parametrize(
    "q", ['"unbalanced', "NEAR(a b)", "roof*", "a AND OR NOT", "-(", "ü:ß", "'; DROP TABLE x; --"]
)
def test_query_syntax_of_the_backends_never_leaks(client: Any, world: World, q: str) -> None:
    response = client.get("/api/v1/search", {"q": q})
    assert response.status_code == 200
    assert response.json()["count"] >= 0


def test_facets_can_be_skipped(client: Any, world: World) -> None:
    with_facets = client.get("/api/v1/search", {"q": "zz", "kind": "case"}).json()
    without = client.get("/api/v1/search", {"q": "zz", "kind": "case", "facets": "false"}).json()
    assert without["facets"] == {}
    assert without["count"] == with_facets["count"] == 3
    assert [i["slug"] for i in without["items"]] == [i["slug"] for i in with_facets["items"]]
