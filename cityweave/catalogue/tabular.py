"""Flat shapes of hub items, shared by the API's CSV and GeoJSON output and by
``cityweave export`` / ``cityweave import``.

``COLUMNS[kind]`` is the CSV header of a kind; ``to_row(obj)`` gives the row as strings (related
items as ``;``-separated slugs or codes, booleans as ``true``/``false``, empty for none);
``to_feature(obj)`` gives a GeoJSON Feature, or None when the item has no coordinates.
Pass objects fetched through the selectors so that related items are prefetched.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Model
from django.urls import NoReverseMatch

from cityweave.catalogue.models import Case, Instrument, NbsType, Resource
from cityweave.cities.models import City

PROVENANCE_COLUMNS = (
    "source_name",
    "source_url",
    "licence",
    "licence_verified",
    "retrieved_on",
    "editorial_note",
)
MULTI_SEPARATOR = ";"

COLUMNS: dict[str, tuple[str, ...]] = {
    "case": (
        "slug",
        "title_en",
        "title_original",
        "summary",
        "city",
        "country_code",
        "latitude",
        "longitude",
        "location_precision",
        "nbs_types",
        "challenges",
        "case_status",
        "start_year",
        "end_year",
        "area_m2",
        "cost",
        "cost_currency",
        "funding_sources",
        "governance",
        "actors",
        "participation",
        "outcomes",
        "lessons",
        "status",
        *PROVENANCE_COLUMNS,
    ),
    "nbs_type": (
        "slug",
        "label_en",
        "label_pl",
        "label_es",
        "label_pt",
        "label_de",
        "description",
        "ec_type",
        "scales",
        "challenges",
        "ecosystem_services",
        "cost_min",
        "cost_max",
        "cost_currency",
        "cost_unit",
        "cost_year",
        "cost_source",
        "cost_source_url",
        "maintenance",
        "status",
        *PROVENANCE_COLUMNS,
    ),
    "instrument": (
        "slug",
        "name",
        "name_original",
        "category",
        "governance_level",
        "country_code",
        "year_adopted",
        "description",
        "actors",
        "success_factors",
        "lessons",
        "challenges",
        "nbs_types",
        "cities",
        "cases",
        "status",
        *PROVENANCE_COLUMNS,
    ),
    "resource": (
        "slug",
        "title",
        "resource_type",
        "language",
        "authors",
        "year",
        "description",
        "url",
        "topics",
        "nbs_types",
        "cities",
        "file_name",
        "status",
        *PROVENANCE_COLUMNS,
    ),
    "city": (
        "slug",
        "name",
        "kind",
        "country",
        "country_code",
        "macro_region",
        "latitude",
        "longitude",
        "geonameid",
        "population",
        "population_source",
        "aliases",
        "website",
        "programmes",
        *PROVENANCE_COLUMNS,
    ),
}

# Related items written as ``;``-separated keys: the attribute that identifies each.
RELATED_KEYS = {
    "nbs_types": "slug",
    "challenges": "code",
    "ecosystem_services": "code",
    "topics": "code",
    "cities": "slug",
    "cases": "slug",
}

KIND_OF_MODEL: dict[type[Model], str] = {
    Case: "case",
    NbsType: "nbs_type",
    Instrument: "instrument",
    Resource: "resource",
    City: "city",
}


def kind_of(obj: Model) -> str:
    try:
        return KIND_OF_MODEL[type(obj)]
    except KeyError:
        raise TypeError(f"{type(obj).__name__} has no tabular form") from None


def cell(value: Any) -> str:
    """A value as CSV text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list | tuple):
        return MULTI_SEPARATOR.join(str(item) for item in value)
    return str(value)


def _value(obj: Any, column: str) -> Any:
    if column in RELATED_KEYS:
        key = RELATED_KEYS[column]
        return sorted(getattr(item, key) for item in getattr(obj, column).all())
    if isinstance(obj, Case):
        if column == "city":
            return obj.city.slug if obj.city else ""
        if column == "country_code":
            return obj.city.country_code if obj.city else ""
    return getattr(obj, column)


def to_row(obj: Model) -> dict[str, str]:
    """The item as a CSV row, keyed by ``COLUMNS[kind]``."""
    return {column: cell(_value(obj, column)) for column in COLUMNS[kind_of(obj)]}


def page_url(obj: Any) -> str:
    """The item's page on the site ("" while the page is not routed)."""
    try:
        return str(obj.get_absolute_url())
    except NoReverseMatch:
        return ""


def coordinates(obj: Any) -> tuple[float, float] | None:
    """(longitude, latitude): the item's own, or for a case its city's centroid."""
    latitude, longitude = getattr(obj, "latitude", None), getattr(obj, "longitude", None)
    if (latitude is None or longitude is None) and isinstance(obj, Case) and obj.city:
        latitude, longitude = obj.city.latitude, obj.city.longitude
    if latitude is None or longitude is None:
        return None
    return (longitude, latitude)


def to_feature(obj: Model) -> dict[str, Any] | None:
    """A GeoJSON Point Feature with the properties the map shows, or None without coordinates."""
    point = coordinates(obj)
    if point is None:
        return None
    kind = kind_of(obj)
    city: Any = obj if isinstance(obj, City) else getattr(obj, "city", None)
    title = {"case": "title_en", "nbs_type": "label_en", "instrument": "name"}.get(kind)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [point[0], point[1]]},
        "properties": {
            "kind": kind,
            "slug": obj.slug,  # type: ignore[attr-defined]
            "title": getattr(obj, title or ("name" if kind == "city" else "title")),
            "url": page_url(obj),
            "city": city.name if city else "",
            "country_code": city.country_code if city else "",
        },
    }


def feature_collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}
