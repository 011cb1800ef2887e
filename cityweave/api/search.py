"""``GET /api/v1/search``: the knowledge hub's one search, as JSON, CSV or GeoJSON."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from cityweave.api.formats import csv_response, geojson_response
from cityweave.api.schemas import ErrorOut, SearchOut, SearchQuery
from cityweave.search import SearchHit, located_hits, parse_search_params, run_search

router = Router(tags=["search"])

CSV_LIMIT = 10_000
HIT_COLUMNS = (
    "kind",
    "slug",
    "title",
    "url",
    "subtitle",
    "city",
    "country_code",
    "latitude",
    "longitude",
    "snippet",
)


def hit_row(hit: SearchHit) -> dict[str, Any]:
    values = asdict(hit)
    return {column: "" if values[column] is None else values[column] for column in HIT_COLUMNS}


def hit_feature(hit: SearchHit) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [hit.longitude, hit.latitude]},
        "properties": {
            "kind": hit.kind,
            "slug": hit.slug,
            "title": hit.title,
            "url": hit.url,
            "city": hit.city,
            "country_code": hit.country_code,
        },
    }


@router.get(
    "/search",
    response={200: SearchOut, 400: ErrorOut, 422: ErrorOut},
    summary="Search every kind of item, with facet counts",
)
def search(request: HttpRequest, filters: Query[SearchQuery]) -> Any:
    """Full-text search over cases, NBS types, instruments, resources and cities in the five
    interface languages. Any word of ``q`` matches; records holding more of its words come
    first, then those holding the query as a phrase. The field's concepts are understood in
    every language ("Hitze", "upał", "calor" and "urban heat" find heat cases), as are other
    names of places ("Lisboa") and typos in a concept ("gren roof", with ``suggestion``).
    Repeat a filter parameter for several values (OR within a facet, AND across facets). Each
    facet counts the result set with the other filters applied.
    ``format=csv`` gives every match (up to 10,000), ``format=geojson`` every located match."""
    params = parse_search_params(request.GET)
    if filters.format == "geojson":
        return geojson_response([hit_feature(hit) for hit in located_hits(params)])
    if filters.format == "csv":
        everything = replace(params, page=1, page_size=CSV_LIMIT, with_facets=False)
        rows = (hit_row(hit) for hit in run_search(everything).items)
        return csv_response("cityweave-search", HIT_COLUMNS, rows)
    result = run_search(params)
    return {
        "count": result.count,
        "page": result.page,
        "page_size": result.page_size,
        "items": [asdict(hit) for hit in result.items],
        "facets": {
            facet: [asdict(value) for value in values] for facet, values in result.facets.items()
        },
        "suggestion": result.suggestion,
    }
