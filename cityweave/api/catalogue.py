"""Read endpoints of the catalogue: cases, NBS types, instruments and library resources."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.errors import HttpError

from cityweave.api import serialize
from cityweave.api.formats import page, queryset_csv, queryset_geojson
from cityweave.api.schemas import (
    CaseDetailOut,
    CasePage,
    CaseQuery,
    ErrorOut,
    InstrumentDetailOut,
    InstrumentPage,
    InstrumentQuery,
    NbsTypeDetailOut,
    NbsTypePage,
    NbsTypeQuery,
    ResourceDetailOut,
    ResourcePage,
    ResourceQuery,
)
from cityweave.catalogue import selectors
from cityweave.catalogue.models import Case, Instrument, NbsType, Resource
from cityweave.search import parse_search_params

router = Router()
ERRORS: dict[int, Any] = {400: ErrorOut, 422: ErrorOut}


@router.get("/cases", response={200: CasePage, **ERRORS}, tags=["cases"])
def list_cases(request: HttpRequest, filters: Query[CaseQuery]) -> Any:
    """Cases (good practices), by title. ``format=csv`` gives every match,
    ``format=geojson`` every match with coordinates (its own or its city's)."""
    params = parse_search_params(request.GET)
    queryset = selectors.case_list(user=request.user, params=params)
    if filters.format == "csv":
        return queryset_csv("cityweave-cases", "case", queryset)
    if filters.format == "geojson":
        return queryset_geojson(queryset)
    return page(queryset, params, serialize.case_item)


@router.get("/cases/{slug}", response={200: CaseDetailOut, 404: ErrorOut}, tags=["cases"])
def get_case(request: HttpRequest, slug: str) -> Any:
    try:
        return serialize.case_detail(selectors.case_get(slug=slug, user=request.user))
    except Case.DoesNotExist:
        raise HttpError(404, f"No case with slug {slug!r}") from None


@router.get("/nbs-types", response={200: NbsTypePage, **ERRORS}, tags=["nbs-types"])
def list_nbs_types(request: HttpRequest, filters: Query[NbsTypeQuery]) -> Any:
    """Types of nature-based solutions, with their labels in the five languages."""
    params = parse_search_params(request.GET)
    queryset = selectors.nbs_type_list(user=request.user, params=params)
    if filters.format == "csv":
        return queryset_csv("cityweave-nbs-types", "nbs_type", queryset)
    return page(queryset, params, serialize.nbs_type_item)


@router.get(
    "/nbs-types/{slug}", response={200: NbsTypeDetailOut, 404: ErrorOut}, tags=["nbs-types"]
)
def get_nbs_type(request: HttpRequest, slug: str) -> Any:
    """One NBS type with its biophysical parameters, each with its source."""
    try:
        return serialize.nbs_type_detail(selectors.nbs_type_get(slug=slug, user=request.user))
    except NbsType.DoesNotExist:
        raise HttpError(404, f"No NBS type with slug {slug!r}") from None


@router.get("/instruments", response={200: InstrumentPage, **ERRORS}, tags=["instruments"])
def list_instruments(request: HttpRequest, filters: Query[InstrumentQuery]) -> Any:
    """Policy and governance instruments that enable nature-based solutions."""
    params = parse_search_params(request.GET)
    queryset = selectors.instrument_list(user=request.user, params=params)
    if filters.format == "csv":
        return queryset_csv("cityweave-instruments", "instrument", queryset)
    return page(queryset, params, serialize.instrument_item)


@router.get(
    "/instruments/{slug}", response={200: InstrumentDetailOut, 404: ErrorOut}, tags=["instruments"]
)
def get_instrument(request: HttpRequest, slug: str) -> Any:
    try:
        return serialize.instrument_detail(selectors.instrument_get(slug=slug, user=request.user))
    except Instrument.DoesNotExist:
        raise HttpError(404, f"No instrument with slug {slug!r}") from None


@router.get("/resources", response={200: ResourcePage, **ERRORS}, tags=["resources"])
def list_resources(request: HttpRequest, filters: Query[ResourceQuery]) -> Any:
    """Library resources: guidance, business cases, impulse papers, reports, tools."""
    params = parse_search_params(request.GET)
    queryset = selectors.resource_list(user=request.user, params=params)
    if filters.format == "csv":
        return queryset_csv("cityweave-resources", "resource", queryset)
    return page(queryset, params, serialize.resource_item)


@router.get(
    "/resources/{slug}", response={200: ResourceDetailOut, 404: ErrorOut}, tags=["resources"]
)
def get_resource(request: HttpRequest, slug: str) -> Any:
    try:
        return serialize.resource_detail(selectors.resource_get(slug=slug, user=request.user))
    except Resource.DoesNotExist:
        raise HttpError(404, f"No resource with slug {slug!r}") from None
