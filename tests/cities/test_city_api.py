"""City, peer and network endpoints: filters, explanations, bad input, bounded queries."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.test import Client

from cityweave.catalogue.models import Case
from cityweave.cities.models import City, CityChallenge, Membership, Network, Role
from cityweave.core.models import TaxonomyTerm

pytestmark = pytest.mark.django_db


def test_cities_filtered_by_network_and_role(client: Client) -> None:
    body = client.get("/api/v1/cities?network=interlace&role=partner&page_size=50").json()
    assert body["count"] == 6
    assert {item["slug"] for item in body["items"]} >= {"chemnitz-de", "envigado-co"}
    assert all("interlace" in item["networks"] for item in body["items"])
    # The two filters apply to one membership: no IMPETUS region is an INTERLACE partner.
    body = client.get("/api/v1/cities?network=impetus&role=partner").json()
    assert body["count"] == 0


def test_cities_filtered_by_challenge_and_macro_region(client: Client) -> None:
    link = CityChallenge.objects.select_related("city", "term").first()
    assert link is not None
    url = f"/api/v1/cities?challenge={link.term.code}&macro_region={link.city.macro_region}"
    slugs = {item["slug"] for item in client.get(url).json()["items"]}
    assert link.city.slug in slugs
    assert all(
        CityChallenge.objects.filter(city__slug=slug, term=link.term).exists() for slug in slugs
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("role=mayor", "role: unknown role 'mayor' (expected one of"),
        ("network=atlantis", "network: no network 'atlantis'"),
        ("country=POL", "country: 'POL' is not a two-letter ISO 3166-1 code"),
        ("macro_region=ASIA", "macro_region: unknown value 'ASIA'"),
    ],
)
def test_bad_filters_are_400_with_the_reason(client: Client, query: str, message: str) -> None:
    for path in ("/api/v1/cities", "/api/v1/cities/map", "/cities/"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, path
        assert message in html.unescape(response.content.decode())


def test_city_detail_has_memberships_targets_and_sources(client: Client) -> None:
    body = client.get("/api/v1/cities/amsterdam-nl").json()
    networks = {m["network"]: m for m in body["memberships"]}
    assert networks["eu-mission"]["role"] == "member"
    assert networks["eu-mission"]["group"] == "Netherlands"
    assert networks["race-to-zero"]["provenance"]["licence"] == "CC BY 4.0"
    targets = {(t["dataset"], t["label"]) for t in body["climate_targets"]}
    assert ("net_zero_tracker", "Climate neutral") in targets
    assert all(t["provenance"]["source_name"] for t in body["climate_targets"])


def test_map_is_compact_geojson_of_the_filtered_cities(client: Client) -> None:
    response = client.get("/api/v1/cities/map?network=interlace")
    assert response["Content-Type"] == "application/geo+json; charset=utf-8"
    features = response.json()["features"]
    located = City.objects.filter(
        memberships__network__slug="interlace", latitude__isnull=False
    ).count()
    assert len(features) == located == 6
    assert set(features[0]["properties"]) == {"slug", "name", "country_code"}


def test_map_and_list_queries_do_not_grow_with_the_number_of_cities(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(3):
        client.get("/api/v1/cities/map")
    with django_assert_max_num_queries(5):
        client.get("/api/v1/cities?page_size=200")


def _peers(client: Client, slug: str, tier: str, limit: int = 10) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/cities/{slug}/peers?tier={tier}&limit={limit}")
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_peers_stay_in_their_tier(client: Client) -> None:
    krakow = City.objects.get(slug="krakow-pl")
    local = _peers(client, "krakow-pl", "local")
    assert local and all(p["city"]["country_code"] == "PL" for p in local)
    regional = _peers(client, "krakow-pl", "regional")
    assert all(
        p["city"]["country_code"] != "PL" and p["city"]["macro_region"] == krakow.macro_region
        for p in regional
    )
    world = _peers(client, "krakow-pl", "global")
    assert all(p["city"]["macro_region"] != krakow.macro_region for p in world)


def test_each_peer_explains_its_score(client: Client) -> None:
    for peer in _peers(client, "lisbon-pt", "regional", limit=5):
        parts = {part["name"]: part for part in peer["parts"]}
        assert set(parts) == {"challenges", "experience", "size", "distance", "biogeography"}
        assert peer["score"] == pytest.approx(sum(p["points"] for p in parts.values()), abs=1e-5)
        assert all(part["detail"] for part in parts.values())
    scores = [p["score"] for p in _peers(client, "lisbon-pt", "regional")]
    assert scores == sorted(scores, reverse=True)


def test_a_peer_with_cases_on_my_challenges_ranks_higher_and_says_why(client: Client) -> None:
    """Two Polish cities, equal but for the peer's cases: experience and shared challenges
    lift the one that has done it."""
    heat = TaxonomyTerm.objects.filter(vocabulary="challenge").first()
    assert heat is not None
    me = City.objects.create(
        name="Testowo",
        slug="testowo-pl",
        country="Poland",
        country_code="PL",
        macro_region="EU",
        population=100_000,
        latitude=50.0,
        longitude=20.0,
    )
    done = City.objects.create(
        name="Zrobione",
        slug="zrobione-pl",
        country="Poland",
        country_code="PL",
        macro_region="EU",
        population=100_000,
        latitude=50.1,
        longitude=20.0,
    )
    CityChallenge.objects.create(city=me, term=heat)
    CityChallenge.objects.create(city=done, term=heat)
    case = Case.objects.create(title_en="A cooling park", slug="t-cooling-park", city=done)
    case.challenges.add(heat)
    local = _peers(client, "testowo-pl", "local", limit=3)
    top = local[0]
    assert top["city"]["slug"] == "zrobione-pl"
    assert [c["code"] for c in top["shared_challenges"]] == [heat.code]
    assert [c["slug"] for c in top["relevant_cases"]] == ["t-cooling-park"]
    parts = {part["name"]: part for part in top["parts"]}
    assert parts["challenges"]["value"] == 1.0
    # 1 - exp(-1/3) = 0.283469
    assert parts["experience"]["value"] == pytest.approx(0.283469, abs=1e-6)
    recommended = client.get("/api/v1/cities/testowo-pl/recommended-cases").json()["items"]
    assert recommended[0]["case"]["slug"] == "t-cooling-park"
    assert recommended[0]["peer"]["slug"] == "zrobione-pl"


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/cities/krakow-pl/peers?tier=moon", 422),
        ("/api/v1/cities/krakow-pl/peers?limit=0", 422),
        ("/api/v1/cities/krakow-pl/peers?limit=many", 422),
        ("/api/v1/cities/nowhere-xx/peers", 404),
        ("/api/v1/cities/nowhere-xx/recommended-cases", 404),
        ("/api/v1/networks/nowhere", 404),
    ],
)
def test_bad_peer_requests(client: Client, url: str, status: int) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response.json()["detail"]


def test_peers_cost_a_fixed_number_of_queries(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(12):
        client.get("/api/v1/cities/lisbon-pt/peers?tier=regional&limit=50")
    with django_assert_max_num_queries(20):
        client.get("/api/v1/cities/lisbon-pt/recommended-cases?limit=100")


def test_networks_list_and_detail(client: Client) -> None:
    networks = {n["slug"]: n for n in client.get("/api/v1/networks").json()}
    assert networks["eu-mission"]["member_count"] == 111
    body = client.get("/api/v1/networks/interlace").json()
    assert [g["level"] for g in body["groups"]] == ["local", "regional", "global"]
    assert {m["role"] for m in body["members"]} == {Role.PARTNER}
    assert body["provenance"]["source_url"] == "https://www.ecologic.eu/18032"


def test_network_detail_queries_are_bounded(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    mission = Network.objects.get(slug="eu-mission")
    assert Membership.objects.filter(network=mission).count() == 111
    with django_assert_max_num_queries(6):
        client.get("/api/v1/networks/eu-mission")
