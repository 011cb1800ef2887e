"""Read endpoints of cities, their peers and the networks they belong to."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.errors import HttpError

from cityweave.api import serialize
from cityweave.api.formats import page, queryset_csv, queryset_geojson
from cityweave.api.schemas import (
    CityDetailOut,
    CityPage,
    CityQuery,
    ErrorOut,
    NetworkDetailOut,
    NetworkOut,
    PeerQuery,
    PeersOut,
    RecommendationQuery,
    RecommendationsOut,
)
from cityweave.cities import peer_selectors, selectors
from cityweave.cities.filters import parse_city_filters
from cityweave.cities.models import City, Network
from cityweave.search import parse_search_params

router = Router(tags=["cities"])


@router.get("/cities", response={200: CityPage, 400: ErrorOut, 422: ErrorOut})
def list_cities(request: HttpRequest, filters: Query[CityQuery]) -> Any:
    """Cities, by name, with their networks and number of published cases. ``format=geojson``
    gives every matching city with coordinates."""
    params = parse_search_params(request.GET)
    city_filters = parse_city_filters(request.GET)
    queryset = selectors.city_list(user=request.user, filters=city_filters)
    if filters.format == "csv":
        return queryset_csv("cityweave-cities", "city", queryset)
    if filters.format == "geojson":
        return queryset_geojson(queryset)
    return page(queryset, params, serialize.city_item)


@router.get("/cities/map", response={400: ErrorOut, 422: ErrorOut})
def city_map(request: HttpRequest, filters: Query[CityQuery]) -> HttpResponse:
    """Every located city matching the filters as a compact GeoJSON FeatureCollection (what the
    city map draws): properties ``slug``, ``name`` and ``country_code`` only, no whitespace; the
    page of a city is ``/cities/{slug}/`` and ``/api/v1/cities/{slug}`` has the rest."""
    rows = selectors.city_map_rows(parse_city_filters(request.GET))
    # Written as text, one feature at a time: thousands of dicts would cost more to build (and
    # to garbage-collect) than the JSON itself.
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    features = ",".join(
        f'{{"type":"Feature","geometry":{{"type":"Point","coordinates":[{lon!r},{lat!r}]}},'
        f'"properties":{{"slug":{dumps(slug)},"name":{dumps(name)},"country_code":{dumps(country)}}}}}'
        for slug, name, country, lat, lon in rows
    )
    body = f'{{"type":"FeatureCollection","features":[{features}]}}'
    return HttpResponse(body, content_type="application/geo+json; charset=utf-8")


def _city(slug: str) -> City:
    try:
        return City.objects.get(slug=slug)
    except City.DoesNotExist:
        raise HttpError(404, f"No city with slug {slug!r}") from None


@router.get("/cities/{slug}", response={200: CityDetailOut, 404: ErrorOut})
def get_city(request: HttpRequest, slug: str) -> Any:
    try:
        return serialize.city_detail(selectors.city_get(slug=slug, user=request.user))
    except City.DoesNotExist:
        raise HttpError(404, f"No city with slug {slug!r}") from None


def _peer_city(city: City) -> dict[str, Any]:
    return {
        "slug": city.slug,
        "name": city.name,
        "country_code": city.country_code,
        "macro_region": city.macro_region,
        "population": city.population,
        "url": city.get_absolute_url(),
    }


def _peer(peer: peer_selectors.Peer) -> dict[str, Any]:
    match = peer.match
    return {
        "city": _peer_city(peer.city),
        "tier": match.tier,
        "score": match.score,
        "distance_km": None if match.distance_km is None else round(match.distance_km, 1),
        "parts": [
            {
                "name": part.name,
                "weight": part.weight,
                "value": round(part.value, 6),
                "points": round(part.points, 6),
                "detail": part.detail,
            }
            for part in match.parts
        ],
        "shared_challenges": [{"code": t.code, "label": t.label} for t in peer.shared_challenges],
        "relevant_cases": [{"slug": c.slug, "title": c.title_en} for c in peer.cases],
    }


@router.get("/cities/{slug}/peers", response={200: PeersOut, 404: ErrorOut, 422: ErrorOut})
def city_peers(request: HttpRequest, slug: str, query: Query[PeerQuery]) -> Any:
    """The cities this city should learn from, best first, in one tier: ``local`` (same
    country), ``regional`` (same macro-region) or ``global``. Each peer explains its score: the
    weighted parts (shared challenges, experience with this city's challenges, size, distance,
    biogeographic region), the challenges shared and the peer's relevant cases."""
    city = _city(slug)
    peers = peer_selectors.city_peers(city=city, tier=query.tier, limit=query.limit)
    return {
        "city": serialize.city_ref(city),
        "tier": query.tier,
        "items": [_peer(peer) for peer in peers],
    }


@router.get(
    "/cities/{slug}/recommended-cases",
    response={200: RecommendationsOut, 404: ErrorOut, 422: ErrorOut},
)
def recommended_cases(request: HttpRequest, slug: str, query: Query[RecommendationQuery]) -> Any:
    """What worked in cities like this one: published cases of its best peers (every tier) that
    address its challenges, best peer first, each with the peer and the challenges it shares."""
    city = _city(slug)
    items = peer_selectors.recommended_cases(city=city, limit=query.limit)
    return {
        "city": serialize.city_ref(city),
        "items": [
            {
                "case": {"slug": r.case.slug, "title": r.case.title_en},
                "case_url": r.case.get_absolute_url(),
                "peer": _peer_city(r.peer_city),
                "peer_tier": r.match.tier,
                "peer_score": r.match.score,
                "challenges": [{"code": t.code, "label": t.label} for t in r.challenges],
            }
            for r in items
        ],
    }


@router.get("/networks", response=list[NetworkOut])
def list_networks(request: HttpRequest) -> Any:
    """Every network and programme, by name, with its number of member cities."""
    return [serialize.network_item(network) for network in selectors.network_list()]


@router.get("/networks/{slug}", response={200: NetworkDetailOut, 404: ErrorOut})
def get_network(request: HttpRequest, slug: str) -> Any:
    """A network with its tiers or hubs and its members, their roles and pledges."""
    try:
        return serialize.network_detail(selectors.network_get(slug=slug))
    except Network.DoesNotExist:
        raise HttpError(404, f"No network with slug {slug!r}") from None
