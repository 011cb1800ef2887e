"""Reads of cities: querysets in a stable order, with what their pages and the API show."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from cityweave.catalogue.models import Case
from cityweave.cities.models import City
from cityweave.core.search.types import SearchParams


def city_queryset(*, user: Any = None) -> QuerySet[City]:
    """Cities with the number of published cases they hold (``case_count``)."""
    return City.objects.annotate(
        case_count=Count("cases", filter=Q(cases__status="published"))
    ).order_by("name", "pk")


def city_list(*, user: Any = None, params: SearchParams | None = None) -> QuerySet[City]:
    queryset = city_queryset(user=user)
    if params is None:
        return queryset
    if params.country:
        queryset = queryset.filter(country_code__in=params.country)
    if params.macro_region:
        queryset = queryset.filter(macro_region__in=params.macro_region)
    if params.city:
        queryset = queryset.filter(slug__in=params.city)
    if params.q:
        from cityweave.catalogue.selectors import matching_text

        queryset = matching_text(queryset, "city", params.q)
    return queryset


def city_get(*, slug: str, user: Any = None) -> City:
    """One city with its published cases; raises ``City.DoesNotExist``."""
    return (
        city_queryset(user=user)
        .prefetch_related(
            Prefetch("cases", Case.objects.filter(status="published").order_by("title_en"))
        )
        .get(slug=slug)
    )
