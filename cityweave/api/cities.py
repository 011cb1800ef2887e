"""Read endpoints of cities."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.errors import HttpError

from cityweave.api import serialize
from cityweave.api.formats import page, queryset_csv, queryset_geojson
from cityweave.api.schemas import CityDetailOut, CityPage, CityQuery, ErrorOut
from cityweave.cities import selectors
from cityweave.cities.models import City
from cityweave.core.search import parse_search_params

router = Router(tags=["cities"])


@router.get("/cities", response={200: CityPage, 400: ErrorOut, 422: ErrorOut})
def list_cities(request: HttpRequest, filters: Query[CityQuery]) -> Any:
    """Cities, by name, with their number of published cases. ``format=geojson`` gives every
    city with coordinates."""
    params = parse_search_params(request.GET)
    queryset = selectors.city_list(user=request.user, params=params)
    if filters.format == "csv":
        return queryset_csv("cityweave-cities", "city", queryset)
    if filters.format == "geojson":
        return queryset_geojson(queryset)
    return page(queryset, params, serialize.city_item)


@router.get("/cities/{slug}", response={200: CityDetailOut, 404: ErrorOut})
def get_city(request: HttpRequest, slug: str) -> Any:
    try:
        return serialize.city_detail(selectors.city_get(slug=slug, user=request.user))
    except City.DoesNotExist:
        raise HttpError(404, f"No city with slug {slug!r}") from None
