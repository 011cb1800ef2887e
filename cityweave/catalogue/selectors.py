"""Reads of the catalogue: querysets with their relations loaded and a stable order.

Anonymous visitors (and users without the model's ``view`` permission) see published records
only. ``params`` applies the search filters that make sense for each kind; ``params.q`` goes
through the search index, which holds published records only.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Count, Model, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

from cityweave.catalogue.models import (
    BiophysicalParameter,
    Case,
    CaseTerm,
    Instrument,
    NbsType,
    Resource,
)
from cityweave.cities.models import City
from cityweave.core.models import TaxonomyTerm
from cityweave.search.types import SearchParams

M = TypeVar("M", bound=Model)


def can_see_drafts(user: Any, model: type[Model]) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    meta = model._meta
    return bool(user.has_perm(f"{meta.app_label}.view_{meta.model_name}"))


def visible(queryset: QuerySet[M], user: Any) -> QuerySet[M]:
    if can_see_drafts(user, queryset.model):
        return queryset
    return queryset.filter(status="published")


def matching_text(queryset: QuerySet[M], kind: str, q: str) -> QuerySet[M]:
    """Restrict to the objects whose search documents match ``q`` (no-op when empty)."""
    if not q:
        return queryset
    from cityweave.search.query import object_ids_sql

    sql, args = object_ids_sql(kind, q)
    return queryset.filter(pk__in=RawSQL(sql, args))  # type: ignore[arg-type]


def _challenge_terms() -> QuerySet[TaxonomyTerm]:
    return TaxonomyTerm.objects.filter(vocabulary="challenge")


def _published_nbs_types() -> QuerySet[NbsType]:
    return NbsType.objects.filter(status="published")


def case_queryset(*, user: Any = None) -> QuerySet[Case]:
    return visible(
        Case.objects.select_related("city").prefetch_related(
            Prefetch("nbs_types", _published_nbs_types()),
            Prefetch("challenges", _challenge_terms()),
        ),
        user,
    ).order_by("title_en", "pk")


def case_list(*, user: Any = None, params: SearchParams | None = None) -> QuerySet[Case]:
    queryset = case_queryset(user=user)
    if params is None:
        return queryset
    if params.challenge:
        queryset = queryset.filter(
            pk__in=Case.challenges.through.objects.filter(
                taxonomyterm__code__in=params.challenge
            ).values("case_id")
        )
    if params.nbs_type:
        queryset = queryset.filter(
            pk__in=Case.nbs_types.through.objects.filter(nbstype__slug__in=params.nbs_type).values(
                "case_id"
            )
        )
    if params.country:
        queryset = queryset.filter(city__country_code__in=params.country)
    if params.macro_region:
        queryset = queryset.filter(city__macro_region__in=params.macro_region)
    if params.city:
        queryset = queryset.filter(city__slug__in=params.city)
    if params.year:
        queryset = queryset.filter(start_year__in=params.year)
    return matching_text(queryset, "case", params.q)


def case_get(*, slug: str, user: Any = None) -> Case:
    """One case with everything its detail shows; raises ``Case.DoesNotExist``."""
    return (
        case_queryset(user=user)
        .prefetch_related(
            Prefetch("instruments", Instrument.objects.filter(status="published").order_by("name")),
            Prefetch(
                "terms",
                CaseTerm.objects.select_related("challenge", "nbs_type"),
            ),
        )
        .get(slug=slug)
    )


def nbs_type_queryset(*, user: Any = None) -> QuerySet[NbsType]:
    return visible(
        NbsType.objects.prefetch_related(
            Prefetch("challenges", _challenge_terms()),
            Prefetch(
                "ecosystem_services", TaxonomyTerm.objects.filter(vocabulary="ecosystem_service")
            ),
        ),
        user,
    ).order_by("label_en", "pk")


def nbs_type_list(*, user: Any = None, params: SearchParams | None = None) -> QuerySet[NbsType]:
    queryset = nbs_type_queryset(user=user)
    if params is None:
        return queryset
    if params.challenge:
        queryset = queryset.filter(
            pk__in=NbsType.challenges.through.objects.filter(
                taxonomyterm__code__in=params.challenge
            ).values("nbstype_id")
        )
    if params.nbs_type:
        queryset = queryset.filter(slug__in=params.nbs_type)
    return matching_text(queryset, "nbs_type", params.q)


def nbs_type_get(*, slug: str, user: Any = None) -> NbsType:
    return (
        nbs_type_queryset(user=user)
        .prefetch_related(
            Prefetch("parameters", BiophysicalParameter.objects.order_by("name")),
        )
        .get(slug=slug)
    )


def instrument_queryset(*, user: Any = None) -> QuerySet[Instrument]:
    return visible(
        Instrument.objects.prefetch_related(
            Prefetch("challenges", _challenge_terms()),
            Prefetch("nbs_types", _published_nbs_types()),
            Prefetch("cities", City.objects.order_by("name")),
            Prefetch("cases", Case.objects.filter(status="published").order_by("title_en")),
        ),
        user,
    ).order_by("name", "pk")


def instrument_list(
    *, user: Any = None, params: SearchParams | None = None
) -> QuerySet[Instrument]:
    queryset = instrument_queryset(user=user)
    if params is None:
        return queryset
    through = Instrument.challenges.through
    if params.challenge:
        queryset = queryset.filter(
            pk__in=through.objects.filter(taxonomyterm__code__in=params.challenge).values(
                "instrument_id"
            )
        )
    if params.nbs_type:
        queryset = queryset.filter(
            pk__in=Instrument.nbs_types.through.objects.filter(
                nbstype__slug__in=params.nbs_type
            ).values("instrument_id")
        )
    if params.city:
        queryset = queryset.filter(
            pk__in=Instrument.cities.through.objects.filter(city__slug__in=params.city).values(
                "instrument_id"
            )
        )
    if params.country:
        queryset = queryset.filter(country_code__in=params.country)
    if params.category:
        queryset = queryset.filter(category__in=params.category)
    if params.level:
        queryset = queryset.filter(governance_level__in=params.level)
    if params.year:
        queryset = queryset.filter(year_adopted__in=params.year)
    return matching_text(queryset, "instrument", params.q)


def instrument_get(*, slug: str, user: Any = None) -> Instrument:
    return instrument_queryset(user=user).get(slug=slug)


def resource_queryset(*, user: Any = None) -> QuerySet[Resource]:
    return visible(
        Resource.objects.defer("extracted_text").prefetch_related(
            "topics",
            Prefetch("nbs_types", _published_nbs_types()),
            Prefetch("cities", City.objects.order_by("name")),
        ),
        user,
    ).order_by("-year", "title", "pk")


def resource_list(*, user: Any = None, params: SearchParams | None = None) -> QuerySet[Resource]:
    queryset = resource_queryset(user=user)
    if params is None:
        return queryset
    if params.challenge:
        queryset = queryset.filter(
            pk__in=Resource.topics.through.objects.filter(
                taxonomyterm__code__in=params.challenge
            ).values("resource_id")
        )
    if params.nbs_type:
        queryset = queryset.filter(
            pk__in=Resource.nbs_types.through.objects.filter(
                nbstype__slug__in=params.nbs_type
            ).values("resource_id")
        )
    if params.city:
        queryset = queryset.filter(
            pk__in=Resource.cities.through.objects.filter(city__slug__in=params.city).values(
                "resource_id"
            )
        )
    if params.year:
        queryset = queryset.filter(year__in=params.year)
    if params.language:
        queryset = queryset.filter(language__in=params.language)
    return matching_text(queryset, "resource", params.q)


def resource_get(*, slug: str, user: Any = None) -> Resource:
    return resource_queryset(user=user).get(slug=slug)


def nbs_types_by_use(*, limit: int = 8) -> list[NbsType]:
    """The published NBS types with the most published cases (``case_count``), most used first."""
    return list(
        NbsType.objects.filter(status="published")
        .annotate(case_count=Count("cases", filter=Q(cases__status="published")))
        .filter(case_count__gt=0)
        .order_by("-case_count", "label_en")[:limit]
    )
