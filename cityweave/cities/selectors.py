"""Reads of cities and networks: querysets in a stable order, with what their pages and the API
show prefetched, so a list costs the same few queries whatever its length."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from cityweave.catalogue.models import Case, Instrument
from cityweave.cities.filters import CityFilters
from cityweave.cities.models import (
    City,
    CityChallenge,
    Contact,
    Membership,
    Network,
    NetworkFact,
    NetworkGroup,
    Organisation,
)
from cityweave.climate.models import ClimateTarget


def city_queryset(*, user: Any = None) -> QuerySet[City]:
    """Cities with the number of published cases they hold (``case_count``)."""
    return City.objects.annotate(
        case_count=Count("cases", filter=Q(cases__status="published"))
    ).order_by("name", "pk")


def _memberships() -> Prefetch[Any]:
    return Prefetch(
        "memberships",
        Membership.objects.select_related("network", "group").order_by("network__name", "role"),
    )


def filter_cities(queryset: QuerySet[City], filters: CityFilters) -> QuerySet[City]:
    """``queryset`` narrowed to ``filters``; network and role filters apply to one membership
    together (``network=interlace&role=partner``: partners of INTERLACE)."""
    if filters.country:
        queryset = queryset.filter(country_code__in=filters.country)
    if filters.macro_region:
        queryset = queryset.filter(macro_region__in=filters.macro_region)
    if filters.network or filters.role:
        memberships = Membership.objects.filter(city=OuterRef("pk"))
        if filters.network:
            memberships = memberships.filter(network__slug__in=filters.network)
        if filters.role:
            memberships = memberships.filter(role__in=filters.role)
        queryset = queryset.filter(Exists(memberships))
    if filters.challenge:
        queryset = queryset.filter(
            Exists(
                CityChallenge.objects.filter(city=OuterRef("pk"), term__code__in=filters.challenge)
            )
        )
    if filters.q:
        from cityweave.catalogue.selectors import matching_text

        queryset = matching_text(queryset, "city", filters.q)
    return queryset


def city_list(*, user: Any = None, filters: CityFilters | None = None) -> QuerySet[City]:
    """Cities by name, each with its memberships, narrowed by the directory ``filters``."""
    queryset = city_queryset(user=user).prefetch_related(_memberships())
    return queryset if filters is None else filter_cities(queryset, filters)


def city_get(*, slug: str, user: Any = None) -> City:
    """One city with everything its profile shows; raises ``City.DoesNotExist``."""
    return (
        city_queryset(user=user)
        .prefetch_related(
            Prefetch("cases", Case.objects.filter(status="published").order_by("title_en")),
            Prefetch(
                "instruments",
                Instrument.objects.filter(status="published").order_by("name"),
            ),
            Prefetch(
                "challenge_links",
                CityChallenge.objects.select_related("term").order_by("priority", "term__position"),
            ),
            _memberships(),
            Prefetch(
                "climate_targets",
                ClimateTarget.objects.order_by("target_year", "dataset", "interim"),
            ),
            Prefetch(
                "organisations",
                Organisation.objects.order_by("level", "name").prefetch_related(
                    Prefetch("contacts", Contact.objects.order_by("name"))
                ),
            ),
        )
        .get(slug=slug)
    )


def city_map_rows(filters: CityFilters) -> list[tuple[Any, ...]]:
    """``(slug, name, country_code, latitude, longitude)`` of every located city matching
    ``filters``: one query, no model instances (the map draws them all)."""
    queryset = filter_cities(City.objects.all(), filters).filter(
        latitude__isnull=False, longitude__isnull=False
    )
    return list(
        queryset.order_by("name", "pk").values_list(
            "slug", "name", "country_code", "latitude", "longitude"
        )
    )


# --- networks --------------------------------------------------------------------------------


def network_list() -> QuerySet[Network]:
    """Networks by name, with their member and group counts."""
    return Network.objects.annotate(
        member_count=Count("memberships__city", distinct=True),
        group_count=Count("groups", distinct=True),
    ).order_by("name")


def network_get(*, slug: str) -> Network:
    """One network with its tiers or hubs, members and the facts its sources state; raises
    ``Network.DoesNotExist``."""
    members = Membership.objects.select_related("city", "group").order_by("city__name", "role")
    return Network.objects.prefetch_related(
        Prefetch(
            "groups",
            NetworkGroup.objects.annotate(member_count=Count("memberships")).order_by(
                "position", "name"
            ),
        ),
        Prefetch("memberships", members),
        Prefetch("facts", NetworkFact.objects.order_by("position", "pk")),
        "children",
    ).get(slug=slug)


# --- the city directory's filter counts -----------------------------------------------------

DIRECTORY_FACETS = ("network", "role", "challenge", "macro_region", "country")


def city_facet_counts(filters: CityFilters) -> dict[str, list[tuple[str, int]]]:
    """For each directory filter, its values with the number of cities they would show, the
    other filters applied but not its own: one query per filter, whatever the number of cities.
    """
    counts: dict[str, list[tuple[str, int]]] = {}
    for name in DIRECTORY_FACETS:
        others = replace(filters, **{name: ()})  # type: ignore[arg-type]
        cities = filter_cities(City.objects.all(), others).values("pk")
        if name in ("network", "role"):
            rows = Membership.objects.filter(city__in=cities)
            if name == "role" and filters.network:
                rows = rows.filter(network__slug__in=filters.network)
            if name == "network" and filters.role:
                rows = rows.filter(role__in=filters.role)
            field = "network__slug" if name == "network" else "role"
            values = rows.values(field).annotate(n=Count("city", distinct=True))
        elif name == "challenge":
            field = "term__code"
            values = (
                CityChallenge.objects.filter(city__in=cities)
                .values(field)
                .annotate(n=Count("city", distinct=True))
            )
        else:
            field = "country_code" if name == "country" else "macro_region"
            values = City.objects.filter(pk__in=cities).values(field).annotate(n=Count("pk"))
        pairs = [(str(row[field]), int(row["n"])) for row in values.order_by()]
        pairs.sort(key=lambda pair: (-pair[1], pair[0]))
        counts[name] = pairs
    return counts
