"""Request parameters → ``SearchParams``, shared by the API and the web pages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from cityweave.search.types import KINDS, SORTS, SearchParams

FACETS = (
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
)
# Facets stored as columns of the search document (column by facet name), and the others,
# stored as rows of the facet-value table.
COLUMN_FACETS = {
    "kind": "kind",
    "country": "country_code",
    "macro_region": "macro_region",
    "city": "city",
    "category": "category",
    "level": "level",
    "year": "year",
    "language": "language",
}
MULTI_VALUED_FACETS = ("challenge", "nbs_type")
MAX_QUERY_LENGTH = 500
MAX_PAGE = 100_000
MAX_VALUES_PER_FILTER = 50
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,220}$")
COUNTRY_RE = re.compile(r"^[A-Za-z]{2}$")
LANGUAGE_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


class InvalidSearchParams(ValueError):
    """A malformed search parameter; ``param`` names it and the message says what is wrong."""

    def __init__(self, message: str, param: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.param = param


def param_values(data: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(data, "getlist", None)
    raw: Any = getlist(name) if callable(getlist) else data.get(name, [])
    if raw is None:
        raw = []
    if isinstance(raw, str | int):
        raw = [raw]
    return [str(value).strip() for value in raw if str(value).strip()]


def param_value(data: Mapping[str, Any], name: str) -> str:
    values = param_values(data, name)
    return values[-1] if values else ""


def _int(data: Mapping[str, Any], name: str, default: int) -> int:
    raw = param_value(data, name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidSearchParams(f"{name}: {raw!r} is not an integer", name) from None


def _choices(name: str) -> tuple[str, ...]:
    from cityweave.catalogue.models import GovernanceLevel, InstrumentCategory
    from cityweave.cities.models import MacroRegion

    return {
        "kind": KINDS,
        "macro_region": tuple(MacroRegion.values),
        "category": tuple(InstrumentCategory.values),
        "level": tuple(GovernanceLevel.values),
    }[name]


def filter_values(data: Mapping[str, Any], name: str) -> tuple[str, ...]:
    values = param_values(data, name)
    if len(values) > MAX_VALUES_PER_FILTER:
        raise InvalidSearchParams(
            f"{name}: at most {MAX_VALUES_PER_FILTER} values are accepted", name
        )
    out: list[str] = []
    for value in values:
        if name in {"kind", "macro_region", "category", "level"}:
            allowed = _choices(name)
            if name == "macro_region":
                value = value.upper()
            if value not in allowed:
                raise InvalidSearchParams(
                    f"{name}: unknown value {value!r} (expected one of {', '.join(allowed)})", name
                )
        elif name == "country":
            if not COUNTRY_RE.match(value):
                raise InvalidSearchParams(
                    f"country: {value!r} is not a two-letter ISO 3166-1 code", name
                )
            value = value.upper()
        elif name == "language":
            if not LANGUAGE_RE.match(value):
                raise InvalidSearchParams(f"language: {value!r} is not a language code", name)
            value = value.lower()
        elif not SLUG_RE.match(value):
            raise InvalidSearchParams(f"{name}: {value!r} is not a valid slug or code", name)
        if value not in out:
            out.append(value)
    return tuple(out)


def _years(data: Mapping[str, Any]) -> tuple[int, ...]:
    years: list[int] = []
    for raw in param_values(data, "year"):
        try:
            year = int(raw)
        except ValueError:
            raise InvalidSearchParams(f"year: {raw!r} is not a number", "year") from None
        if not 1000 <= year <= 2999:
            raise InvalidSearchParams(f"year: {year} is out of range (1000-2999)", "year")
        if year not in years:
            years.append(year)
    return tuple(years)


def parse_search_params(querydict: Mapping[str, Any]) -> SearchParams:
    """Validate request parameters (a ``QueryDict`` or a plain mapping; repeated parameters give
    several values of a filter). Unknown parameters are ignored; malformed values raise
    ``InvalidSearchParams``."""
    q = " ".join(param_value(querydict, "q").split())
    if len(q) > MAX_QUERY_LENGTH:
        raise InvalidSearchParams(f"q: longer than {MAX_QUERY_LENGTH} characters", "q")
    page = _int(querydict, "page", 1)
    if not 1 <= page <= MAX_PAGE:
        raise InvalidSearchParams(f"page: must be between 1 and {MAX_PAGE}", "page")
    page_size = _int(querydict, "page_size", settings.PAGE_SIZE)
    if not 1 <= page_size <= settings.MAX_PAGE_SIZE:
        raise InvalidSearchParams(
            f"page_size: must be between 1 and {settings.MAX_PAGE_SIZE}", "page_size"
        )
    filters: dict[str, Any] = {
        name: filter_values(querydict, name) for name in FACETS if name != "year"
    }
    facets = param_value(querydict, "facets").lower()
    if facets not in {"", "true", "1", "yes", "false", "0", "no"}:
        raise InvalidSearchParams("facets: expected true or false", "facets")
    sort = param_value(querydict, "sort").lower() or "relevance"
    if sort not in SORTS:
        raise InvalidSearchParams(f"sort: expected one of {', '.join(SORTS)}", "sort")
    return SearchParams(
        q=q,
        sort=sort,
        year=_years(querydict),
        page=page,
        page_size=page_size,
        with_facets=facets not in {"false", "0", "no"},
        **filters,
    )
