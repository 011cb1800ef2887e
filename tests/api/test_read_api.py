"""The list and detail endpoints: filters, drafts, 404s, CSV and GeoJSON, bounded queries."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cityweave.catalogue.models import BiophysicalParameter, Case, Instrument, NbsType, Resource
from cityweave.catalogue.tabular import COLUMNS
from cityweave.cities.models import City
from cityweave.core.models import Status
from cityweave.search import rebuild_index
from tests.api.conftest import response_schema, schema_errors
from tests.core.test_search_backend import World

pytestmark = pytest.mark.django_db

LISTS = {
    "/api/v1/cases": "case",
    "/api/v1/nbs-types": "nbs_type",
    "/api/v1/instruments": "instrument",
    "/api/v1/resources": "resource",
    "/api/v1/cities": "city",
}


def slugs(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["items"] if item["slug"][:3] == "zz-"]


def test_case_filters_apply(client: Any, world: World) -> None:
    assert slugs(client.get("/api/v1/cases", {"city": "zz-iasi"})) == ["zz-garden-case"]
    assert slugs(client.get("/api/v1/cases", {"challenge": "zz-heat", "year": "2018"})) == [
        "zz-roof-case"
    ]
    assert slugs(client.get("/api/v1/cases", {"nbs_type": "zz-green-roof"})) == ["zz-roof-case"]
    assert slugs(client.get("/api/v1/cases", {"q": "zielony dach zz"})) == ["zz-roof-case"]
    assert slugs(client.get("/api/v1/cases", {"q": "zz", "country": ["SE", "EC"]})) == [
        "zz-roof-case",
        "zz-quito-case",
    ]


def test_other_lists_filter_too(client: Any, world: World) -> None:
    assert slugs(client.get("/api/v1/instruments", {"city": "zz-goteborg"})) == ["zz-roof-bylaw"]
    assert slugs(client.get("/api/v1/instruments", {"level": "local", "q": "zz"})) == [
        "zz-roof-bylaw"
    ]
    assert slugs(client.get("/api/v1/resources", {"language": "de", "q": "zz"})) == ["zz-guide"]
    assert slugs(client.get("/api/v1/nbs-types", {"q": "zz garden"})) == ["zz-rain-garden"]
    assert slugs(client.get("/api/v1/cities", {"q": "zz", "macro_region": "CELAC"})) == ["zz-quito"]


def test_drafts_are_hidden_from_anonymous_users(client: Any, world: World) -> None:
    assert "zz-draft-case" not in slugs(client.get("/api/v1/cases", {"city": "zz-iasi"}))
    response = client.get("/api/v1/cases/zz-draft-case")
    assert response.status_code == 404
    assert response.json() == {"detail": "No case with slug 'zz-draft-case'"}


@pytest.mark.parametrize("path", [*LISTS, "/api/v1/search"])
def test_unknown_slugs_are_404_and_lists_validate(
    client: Any, world: World, openapi: dict[str, Any], path: str
) -> None:
    if path != "/api/v1/search":
        assert client.get(f"{path}/no-such-thing").status_code == 404
    response = client.get(path, {"page_size": 3})
    assert schema_errors(response.json(), response_schema(openapi, path), openapi) == []


def test_details_carry_provenance_scores_and_parameters(
    client: Any, world: World, openapi: dict[str, Any]
) -> None:
    case = world.roof_case
    case.scores = {"climate": 3.0}
    case.source_name = "Zz source"
    case.licence_verified = False
    case.save()
    world.instrument.cases.add(case)
    BiophysicalParameter.objects.create(
        nbs_type=world.roof, name="albedo", value=0.2, source="Zz table 1"
    )
    details = {
        "/api/v1/cases/zz-roof-case": "/api/v1/cases/{slug}",
        "/api/v1/nbs-types/zz-green-roof": "/api/v1/nbs-types/{slug}",
        "/api/v1/instruments/zz-roof-bylaw": "/api/v1/instruments/{slug}",
        "/api/v1/resources/zz-guide": "/api/v1/resources/{slug}",
        "/api/v1/cities/zz-goteborg": "/api/v1/cities/{slug}",
    }
    bodies = {}
    for url, path in details.items():
        response = client.get(url)
        assert response.status_code == 200
        assert schema_errors(response.json(), response_schema(openapi, path), openapi) == []
        bodies[path] = response.json()
    case_body = bodies["/api/v1/cases/{slug}"]
    assert case_body["scores"] == {"climate": 3.0}
    assert case_body["provenance"]["source_name"] == "Zz source"
    assert case_body["provenance"]["licence_verified"] is False
    assert case_body["instruments"] == [{"slug": "zz-roof-bylaw", "name": "Zz green roof bylaw"}]
    assert bodies["/api/v1/nbs-types/{slug}"]["parameters"][0]["source"] == "Zz table 1"
    assert bodies["/api/v1/nbs-types/{slug}"]["labels"]["pl"] == "Zz zielony dach"
    assert bodies["/api/v1/cities/{slug}"]["case_count"] == 1
    assert bodies["/api/v1/cities/{slug}"]["cases"] == [
        {"slug": "zz-roof-case", "title": "Zz Factory Roof Retrofit"}
    ]


@pytest.mark.parametrize(("path", "kind"), LISTS.items())
def test_csv_of_every_list_has_the_shared_columns(
    client: Any, world: World, path: str, kind: str
) -> None:
    response = client.get(path, {"format": "csv", "q": "zz"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames or ()) == COLUMNS[kind]
    rows = {row["slug"]: row for row in reader}
    if kind == "case":
        assert set(rows) == {"zz-roof-case", "zz-garden-case", "zz-quito-case"}
        assert rows["zz-garden-case"]["challenges"] == "zz-heat;zz-water"
        assert rows["zz-garden-case"]["city"] == "zz-iasi"
        assert rows["zz-garden-case"]["country_code"] == "RO"
    assert rows


@pytest.mark.parametrize("path", ["/api/v1/cases", "/api/v1/cities"])
def test_geojson_of_cases_and_cities(client: Any, world: World, path: str) -> None:
    response = client.get(path, {"format": "geojson", "q": "zz"})
    assert response["Content-Type"] == "application/geo+json"
    features = {f["properties"]["slug"]: f for f in response.json()["features"]}
    if path == "/api/v1/cases":
        assert set(features) == {"zz-roof-case", "zz-garden-case"}  # Quito has no coordinates
    else:
        assert set(features) == {"zz-goteborg", "zz-iasi"}
    assert features.get("zz-iasi", features.get("zz-garden-case"))["geometry"]["coordinates"] == [
        27.59,
        47.16,
    ]


def _many(world: World) -> None:
    """Twelve more of each kind, each with related items, so pages of 5 and 200 differ."""
    for n in range(12):
        case = Case.objects.create(slug=f"zz-many-{n}", title_en=f"Zz many {n}", city=world.iasi)
        case.nbs_types.add(world.roof, world.garden)
        case.challenges.add(world.heat)
        NbsType.objects.create(slug=f"zz-type-{n}", label_en=f"Zz type {n}", ec_type=1)
        instrument = Instrument.objects.create(
            slug=f"zz-instr-{n}",
            name=f"Zz instr {n}",
            category="economic",
            governance_level="national",
            description="x",
        )
        instrument.cities.add(world.iasi, world.goteborg)
        instrument.cases.add(case)
        resource = Resource.objects.create(
            slug=f"zz-res-{n}", title=f"Zz res {n}", resource_type="report"
        )
        resource.cities.add(world.iasi)
        City.objects.create(
            slug=f"zz-city-{n}",
            name=f"Zz city {n}",
            country="Romania",
            country_code="RO",
            macro_region="EU",
        )
    rebuild_index()


@pytest.mark.parametrize("path", list(LISTS))
def test_list_queries_do_not_grow_with_the_page_size(client: Any, world: World, path: str) -> None:
    _many(world)
    counts = []
    for size in (5, 200):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, {"page_size": size, "q": "zz"})
        assert response.status_code == 200
        assert len(response.json()["items"]) == (5 if size == 5 else response.json()["count"])
        counts.append(len(queries))
    assert response.json()["count"] > 5
    assert counts[0] == counts[1]


def test_search_queries_do_not_grow_with_the_page_size(client: Any, world: World) -> None:
    _many(world)
    counts = []
    for size in (5, 200):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/search", {"page_size": size, "q": "zz"})
        assert response.json()["count"] > 40
        counts.append(len(queries))
    # PostgreSQL adds the two statements that set and reset the search's planner setting.
    # One more than before any-word ranking: the texts of the first matches, to re-rank them.
    assert counts[0] == counts[1] <= 7 + (2 if connection.vendor == "postgresql" else 0)


def test_staff_with_view_permission_sees_drafts(client: Any, world: World) -> None:
    from django.contrib.auth.models import Permission, User

    user = User.objects.create_user("zz-editor", password="x")
    user.user_permissions.add(Permission.objects.get(codename="view_case"))
    client.force_login(user)
    assert client.get("/api/v1/cases/zz-draft-case").status_code == 200
    assert Case.objects.get(slug="zz-draft-case").status == Status.DRAFT
